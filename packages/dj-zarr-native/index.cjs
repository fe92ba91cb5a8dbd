// Loads the compiled addon. When it was not built (no C compiler, or the system's
// libblosc/libzstd headers were missing at install time) it throws an error with the code
// DJ_ZARR_NATIVE_NOT_BUILT, and dj-zarr-codecs falls back to its portable encoders. An addon
// that is built but fails to load (built for another Node.js, a shared library gone) throws
// the loader's own error, which dj-zarr-codecs shows instead of hiding it.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const addon = join(__dirname, "build", "Release", "dj_zarr_native.node");
if (!existsSync(addon)) {
  const err = new Error(`dj-zarr-native is not built (no ${addon})`);
  err.code = "DJ_ZARR_NATIVE_NOT_BUILT";
  throw err;
}
module.exports = require(addon);
