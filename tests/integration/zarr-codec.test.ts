/**
 * dj-zarr-codecs against the reference implementations: dj reads every array Python's zarr 2.13
 * wrote (fixtures/zarr-v2), and Debian's python3-zarr reads every array dj writes, bit for bit,
 * for every dtype of fixtures/npy that Zarr supports.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../../src/stores/file.js";
import { openNpy } from "../../src/formats/npy.js";
import { readAll } from "../../src/formats/ndarray.js";
import { byteSwap } from "../../src/formats/dtype.js";
import { fixturesDir } from "../helpers/cli.js";
import { readMeta, writeZarr, zarrSource, defaultChunks } from "../../packages/dj-zarr-codecs/dist/zarr.js";
import { skipWithout } from "../helpers/requires.js";
import { debianPython as python } from "../helpers/python.js";

const zarrDir = join(fixturesDir, "zarr-v2");
const npyDir = join(fixturesDir, "npy");
const zarrManifest = JSON.parse(readFileSync(join(zarrDir, "manifest.json"), "utf8"));
const npyManifest = JSON.parse(readFileSync(join(npyDir, "manifest.json"), "utf8"));

/** SHA-256 of C-order little-endian data, the fixtures' `sha256_c_le` convention. */
async function shaCle(source: { dtype: any; read(o: number, l: number): Promise<Uint8Array>; byteLength: number }): Promise<string> {
  const data = new Uint8Array(await source.read(0, source.byteLength));
  if (source.dtype.byteOrder === ">") byteSwap(data, source.dtype);
  return createHash("sha256").update(data).digest("hex");
}

describe("dj reads every fixture Zarr v2 array", () => {
  const store = new FileStore("fixtures", zarrDir);
  for (const c of zarrManifest.cases) {
    test(c.path, async () => {
      const meta = await readMeta(store, c.path);
      assert.ok(meta);
      assert.deepEqual([meta.shape, meta.chunks, meta.dtype.descr], [c.shape, c.chunks, c.dtype]);
      const src = zarrSource(store, c.path, meta);
      assert.equal(await shaCle(src), c.sha256_c_le);
      const expected = await openNpy(join(zarrDir, c.expected_npy));
      assert.deepEqual(Buffer.from(await readAll(src)), Buffer.from(await readAll(expected)));
      await expected.close?.();
    });
  }
});

