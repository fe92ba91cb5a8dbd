/**
 * dj-zarr-native (c-blosc and libzstd through a small N-API addon) against Python's numcodecs,
 * which links the same Debian libraries: chunks are byte-identical to numcodecs' single-threaded
 * output, decode back exactly, and bad chunks are refused with a clear message. Also: the
 * portable path (DJ_ZARR_NATIVE=0) still writes arrays Python's zarr reads.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeCodecs } from "../../packages/dj-zarr-codecs/dist/native.js";
import { skipWithout } from "../helpers/requires.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function python(script: string, input?: Uint8Array): Buffer {
  const r = spawnSync("/usr/bin/python3", ["-c", script], { input, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr?.toString());
  return r.stdout;
}

/** Waveform-like float32 data (compressible, as recordings are), plus odd and noisy inputs. */
function makeInputs(): { name: string; bytes: Uint8Array; dtype: string }[] {
  const waves = new Float32Array(1 << 20);
  for (let i = 0; i < waves.length; i++) waves[i] = Math.sin(i / 50) + ((i * 7919) % 101) / 1000;
  const odd = new Int16Array(500_001);
  for (let i = 0; i < odd.length; i++) odd[i] = (i * 31) % 977;
  const noise = new Uint8Array(300_007);
  for (let i = 0, x = 1; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return [
    { name: "float32 waveforms, 4 MiB", bytes: new Uint8Array(waves.buffer), dtype: "<f4" },
    { name: "int16, odd length", bytes: new Uint8Array(odd.buffer), dtype: "<i2" },
    { name: "incompressible bytes", bytes: noise, dtype: "|u1" },
  ];
}

const native = nativeCodecs();
const INPUTS = makeInputs();
const WAVES = INPUTS[0]!.bytes;

describe("native codecs (dj-zarr-native)", { skip: (process.env.DJ_ZARR_NATIVE === "0" && "DJ_ZARR_NATIVE=0") || skipWithout("nativeAddon", "pythonZarr", "zstdCli") }, () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "dj-native-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the addon is built and loads here (CI installs libblosc-dev and libzstd-dev)", () => {
    assert.ok(native, "dj-zarr-native did not load: was it built (npm rebuild dj-zarr-native)?");
    assert.match(native.bloscVersion, /^1\./);
    assert.match(native.zstdVersion, /^1\./);
  });

  const blosc = [
    { cname: "lz4", clevel: 5, shuffle: 1 },
    { cname: "lz4", clevel: 5, shuffle: 0 },
    { cname: "zstd", clevel: 5, shuffle: 2 }, // photon's compressor
    { cname: "blosclz", clevel: 9, shuffle: 1 },
    { cname: "lz4hc", clevel: 3, shuffle: 2 },
  ];

  test("Blosc chunks are byte-identical to numcodecs' (one thread) and decode back", async () => {
    for (const input of INPUTS) {
      const file = join(dir, "in.bin");
      writeFileSync(file, input.bytes);
      const typesize = Number(input.dtype.slice(2));
      const theirs = python(`
import sys, hashlib, numpy as np, numcodecs
numcodecs.blosc.use_threads = False  # with threads, c-blosc places blocks in finishing order
a = np.fromfile("${file}", dtype="${input.dtype}")
for c in ${JSON.stringify(blosc)}:
    print(hashlib.sha256(numcodecs.Blosc(cname=c["cname"], clevel=c["clevel"], shuffle=c["shuffle"]).encode(a)).hexdigest())
`).toString().trim().split("\n");
      for (const [i, c] of blosc.entries()) {
        const mine = await native!.bloscEncode(input.bytes, c.cname, c.clevel, c.shuffle, typesize, 0);
        assert.equal(sha(mine), theirs[i], `${input.name}, ${JSON.stringify(c)}`);
        const back = await native!.bloscDecode(mine);
        assert.ok(Buffer.from(back).equals(Buffer.from(input.bytes)), `${input.name} round trip, ${c.cname}`);
      }
    }
  });

  test("Zstandard frames are byte-identical to numcodecs' Zstd and decode back", async () => {
    for (const input of INPUTS) {
      const file = join(dir, "in.bin");
      writeFileSync(file, input.bytes);
      const theirs = python(`
import hashlib, numpy as np, numcodecs
a = np.fromfile("${file}", dtype="${input.dtype}")
for level in (1, 3, 9):
    print(hashlib.sha256(numcodecs.Zstd(level=level).encode(a)).hexdigest())
`).toString().trim().split("\n");
      for (const [i, level] of [1, 3, 9].entries()) {
        const mine = await native!.zstdEncode(input.bytes, level, false);
        assert.equal(sha(mine), theirs[i], `${input.name}, level ${level}`);
        assert.ok(Buffer.from(await native!.zstdDecode(mine)).equals(Buffer.from(input.bytes)));
      }
    }
  });

  test("Zstandard frames without a content size (streamed, several frames) decode", async () => {
    const data = WAVES;
    // The zstd command line writes no content size when it reads a pipe.
    const r1 = spawnSync("zstd", ["-q", "-c", "-3"], { input: data.subarray(0, 1_000_000), maxBuffer: 1 << 26 });
    const r2 = spawnSync("zstd", ["-q", "-c", "-1"], { input: data.subarray(1_000_000), maxBuffer: 1 << 26 });
    assert.equal(r1.status, 0, r1.stderr?.toString());
    const frames = Buffer.concat([r1.stdout, r2.stdout]);
    const back = await native!.zstdDecode(frames);
    assert.equal(sha(back), sha(data));
  });

  test("corrupt or foreign chunks are refused with a clear error, not a crash", async () => {
    const good = await native!.bloscEncode(WAVES, "lz4", 5, 1, 4, 0);
    const truncated = good.slice(0, good.byteLength - 1000);
    await assert.rejects(native!.bloscDecode(new Uint8Array([1, 2, 3])), /blosc: not a valid Blosc chunk/);
    await assert.rejects(native!.bloscDecode(truncated), /blosc: not a valid Blosc chunk/);
    const zgood = await native!.zstdEncode(WAVES, 1, false);
    await assert.rejects(native!.zstdDecode(new TextEncoder().encode("not zstd at all")), /zstd: not a valid Zstandard frame/);
    await assert.rejects(native!.zstdDecode(zgood.slice(0, zgood.byteLength - 100)), /zstd:/);
    await assert.rejects(native!.bloscEncode(new Uint8Array(64), "nosuchcodec", 5, 1, 4, 0), /blosc: compression failed/);
    assert.throws(() => native!.bloscEncode(new Float32Array(4) as unknown as Uint8Array, "lz4", 5, 1, 4, 0), /expected a Uint8Array/);
  });

  test("an encoder writes into a caller's buffer when given one (and refuses one too small)", async () => {
    const data = WAVES;
    const out = new Uint8Array(data.byteLength + (data.byteLength >>> 8) + 1024);
    const viaOut = await native!.bloscEncode(data, "lz4", 5, 1, 4, 0, out);
    assert.equal(viaOut.buffer, out.buffer, "the result is a view of the given buffer");
    assert.equal(sha(viaOut), sha(await native!.bloscEncode(data, "lz4", 5, 1, 4, 0)));
    const z = await native!.zstdEncode(data, 1, false, out);
    assert.equal(z.buffer, out.buffer);
    assert.ok(Buffer.from(await native!.zstdDecode(z)).equals(Buffer.from(data)));
    await assert.rejects(native!.bloscEncode(data, "lz4", 5, 1, 4, 0, new Uint8Array(100)), /output buffer is too small/);
    await assert.rejects(native!.zstdEncode(data, 1, false, new Uint8Array(data.byteLength)), /output buffer is too small/);
  });

  test("a decode limit refuses chunks that claim more bytes than expected, before allocating", async () => {
    const data = WAVES;
    const blosc = await native!.bloscEncode(data, "lz4", 5, 1, 4, 0);
    const zstd = await native!.zstdEncode(data, 1, false);
    assert.equal((await native!.bloscDecode(blosc, data.byteLength)).byteLength, data.byteLength);
    assert.equal((await native!.zstdDecode(zstd, data.byteLength)).byteLength, data.byteLength);
    await assert.rejects(native!.bloscDecode(blosc, data.byteLength - 1), /blosc: the chunk holds more bytes than expected/);
    await assert.rejects(native!.zstdDecode(zstd, 1000), /zstd: the frame holds more bytes than expected/);
    // A frame without a size (streamed) is stopped once it outgrows the limit.
    const streamed = spawnSync("zstd", ["-q", "-c", "-1"], { input: new Uint8Array(64 << 20), maxBuffer: 1 << 26 }).stdout;
    await assert.rejects(native!.zstdDecode(streamed, 1 << 20), /zstd: the frame holds more than the 1048576 bytes expected/);
  });

  test("many chunks in flight at once all come back right", async () => {
    const data = WAVES;
    const pieces = Array.from({ length: 32 }, (_, i) => data.subarray(i * 131072, (i + 1) * 131072));
    const encoded = await Promise.all(pieces.map((p, i) => (i % 2 ? native!.zstdEncode(p, 1, false) : native!.bloscEncode(p, "lz4", 5, 1, 4, 0))));
    const decoded = await Promise.all(encoded.map((e, i) => (i % 2 ? native!.zstdDecode(e) : native!.bloscDecode(e))));
    for (const [i, d] of decoded.entries()) assert.ok(Buffer.from(d).equals(Buffer.from(pieces[i]!)), `piece ${i}`);
  });
});

