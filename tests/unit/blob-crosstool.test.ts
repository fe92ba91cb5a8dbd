/**
 * `<blob>` bytes identical to DataJoint for Python's, compression included: the expected bytes
 * in fixtures/blob-crosstool were made by `datajoint.blob.pack` (CPython, zlib 1.2.13; see its
 * README), never by dj. Equal bytes give equal `_hash` names, so both tools deduplicate.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { packBlob, unpackBlob } from "../../src/formats/blob.js";
import { reorder } from "../../src/formats/ndarray.js";
import { parseNpyHeader } from "../../src/formats/npy.js";
import { base32 } from "../../src/stores/addressing.js";
import { repoRoot } from "../helpers/cli.js";

const dir = join(repoRoot, "tests/fixtures/blob-crosstool");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));

/** The fixture's input array as dj's in-memory value (C order, as dj holds arrays). */
function inputArray(name: string) {
  const file = readFileSync(join(dir, `${name}.npy`));
  const h = parseNpyHeader(file, name);
  const raw = new Uint8Array(file.subarray(h.dataOffset, h.dataOffset + h.dataBytes));
  const data = h.fortranOrder ? reorder(raw, h.shape, h.dtype.itemsize, false) : raw;
  return { kind: "ndarray" as const, dtype: h.dtype, shape: h.shape, data };
}

describe("<blob> bytes as DataJoint for Python packs them", () => {
  test("the fixture set covers compressed, raw-because-small and raw-because-incompressible blobs", () => {
    const kinds = new Set(manifest.cases.map((c: any) => (c.compressed ? "zl" : c.size < 1000 ? "small" : "incompressible")));
    assert.deepEqual([...kinds].sort(), ["incompressible", "small", "zl"]);
    assert.equal(manifest.zlib, "1.2.13");
  });

  for (const c of manifest.cases) {
    test(`${c.name} (${c.note}): same bytes, same content hash`, () => {
      const expected = readFileSync(join(dir, `${c.name}.blob`));
      const packed = Buffer.from(packBlob(inputArray(c.name)));
      assert.equal(packed.length, expected.length, "size");
      assert.ok(packed.equals(expected), "bytes identical to datajoint.blob.pack");
      assert.equal(base32(createHash("md5").update(packed).digest()), c.hash);
      assert.deepEqual(unpackBlob(expected), inputArray(c.name));
    });
  }

  test("Node's own zlib would not do: its stream differs for these inputs (why pako is used)", () => {
    const differing = manifest.cases.filter((c: any) => {
      if (!c.compressed) return false;
      const expected = readFileSync(join(dir, `${c.name}.blob`));
      return !deflateSync(unpackBlobRaw(expected)).equals(expected.subarray(14));
    });
    assert.ok(differing.length > 0);
  });
});

/** The uncompressed blob inside a ZL123 wrapper. */
function unpackBlobRaw(b: Buffer): Buffer {
  return Buffer.from(packBlob(unpackBlob(b), false));
}