describe("Python's zarr reads what dj writes", { skip: skipWithout("pythonZarr") }, () => {
  let dir: string;
  let store: FileStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-zarr-"));
    store = new FileStore("t", dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const valid = npyManifest.cases.filter((c: any) => c.valid);
  for (const compressor of [null, { id: "zstd", level: 1 }, { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, { id: "zlib", level: 1 }, { id: "gzip", level: 5 }] as const) {
    test(`every .npy dtype, compressor ${compressor?.id ?? "none"}`, async () => {
      const written: string[] = [];
      for (const c of valid) {
        const src = await openNpy(join(npyDir, c.file));
        // Small chunks so that every array spans several chunks, edge chunks included.
        const chunks = src.shape.map((s: number, i: number) => (i === 0 ? Math.max(1, Math.ceil(s / 3)) : Math.max(1, s)));
        const prefix = `${compressor?.id ?? "none"}/${c.file}.zarr`;
        await writeZarr(store, prefix, src, { format: 2, chunks, compressor });
        await src.close?.();
        written.push(`${c.file}:${prefix}`);
        // dj reads its own output back too.
        const back = zarrSource(store, prefix, (await readMeta(store, prefix))!);
        assert.equal(await shaCle(back), c.sha256_c_le, c.file);
      }
      const out = python(`
import zarr, numpy as np, sys
bad = []
for item in ${JSON.stringify(written)}:
    f, p = item.split(":")
    a = np.load("${npyDir}/" + f)
    z = zarr.open("${dir}/" + p, mode="r")
    b = z[...]
    if a.shape != b.shape or a.astype(a.dtype.newbyteorder("<")).tobytes() != b.astype(b.dtype.newbyteorder("<")).tobytes():
        bad.append(f)
print("bad:" + ",".join(bad))
`);
      assert.equal(out, "bad:");
    });
  }

  test("Zarr v3 layout (zarr.json, c/0/0 keys) reads back; metadata is zarr-python 3's default shape", async () => {
    const src = await openNpy(join(npyDir, "movie_u16_10x64x64.npy"));
    await writeZarr(store, "v3/movie.zarr", src, { format: 3, chunks: [4, 64, 64], compressor: { id: "zstd", level: 1 } });
    await src.close?.();
    const meta = JSON.parse(Buffer.from((await store.get("v3/movie.zarr/zarr.json"))!).toString());
    assert.equal(meta.zarr_format, 3);
    assert.equal(meta.data_type, "uint16");
    assert.deepEqual(meta.codecs.map((c: any) => c.name), ["bytes", "zstd"]);
    assert.ok(await store.exists("v3/movie.zarr/c/2/0/0"));
    const back = zarrSource(store, "v3/movie.zarr", (await readMeta(store, "v3/movie.zarr"))!);
    const c = npyManifest.cases.find((x: any) => x.file === "movie_u16_10x64x64.npy");
    assert.equal(await shaCle(back), c.sha256_c_le);
  });

  test("a Zarr v3 array as zarr-python 3 writes it by default (bytes + zstd level 0, c/ keys, missing chunk = fill)", async () => {
    // Chunks encoded by Python's numcodecs (what zarr-python 3's ZstdCodec calls), metadata in
    // zarr-python 3's default form; one chunk is left out, so it reads as the fill value.
    python(`
import json, os, numpy as np, numcodecs
root = "${dir}/py3/a.zarr"
a = np.arange(7 * 5, dtype="<f8").reshape(7, 5) / 3
chunks = (3, 2)
for i in range(0, 7, 3):
    for j in range(0, 5, 2):
        if (i, j) == (3, 2):
            continue
        block = np.full(chunks, np.nan, dtype="<f8")
        part = a[i:i + 3, j:j + 2]
        block[:part.shape[0], :part.shape[1]] = part
        os.makedirs(f"{root}/c/{i // 3}", exist_ok=True)
        open(f"{root}/c/{i // 3}/{j // 2}", "wb").write(numcodecs.Zstd(level=0).encode(block.tobytes()))
json.dump({"shape": [7, 5], "data_type": "float64",
  "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [3, 2]}},
  "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
  "fill_value": "NaN",
  "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "zstd", "configuration": {"level": 0, "checksum": False}}],
  "attributes": {}, "zarr_format": 3, "node_type": "array", "storage_transformers": []}, open(f"{root}/zarr.json", "w"))
`);
    const meta = (await readMeta(store, "py3/a.zarr"))!;
    const values = new Float64Array((await readAll(zarrSource(store, "py3/a.zarr", meta))).slice().buffer);
    const expected = Array.from({ length: 35 }, (_, k) => (Math.floor(k / 5) >= 3 && Math.floor(k / 5) < 6 && k % 5 >= 2 && k % 5 < 4 ? NaN : k / 3));
    assert.deepEqual(Array.from(values), expected);
  });

  test("Zarr v3 crc32c: checksums are verified and stripped; a corrupt chunk is an error", async () => {
    const { crc32c } = await import("../../packages/dj-zarr-codecs/dist/crc32c.js");
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283); // the standard check value
    const body = new Uint8Array(new Int32Array([1, 2, 3, 4]).buffer);
    const chunk = new Uint8Array(body.byteLength + 4);
    chunk.set(body);
    new DataView(chunk.buffer).setUint32(body.byteLength, crc32c(body), true);
    const zarrJson = { shape: [4], data_type: "int32", chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } }, chunk_key_encoding: { name: "default", configuration: { separator: "/" } }, fill_value: 0, codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }], attributes: {}, zarr_format: 3, node_type: "array" };
    await store.set("crc/a.zarr/zarr.json", new TextEncoder().encode(JSON.stringify(zarrJson)));
    await store.set("crc/a.zarr/c/0", chunk);
    const src = zarrSource(store, "crc/a.zarr", (await readMeta(store, "crc/a.zarr"))!);
    assert.deepEqual(Array.from(new Int32Array((await readAll(src)).slice().buffer)), [1, 2, 3, 4]);
    chunk[3] ^= 1;
    await store.set("crc/a.zarr/c/0", chunk);
    const corrupt = zarrSource(store, "crc/a.zarr", (await readMeta(store, "crc/a.zarr"))!);
    await assert.rejects(readAll(corrupt), /chunk c\/0: crc32c checksum mismatch/);
    const transposed = { ...zarrJson, shape: [2, 2, 1], chunk_grid: { name: "regular", configuration: { chunk_shape: [2, 2, 1] } }, codecs: [{ name: "transpose", configuration: { order: [1, 0, 2] } }, { name: "bytes", configuration: { endian: "little" } }] };
    await store.set("crc/t.zarr/zarr.json", new TextEncoder().encode(JSON.stringify(transposed)));
    // Any permutation of the axes reads (zarr-readbox.test.ts reads one, (2, 0, 1), against NumPy);
    // what is not a permutation is refused.
    assert.deepEqual((await readMeta(store, "crc/t.zarr"))!.codecs?.perm, [1, 0, 2]);
    const bad = { ...transposed, codecs: [{ name: "transpose", configuration: { order: [1, 1, 2] } }, { name: "bytes", configuration: { endian: "little" } }] };
    await store.set("crc/t.zarr/zarr.json", new TextEncoder().encode(JSON.stringify(bad)));
    await assert.rejects(readMeta(store, "crc/t.zarr"), /transpose order \[1,1,2\] is not a permutation/);
  });

  test("a missing chunk: the fill value by default, an error naming it for arrays written whole", async () => {
    const { assertEveryChunk } = await import("../../packages/dj-zarr-codecs/dist/read.js");
    const src = await openNpy(join(npyDir, "movie_u16_10x64x64.npy"));
    await writeZarr(store, "gone/movie.zarr", src, { format: 2, chunks: [4, 64, 64], compressor: { id: "zstd", level: 1 } });
    await src.close?.();
    const meta = (await readMeta(store, "gone/movie.zarr"))!;
    await assertEveryChunk(store, "gone/movie.zarr", meta);
    await store.delete("gone/movie.zarr/1.0.0");
    await assert.rejects(assertEveryChunk(store, "gone/movie.zarr", meta), /chunk 1\.0\.0 of \S+gone\/movie\.zarr is missing from the store \(dj wrote every chunk of this array; 1 of its 3 chunks is missing\)/);
    await assert.rejects(readAll(zarrSource(store, "gone/movie.zarr", meta, { missingChunks: "error" })), (err: Error & { kind?: string }) => err.kind === "store" && /chunk 1\.0\.0 .*went missing during the fetch/.test(err.message));
    // zarr-python's reading: frames 4-7 are the fill value (0), the rest as written.
    const values = new Uint16Array((await readAll(zarrSource(store, "gone/movie.zarr", meta))).slice().buffer);
    const npy = await openNpy(join(npyDir, "movie_u16_10x64x64.npy"));
    const original = new Uint16Array((await readAll(npy)).slice().buffer);
    await npy.close?.();
    const frame = 64 * 64;
    assert.ok(values.subarray(4 * frame, 8 * frame).every((v) => v === 0));
    assert.deepEqual(Array.from(values.subarray(0, 4 * frame)), Array.from(original.subarray(0, 4 * frame)));
    assert.deepEqual(Array.from(values.subarray(8 * frame)), Array.from(original.subarray(8 * frame)));
  });

  test("default chunks are about 4 MiB along the first axis", () => {
    assert.deepEqual(defaultChunks([1_000_000, 32], 4, 4 << 20), [32768, 32]);
    assert.deepEqual(defaultChunks([10, 4096, 4096], 4, 4 << 20), [1, 256, 4096]);
    assert.deepEqual(defaultChunks([], 8, 4 << 20), []);
    assert.deepEqual(defaultChunks([0, 3], 4, 4 << 20), [1, 3]);
  });
});