describe("the portable path (DJ_ZARR_NATIVE=0): Python's zarr reads what it writes", { skip: skipWithout("pythonZarr") }, () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "dj-portable-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("zstd and blosc-lz4 arrays written without the addon", () => {
    // A separate process: the choice of encoder is made once per process.
    const script = `
import { FileStore } from "${join(process.cwd(), "src/stores/file.ts")}";
import { openNpy } from "${join(process.cwd(), "src/formats/npy.ts")}";
import { writeZarr } from "${join(process.cwd(), "packages/dj-zarr-codecs/dist/zarr.js")}";
import { nativeCodecs } from "${join(process.cwd(), "packages/dj-zarr-codecs/dist/native.js")}";
if (nativeCodecs() !== null) throw new Error("DJ_ZARR_NATIVE=0 was ignored");
const store = new FileStore("t", "${dir}");
for (const [name, compressor] of [["zstd", { id: "zstd", level: 1 }], ["blosc", { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }]]) {
  const src = await openNpy("${dir}/a.npy");
  await writeZarr(store, name + ".zarr", src, { format: 2, chunks: [1000, 16], compressor });
  await src.close();
}
`;
    python(`import numpy as np; np.save("${dir}/a.npy", np.sin(np.arange(4321 * 16, dtype="f4")).reshape(4321, 16))`);
    writeFileSync(join(dir, "write.mts"), script);
    const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "write.mts")], { env: { ...process.env, DJ_ZARR_NATIVE: "0" }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readdirSync(join(dir, "zstd.zarr")).includes("4.0"));
    const out = python(`
import zarr, numpy as np
a = np.load("${dir}/a.npy")
print(all((zarr.open("${dir}/" + n + ".zarr", mode="r")[...] == a).all() for n in ("zstd", "blosc")))
`).toString().trim();
    assert.equal(out, "True");
  });
});
