import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BlobTuple, packBlob, unpackBlob, type BlobValue } from "../../src/formats/blob.js";
import { parseDescr } from "../../src/formats/dtype.js";
import { fixturesDir } from "../helpers/cli.js";

const dir = join(fixturesDir, "blob");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));

/** The little-endian C-order bytes of an unpacked array, for the manifest's sha256_c_le. */
function shaOf(v: BlobValue): string {
  const a = v as { data: Uint8Array };
  return createHash("sha256").update(a.data).digest("hex");
}

describe("DataJoint blobs", () => {
  for (const c of manifest.cases) {
    test(`${c.name}: unpacks, and packs back byte for byte`, () => {
      const packed = readFileSync(join(dir, `${c.name}.blob`));
      const rawPath = join(dir, `${c.name}.raw.blob`);
      const raw = existsSync(rawPath) ? readFileSync(rawPath) : packed;
      const value = unpackBlob(packed);
      assert.deepEqual(unpackBlob(raw), value);
      if (c.value.kind === "ndarray" && c.value.sha256_c_le) assert.equal(shaOf(value), c.value.sha256_c_le);
      if (c.value.values_c_order && c.value.dtype === "<U3") assert.deepEqual((value as { values: string[] }).values, c.value.values_c_order);
      assert.equal(Buffer.from(packBlob(value, false)).toString("hex"), raw.toString("hex"), "uncompressed bytes identical");
      // Compressed bytes must be canonical zlib's (DataJoint's content hashes depend on them);
      // blob-crosstool.test.ts checks that on inputs where Node's own zlib differs.
      const again = Buffer.from(packBlob(value, true));
      assert.deepEqual(unpackBlob(again), value);
      assert.equal(again.toString("hex"), packed.toString("hex"), "compressed bytes identical");
    });
  }

  test("Python scalars and containers in the JS value model", () => {
    assert.equal(unpackBlob(readFileSync(join(dir, "py_int_negative_big.blob"))), -1180591620717411303421n);
    const t = unpackBlob(readFileSync(join(dir, "py_tuple.blob")));
    assert.ok(t instanceof BlobTuple);
    assert.deepEqual((t as BlobTuple).items, [1n, "two", 3]);
    const d = unpackBlob(readFileSync(join(dir, "py_dict.blob"))) as Map<BlobValue, BlobValue>;
    assert.deepEqual([...d.entries()], [["a", 1n], ["b", [1n, 2n]]]);
    assert.equal(Buffer.from(packBlob({ a: 1n })).toString("hex"), "646a30000401000000000000000a000000000000000501000000000000006104000000000000000a010001");
  });

  test("truncated and foreign bytes are refused", () => {
    const good = readFileSync(join(dir, "int64_1d.blob"));
    assert.throws(() => unpackBlob(good.subarray(0, 30)), /truncated/);
    assert.throws(() => unpackBlob(Buffer.from("hello world")), /not a DataJoint blob/);
    assert.throws(() => unpackBlob(Buffer.concat([good, Buffer.from([0])])), /unread bytes/);
    assert.throws(() => packBlob({ kind: "ndarray", dtype: parseDescr("<f2"), shape: [1], data: new Uint8Array(2) }), /cannot hold float16/);
  });
});
