/** What `dj show` reads from Zarr metadata documents that zarr-python wrote (reference fixtures). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir } from "../helpers/cli.js";
import { zarrInfo } from "../../src/formats/zarr-info.js";

const doc = (rel: string) => readFileSync(join(fixturesDir, rel), "utf8");

test("v2 .zarray: shape, dtype, chunks, order and the compressor with its settings", () => {
  assert.deepEqual(zarrInfo(doc("zarr-v2/forder_f8_2d.zarr/.zarray"), 2), {
    zarrFormat: 2,
    shape: [12, 10],
    dtype: "<f8",
    chunks: [5, 4],
    order: "F",
    compressor: "zlib(level=5)",
  });
});

test("v3 zarr.json: the chunk grid, and the codecs after the bytes codec as the compressor", () => {
  assert.deepEqual(zarrInfo(doc("zarr-v3/blosc_lz4_shuffle_f4.zarr/zarr.json"), 3), {
    zarrFormat: 3,
    shape: [64, 48],
    dtype: "float32",
    chunks: [32, 16],
    compressor: "blosc(typesize=4, cname=lz4, clevel=5, shuffle=shuffle, blocksize=0)",
  });
  assert.equal(zarrInfo(doc("zarr-v3/raw_bool_1d.zarr/zarr.json"), 3).compressor, "none");
});
