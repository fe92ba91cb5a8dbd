/**
 * Zarr v3 as zarr-python 3 writes it (fixtures/zarr-v3, made by zarr-python 3.1.6): dj reads every
 * array there, sharded ones included, and compares with zarr-python's own reading (the stored
 * `.expected.npy`). Writing v3 with zlib gives zarr-python 3's `zarr.json` text and numcodecs'
 * chunk bytes exactly; damaged shards and unsupported codec lists are clear errors.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../../src/stores/file.js";
import { openNpy } from "../../src/formats/npy.js";
import { readAll } from "../../src/formats/ndarray.js";
import { byteSwap } from "../../src/formats/dtype.js";
import { fixturesDir } from "../helpers/cli.js";
import { readMeta, verifyZarr, writeZarr, zarrSource } from "../../packages/dj-zarr-codecs/dist/zarr.js";
import { closeCompressors } from "../../packages/dj-zarr-codecs/dist/compressors.js";

const v3Dir = join(fixturesDir, "zarr-v3");
const v2Dir = join(fixturesDir, "zarr-v2");
const v3Cases = JSON.parse(readFileSync(join(v3Dir, "manifest.json"), "utf8")).cases as Array<Record<string, any>>;
const v2Cases = JSON.parse(readFileSync(join(v2Dir, "manifest.json"), "utf8")).cases as Array<Record<string, any>>;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

after(() => closeCompressors());

describe("dj reads every Zarr v3 array zarr-python 3 wrote", () => {
  const store = new FileStore("fixtures", v3Dir);
  test("the fixture set holds the cases the issue names", () => {
    const names = v3Cases.flatMap((c) => (c.codecs as Array<{ name: string }>).map((x) => x.name));
    for (const n of ["sharding_indexed", "crc32c", "numcodecs.zlib", "transpose"]) assert.ok(names.includes(n), n);
    assert.equal(v3Cases.length, 12);
  });
  for (const c of v3Cases) {
    test(c.path, async () => {
      const meta = (await readMeta(store, c.path))!;
      assert.ok(meta);
      assert.deepEqual(meta.shape, c.shape);
      assert.equal(meta.dtype.name, c.data_type);
      const src = zarrSource(store, c.path, meta);
      const data = new Uint8Array(await readAll(src));
      // zarr-python's reading, as NumPy saved it (native byte order); dj keeps a big-endian
      // array's `>` dtype, so compare both little-endian.
      const expected = await openNpy(join(v3Dir, c.expected_npy));
      const want = new Uint8Array(await readAll(expected));
      await expected.close?.();
      if (meta.dtype.byteOrder === ">") byteSwap(data, meta.dtype);
      if (expected.dtype.byteOrder === ">") byteSwap(want, expected.dtype);
      assert.equal(sha(data), c.sha256_c_le);
      assert.deepEqual(Buffer.from(data), Buffer.from(want));
    });
  }
  test("big-endian bytes: the dtype stays `>f8`, the values are zarr-python's", async () => {
    const meta = (await readMeta(store, "bigendian_f8.zarr"))!;
    assert.equal(meta.dtype.descr, ">f8");
    const data = new Uint8Array(await readAll(zarrSource(store, "bigendian_f8.zarr", meta)));
    const first = new DataView(data.buffer, data.byteOffset).getFloat64(0, false);
    const c = v3Cases.find((x) => x.path === "bigendian_f8.zarr")!;
    assert.equal(first, Number(c.first_values_c_order?.[0] ?? c.values_c_order[0]));
  });
  test("dj verify --deep passes on every fixture, the sharded one included", async () => {
    for (const c of v3Cases) {
      const problems = await verifyZarr(store, c.path, { storeName: null, shape: c.shape, dtype: c.data_type, allChunksWritten: false, deep: true });
      assert.deepEqual(problems, [], c.path);
    }
  });
});

describe("damaged or unsupported v3 arrays are clear errors", () => {
  let dir: string;
  let store: FileStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-zarr3-"));
    store = new FileStore("t", dir);
    cpSync(join(v3Dir, "sharded_f4_2d.zarr"), join(dir, "s.zarr"), { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a shard index whose crc32c does not match: fetch and verify --deep say so", async () => {
    const shard = join(dir, "s.zarr/c/1/0");
    const bytes = readFileSync(shard);
    bytes[bytes.length - 10] ^= 0xff; // inside the index (the last 16*16+4 bytes)
    writeFileSync(shard, bytes);
    const meta = (await readMeta(store, "s.zarr"))!;
    await assert.rejects(readAll(zarrSource(store, "s.zarr", meta)), /shard s\.zarr\/c\/1\/0: crc32c checksum mismatch in the shard index/);
    const problems = await verifyZarr(store, "s.zarr", { storeName: null, allChunksWritten: false, deep: true });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.problem, /crc32c checksum mismatch in the shard index/);
  });

  test("a shard that lost its tail is refused, not read as garbage", async () => {
    const shard = join(dir, "s.zarr/c/0/0");
    writeFileSync(shard, readFileSync(shard).subarray(0, 100));
    const meta = (await readMeta(store, "s.zarr"))!;
    await assert.rejects(readAll(zarrSource(store, "s.zarr", meta)), /shard s\.zarr\/c\/0\/0: (100 bytes, too short|crc32c checksum mismatch|index entry)/);
  });

  test("a missing shard reads as the fill value (zarr-python's reading)", async () => {
    cpSync(join(v3Dir, "sharded_f4_2d.zarr"), join(dir, "m.zarr"), { recursive: true });
    rmSync(join(dir, "m.zarr/c/0/1"));
    const meta = (await readMeta(store, "m.zarr"))!;
    const values = new Float32Array((await readAll(zarrSource(store, "m.zarr", meta))).slice().buffer);
    const expected = await openNpy(join(v3Dir, "sharded_f4_2d.expected.npy"));
    const want = new Float32Array((await readAll(expected)).slice().buffer);
    await expected.close?.();
    for (let r = 0; r < 64; r++) {
      for (let col = 0; col < 40; col++) {
        const k = r * 40 + col;
        assert.equal(values[k], r < 32 && col >= 32 ? 0 : want[k], `[${r}, ${col}]`);
      }
    }
  });

  test("codec lists dj cannot read are named", async () => {
    const base = JSON.parse(readFileSync(join(v3Dir, "sharded_f4_2d.zarr/zarr.json"), "utf8"));
    const cases: Array<[unknown, RegExp]> = [
      [[{ name: "bytes" }, { name: "bz2-ish" }], /codec "bz2-ish" is not supported/],
      [[{ name: "sharding_indexed", configuration: { ...base.codecs[0].configuration, codecs: base.codecs } }], /nested Zarr v3 sharding/],
      [[{ name: "transpose", configuration: { order: [1, 0] } }, ...base.codecs], /transpose before sharding_indexed/],
      [[...base.codecs, { name: "zstd", configuration: { level: 1 } }], /after sharding_indexed is not supported/],
      [[{ name: "sharding_indexed", configuration: { ...base.codecs[0].configuration, chunk_shape: [5, 8] } }], /does not divide the shard shape/],
      [[{ name: "sharding_indexed", configuration: { ...base.codecs[0].configuration, index_codecs: [{ name: "bytes" }, { name: "zstd", configuration: { level: 1 } }] } }], /index_codecs .* are not supported/],
      [[{ name: "zstd", configuration: { level: 1 } }], /must come after the bytes codec/],
      [[{ name: "transpose", configuration: { order: [0, 0] } }, { name: "bytes" }], /not a permutation/],
    ];
    for (const [i, [codecs, why]] of cases.entries()) {
      await store.set(`bad${i}.zarr/zarr.json`, new TextEncoder().encode(JSON.stringify({ ...base, codecs })));
      await assert.rejects(readMeta(store, `bad${i}.zarr`), (err: Error & { kind?: string }) => err.kind === "codec" && why.test(err.message), JSON.stringify(codecs));
    }
  });
});

describe("dj writes Zarr v3 as zarr-python 3 does", () => {
  let dir: string;
  let store: FileStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-zarr3w-"));
    store = new FileStore("t", dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Each fixture's own array, written with the settings zarr-python 3 was given for it: every
  // file must be the fixture's file (its sha256 in the manifest).
  const same: Array<[string, number[], { id: string; level: number }]> = [
    ["numcodecs_zlib_u1", [16, 16], { id: "zlib", level: 6 }],
    ["datajoint_default_f8_2d", [1000, 32], { id: "zstd", level: 0 }],
  ];
  for (const [name, chunks, compressor] of same) {
    test(`${name}: zarr.json text and every chunk byte for byte`, async () => {
      const c = v3Cases.find((x) => x.path === `${name}.zarr`)!;
      const src = await openNpy(join(v3Dir, `${name}.expected.npy`));
      await writeZarr(store, `${name}.zarr`, src, { format: 3, chunks, compressor: compressor as never });
      await src.close?.();
      assert.equal(new TextDecoder().decode((await store.get(`${name}.zarr/zarr.json`))!), c.zarr_json_text);
      for (const f of c.files as Array<{ path: string; sha256: string }>) {
        const bytes = await store.get(`${name}.zarr/${f.path}`);
        assert.ok(bytes, f.path);
        assert.equal(sha(bytes), f.sha256, f.path);
      }
    });
  }

  test("v2 zlib chunks are numcodecs' bytes too (zarr 2.13's zlib_i4_2d, level 1)", async () => {
    const c = v2Cases.find((x) => x.path === "zlib_i4_2d.zarr")!;
    const src = await openNpy(join(v2Dir, c.expected_npy));
    await writeZarr(store, "v2zlib.zarr", src, { format: 2, chunks: c.chunks, compressor: { id: "zlib", level: 1 } });
    await src.close?.();
    for (const f of c.files as Array<{ path: string; sha256: string }>) {
      if (f.path === ".zattrs") continue;
      assert.equal(sha((await store.get(`v2zlib.zarr/${f.path}`))!), f.sha256, f.path);
    }
  });

  test("a v3 zlib array dj wrote reads back; one-byte types carry no endian, others little", async () => {
    const src = await openNpy(join(fixturesDir, "npy/movie_u16_10x64x64.npy"));
    await writeZarr(store, "m.zarr", src, { format: 3, chunks: [3, 64, 32], compressor: { id: "zlib", level: 1 } });
    const meta = JSON.parse(new TextDecoder().decode((await store.get("m.zarr/zarr.json"))!));
    assert.deepEqual(meta.codecs, [{ name: "bytes", configuration: { endian: "little" } }, { name: "numcodecs.zlib", configuration: { level: 1 } }]);
    const back = new Uint8Array(await readAll(zarrSource(store, "m.zarr", (await readMeta(store, "m.zarr"))!)));
    assert.deepEqual(Buffer.from(back), Buffer.from(await readAll(src)));
    await src.close?.();
  });
});
