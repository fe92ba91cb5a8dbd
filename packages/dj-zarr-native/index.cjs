// Loads the compiled addon. Throws when it was not built (no C compiler, or the system's
// libblosc/libzstd headers were missing at install time); dj-zarr-codecs then falls back to
// its portable encoders.
"use strict";
module.exports = require("./build/Release/dj_zarr_native.node");
