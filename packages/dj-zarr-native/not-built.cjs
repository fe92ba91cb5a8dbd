// Runs when `node-gyp rebuild` fails at install time: the addon is optional, so the install
// goes on and dj-zarr-codecs uses its portable encoders (slower, same files).
"use strict";
console.warn(
  "dj-zarr-native: not built (it needs a C compiler and the c-blosc and libzstd headers, e.g. " +
    "apt-get install libblosc-dev libzstd-dev, then npm rebuild dj-zarr-native); " +
    "dj-zarr-codecs falls back to its portable encoders.",
);
