/**
 * The portable codecs (no dj-zarr-native): the Blosc-lz4 reader around lz4-napi decodes what
 * Python's numcodecs (c-blosc) writes, split into per-byte streams or not, and refuses damaged
 * chunks; the byte shuffle is Blosc's (checked against NumPy); the portable Zstandard encoders
 * (zstd-napi, numcodecs' WASM build) write frames byte-identical to Python's numcodecs; and without the
 * addon every reference array dj reads comes back exactly, decoded on the worker threads.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeBloscLz4 } from "../../packages/dj-zarr-codecs/dist/blosc-decode.js";
import { encodeBloscLz4 } from "../../packages/dj-zarr-codecs/dist/blosc-lz4.js";
import { shuffle, unshuffle } from "../../packages/dj-zarr-codecs/dist/shuffle.js";
import { readMeta } from "../../packages/dj-zarr-codecs/dist/zarr.js";
import { loadWasmCodec } from "../../packages/dj-zarr-codecs/dist/compressors.js";
import { FileStore } from "../../src/stores/file.js";
import { fixturesDir, repoRoot } from "../helpers/cli.js";
import { skipWithout } from "../helpers/requires.js";
import { debianPython as python } from "../helpers/python.js";

describe("the lz4-napi Blosc reader", { skip: skipWithout("pythonZarr") }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-blosc-read-"));
    // c-blosc splits a block into per-byte streams unless a stream would hold under 128
    // elements (then it sets the "not split" flag): chunks of both kinds, with and without
    // shuffle, element sizes 1 to 16, one-block and many-block chunks with a partial last block,
    // and data that does not compress (stored as is).
    python(`
import numpy as np, numcodecs
numcodecs.blosc.use_threads = False
rng = np.random.default_rng(7)
cases = {
  "u1": np.arange(100_003, dtype="u1"),
  "i2": (np.arange(700_001) % 977).astype("<i2"),
  "f4": (np.sin(np.arange(1_048_576 + 37) / 50) + rng.standard_normal(1_048_576 + 37) * 0.01).astype("<f4"),
  "f8": np.cumsum(rng.standard_normal(200_000)).astype("<f8"),
  "c16": (np.arange(30_001) * (1 + 2j)).astype("<c16"),
  "c16-unsplit": (np.arange(100) % 7 * (1 + 2j)).astype("<c16"),
  "noise": rng.integers(0, 256, 300_007, dtype="u1"),
  "tiny": np.arange(7, dtype="<f4"),
}
for name, a in cases.items():
    for shuffle in (0, 1):
        open(f"${dir}/{name}-{shuffle}.blosc", "wb").write(numcodecs.Blosc(cname="lz4", clevel=5, shuffle=shuffle).encode(a))
        open(f"${dir}/{name}-{shuffle}.raw", "wb").write(a.tobytes())
`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("decodes every chunk numcodecs wrote, split or not, exactly", () => {
    const chunks = readdirSync(dir).filter((f) => f.endsWith(".blosc"));
    assert.equal(chunks.length, 8 * 2);
    const flags = new Set<number>();
    for (const f of chunks) {
      const encoded = new Uint8Array(readFileSync(join(dir, f)));
      const raw = readFileSync(join(dir, f.replace(/\.blosc$/, ".raw")));
      flags.add(encoded[2]! & 0x13);
      const decoded = decodeBloscLz4(encoded, raw.length);
      assert.ok(decoded, `${f}: not handled`);
      assert.ok(Buffer.from(decoded).equals(raw), f);
    }
    // Split and unsplit, shuffled and not, compressed and stored as is ("memcpyed") all came up.
    for (const f of [0x00, 0x01, 0x10, 0x11]) assert.ok(flags.has(f), `no chunk with flags ${f.toString(16)}: ${[...flags]}`);
    assert.ok([...flags].some((x) => x & 0x02), "no memcpyed chunk");
  });

  test("leaves other Blosc codecs and bit-shuffle to numcodecs", () => {
    const out = python(`
import numpy as np, numcodecs, sys
a = np.arange(10_000, dtype="<f4")
for cname, shuffle in (("blosclz", 1), ("zstd", 1), ("lz4", 2)):
    sys.stdout.write(numcodecs.Blosc(cname=cname, clevel=5, shuffle=shuffle).encode(a).hex() + "\\n")
`);
    const chunks = out.split("\n");
    assert.equal(chunks.length, 3);
    for (const hex of chunks) assert.equal(decodeBloscLz4(new Uint8Array(Buffer.from(hex, "hex"))), null);
  });

  test("refuses damaged chunks instead of misreading them", () => {
    const data = new Uint8Array(new Float32Array(Array.from({ length: 200_000 }, (_, i) => Math.sin(i / 30))).buffer);
    const good = encodeBloscLz4(data, { typesize: 4, clevel: 5, shuffle: 1, blocksize: 0 });
    assert.ok(Buffer.from(decodeBloscLz4(good)!).equals(Buffer.from(data)));
    assert.throws(() => decodeBloscLz4(good, data.length + 4), /holds 800000 bytes, expected 800004/);
    assert.throws(() => decodeBloscLz4(good.subarray(0, good.length - 100)), /not a Blosc 1 chunk/);
    // Garble the first LZ4-compressed stream of block 0 (a stream that did not shrink is stored
    // raw, and garbling it would only change the data).
    const garbled = good.slice();
    const view = new DataView(garbled.buffer);
    assert.equal(garbled[2]! & 0x10, 0, "block 0 is split into 4 streams");
    const neblock = view.getUint32(8, true) / 4;
    let at = view.getInt32(16, true);
    while (view.getInt32(at, true) === neblock) at += 4 + neblock;
    garbled.fill(0xff, at + 4, at + 64);
    assert.throws(() => decodeBloscLz4(garbled), /block 0/);
    assert.ok(Buffer.from(decodeBloscLz4(good)!).equals(Buffer.from(data)), "the input is left as it was");
  });
});

describe("Blosc's byte shuffle", { skip: skipWithout("numpy") }, () => {
  test("matches NumPy's definition for every element size, aligned or not, and inverts", () => {
    const dir = mkdtempSync(join(tmpdir(), "dj-shuffle-"));
    try {
      for (const typesize of [1, 2, 3, 4, 8, 16]) {
        for (const n of [0, 5, 64, 1001, 4096]) {
          for (const offset of [0, 1, 4]) {
            const bytes = n * typesize + (n % 3); // a tail shorter than one element
            const backing = new Uint8Array(bytes + offset);
            for (let i = 0; i < backing.length; i++) backing[i] = (i * 131 + 7) & 0xff;
            const src = backing.subarray(offset);
            const dst = new Uint8Array(bytes + offset).subarray(offset);
            shuffle(src, dst, typesize);
            writeFileSync(join(dir, `${typesize}-${n}-${offset}.in`), src);
            writeFileSync(join(dir, `${typesize}-${n}-${offset}.out`), dst);
            const back = new Uint8Array(bytes + offset).subarray(offset);
            unshuffle(dst, back, typesize);
            assert.ok(Buffer.from(back).equals(Buffer.from(src)), `unshuffle ${typesize}/${n}/${offset}`);
          }
        }
      }
      const r = spawnSync("python3", ["-c", `
import numpy as np, glob, os
bad = []
files = glob.glob("${dir}/*.in")
for p in files:
    ts = int(os.path.basename(p).split("-")[0])
    b = open(p, "rb").read()
    n = len(b) // ts
    want = np.frombuffer(b[:n * ts], dtype="u1").reshape(n, ts).T.tobytes() + b[n * ts:]
    if open(p[:-3] + ".out", "rb").read() != want:
        bad.append(os.path.basename(p))
print(len(files), "bad:" + ",".join(sorted(bad)))
`], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), `${6 * 5 * 3} bad:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the portable Zstandard encoders", { skip: skipWithout("pythonZarr") }, () => {
  // Each encoder is held to numcodecs' bytes where dj uses it: zstd-napi (libzstd 1.5.7) at
  // levels 1-2, numcodecs' WASM build at 1-4. Debian's numcodecs links libzstd 1.5.4; from
  // level 3 (zstd-napi) or 5 (WASM) up the newer libzstd picks other matches on these waveforms:
  // frames differ in bytes (all decode the same).
  const encoders: Array<[string, string | undefined, number[]]> = [
    ["zstd-napi", undefined, [1, 2]],
    ["numcodecs' WASM build", "0", [1, 2, 3, 4]],
  ];
  for (const [name, napiEnv, levels] of encoders) {
    test(`${name} writes frames byte-identical to numcodecs' Zstd at levels ${levels.join(", ")}, and reads them back`, async () => {
      // Waveform-like float32 (what the bench inserts), an odd-sized int16 run and a tiny input.
      const waves = new Float32Array(1 << 20);
      for (let i = 0; i < waves.length; i++) waves[i] = Math.sin(i / 50) + ((i * 7919) % 101) / 1000;
      const odd = Int16Array.from({ length: 100_001 }, (_, i) => (i * 31) % 977);
      const noise = Uint8Array.from({ length: 300_007 }, (_, i) => (i * 2654435761) >>> 24);
      const inputs = [new Uint8Array(waves.buffer), new Uint8Array(odd.buffer), noise, new Uint8Array([1, 2, 3])];
      const dir = mkdtempSync(join(tmpdir(), "dj-zstd-portable-"));
      const saved = process.env.DJ_ZSTD_NAPI;
      if (napiEnv === undefined) delete process.env.DJ_ZSTD_NAPI;
      else process.env.DJ_ZSTD_NAPI = napiEnv;
      try {
        const ours: string[] = [];
        for (const [i, input] of inputs.entries()) {
          writeFileSync(join(dir, `${i}.raw`), input);
          for (const level of levels) {
            const codec = await loadWasmCodec({ id: "zstd", level });
            assert.equal(codec.encoder, napiEnv === undefined ? "zstd-napi" : "wasm", "the encoder under test is the one named");
            const frame = await codec.encode(input);
            assert.deepEqual(Buffer.from(await codec.decode(frame)), Buffer.from(input));
            assert.deepEqual(Buffer.from(await codec.decode(frame, input.byteLength)), Buffer.from(input));
            // A frame that holds more than the chunk may is refused, not decoded into what it claims.
            if (codec.encoder === "zstd-napi") await assert.rejects(async () => codec.decode(frame, input.byteLength - 1));
            ours.push(`${i}:${level}:${createHash("sha256").update(frame).digest("hex")}`);
          }
        }
        const theirs = python(`
import hashlib, numcodecs
for i in range(${inputs.length}):
    raw = open(f"${dir}/{i}.raw", "rb").read()
    for level in (${levels.join(", ")},):
        print(f"{i}:{level}:" + hashlib.sha256(numcodecs.Zstd(level=level).encode(raw)).hexdigest())
`).split("\n");
        assert.equal(theirs.length, ours.length);
        for (const [k, line] of ours.entries()) assert.ok(line === theirs[k], `input ${line.split(":")[0]}, level ${line.split(":")[1]} differs`);
      } finally {
        if (saved === undefined) delete process.env.DJ_ZSTD_NAPI;
        else process.env.DJ_ZSTD_NAPI = saved;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("reading without the addon (DJ_ZARR_NATIVE=0)", () => {
  test("every reference Zarr array dj reads, v2 and v3, comes back exactly (decoded on the worker threads)", async () => {
    // What dj reads at all: metadata it does not support is refused the same with or without the addon.
    const readable: string[] = [];
    for (const set of ["zarr-v2", "zarr-v3"]) {
      const store = new FileStore("f", join(fixturesDir, set));
      for (const c of JSON.parse(readFileSync(join(fixturesDir, set, "manifest.json"), "utf8")).cases) {
        if (await readMeta(store, c.path).then(() => true, () => false)) readable.push(`${set}/${c.path}`);
      }
    }
    assert.ok(readable.some((p) => p.includes("blosc_lz4")) && readable.some((p) => p.includes("zstd")), readable.join());
    // A separate process: the choice of decoder is made once per process.
    const script = `
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { FileStore } from "${join(repoRoot, "src/stores/file.ts")}";
import { readAll } from "${join(repoRoot, "src/formats/ndarray.ts")}";
import { byteSwap } from "${join(repoRoot, "src/formats/dtype.ts")}";
import { readMeta, zarrSource } from "${join(repoRoot, "packages/dj-zarr-codecs/dist/zarr.js")}";
import { nativeCodecs } from "${join(repoRoot, "packages/dj-zarr-codecs/dist/native.js")}";
import { closeCompressors } from "${join(repoRoot, "packages/dj-zarr-codecs/dist/compressors.js")}";
if (nativeCodecs() !== null) throw new Error("DJ_ZARR_NATIVE=0 was ignored");
const sums = {};
for (const item of ${JSON.stringify(readable)}) {
  const [set, path] = item.split("/");
  const store = new FileStore("f", "${fixturesDir}/" + set);
  const meta = await readMeta(store, path);
  const data = new Uint8Array(await readAll(zarrSource(store, path, meta)));
  if (meta.dtype.byteOrder === ">") byteSwap(data, meta.dtype);
  sums[item] = createHash("sha256").update(data).digest("hex");
}
await closeCompressors();
console.log(JSON.stringify(sums));
`;
    const dir = mkdtempSync(join(tmpdir(), "dj-portable-read-"));
    try {
      writeFileSync(join(dir, "read.mts"), script);
      const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "read.mts")], { env: { ...process.env, DJ_ZARR_NATIVE: "0" }, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const sums = JSON.parse(r.stdout.trim().split("\n").pop()!);
      const expected: Record<string, string> = {};
      for (const item of readable) {
        const [set, path] = item.split("/");
        expected[item] = JSON.parse(readFileSync(join(fixturesDir, set!, "manifest.json"), "utf8")).cases.find((c: { path: string }) => c.path === path).sha256_c_le;
      }
      assert.deepEqual(sums, expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