describe("portable Blosc-lz4 chunks", { skip: skipWithout("pythonZarr") }, () => {
  test("c-blosc (Python) and numcodecs decode them: shuffled, unshuffled, incompressible, odd sizes", async () => {
    const { encodeBloscLz4 } = await import("../../packages/dj-zarr-codecs/dist/blosc-lz4.js");
    const { decompress } = await import("../../packages/dj-zarr-codecs/dist/compressors.js");
    const dir = mkdtempSync(join(tmpdir(), "dj-blosc-"));
    try {
      const cases: Array<[string, Uint8Array, number, boolean]> = [
        ["sine-f4", new Uint8Array(Float32Array.from({ length: 300_001 }, (_, i) => Math.sin(i / 40)).buffer), 4, true],
        ["ints-i8", new Uint8Array(BigInt64Array.from({ length: 70_000 }, (_, i) => BigInt(i % 13)).buffer), 8, true],
        ["noise-u1", Uint8Array.from({ length: 5000 }, () => Math.floor(Math.random() * 256)), 1, false],
        ["odd-c16", new Uint8Array(Float64Array.from({ length: 2 * 777 }, (_, i) => i).buffer), 16, true],
      ];
      for (const [name, data, typesize, shuffle] of cases) {
        const encoded = encodeBloscLz4(data, { typesize, clevel: 5, shuffle: shuffle ? 1 : 0, blocksize: 0 });
        const cfg = { id: "blosc" as const, cname: "lz4", clevel: 5, shuffle: shuffle ? 1 : 0, blocksize: 0 };
        assert.deepEqual(Buffer.from(await decompress(cfg, encoded)), Buffer.from(data), `${name} via numcodecs`);
        writeFileSync(join(dir, `${name}.blosc`), encoded);
        writeFileSync(join(dir, `${name}.raw`), data);
      }
      const out = python(`
import numcodecs, glob, os
b = numcodecs.Blosc()
bad = [p for p in glob.glob("${dir}/*.blosc") if bytes(b.decode(open(p, "rb").read())) != open(p[:-6] + ".raw", "rb").read()]
print("bad:" + ",".join(os.path.basename(p) for p in bad))`);
      assert.equal(out, "bad:");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
