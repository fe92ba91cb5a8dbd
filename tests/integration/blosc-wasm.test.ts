/**
 * dj's portable Blosc-lz4 writer (liblz4 1.9.4 in WebAssembly, c-blosc 1.21's framing) writes the
 * bytes Debian's numcodecs writes on one thread, for every clevel, both shuffles, forced block
 * sizes, element sizes from 1 to beyond Blosc's 255, partial last blocks, incompressible data
 * (memcpyed chunks) and buffers too small to compress. Python writes the reference chunks here,
 * from the same raw bytes, so the expected values never come from dj.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBloscLz4, bloscLz4Blocksize, bloscLz4Bound } from "../../packages/dj-zarr-codecs/dist/blosc-lz4.js";
import { decodeBloscLz4 } from "../../packages/dj-zarr-codecs/dist/blosc-decode.js";
import { skipWithout } from "../helpers/requires.js";

describe("the WASM Blosc-lz4 writer", { skip: skipWithout("pythonZarr") }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-blosc-wasm-"));
    // Each case: raw bytes, then numcodecs' chunk for each (clevel, shuffle, blocksize), named
    // {case}~{typesize}~{clevel}~{shuffle}~{blocksize}.blosc.
    const r = spawnSync("/usr/bin/python3", ["-c", `
import numpy as np, numcodecs
numcodecs.blosc.use_threads = False
rng = np.random.default_rng(11)
t = np.arange(64, dtype="f4")
waves = (np.sin((np.arange(16384, dtype="f4")[:, None] + t) / 50) + rng.standard_normal((16384, 64), dtype="f4") * 0.05).astype("<f4")
cases = {
  "waves": waves,                                                    # 4 MiB, as dj's benchmark
  "f4-leftover": waves.ravel()[: 300_001],                           # a partial last block
  "f8": np.cumsum(rng.standard_normal(200_003)).astype("<f8"),
  "i2": (np.arange(700_001) % 977).astype("<i2"),
  "u1": np.arange(100_003, dtype="u1"),
  "rgb": np.repeat(np.arange(40_000, dtype="u1"), 3).view("V3"),     # typesize 3
  "c16": (np.arange(30_001) * (1 + 2j)).astype("<c16"),              # typesize 16: split
  "v32": np.tile(np.arange(32, dtype="u1"), 5000).view("V32"),       # 32 > 16: never split
  "v300": np.tile(np.arange(300, dtype="u2").astype("u1"), 200).view("V300"),  # beyond 255: typesize 1
  "noise": rng.integers(0, 256, 300_007, dtype="u1"),               # memcpyed
  "zeros": np.zeros(1_000_000, dtype="<f4"),
  "small": np.arange(31, dtype="<f4"),                               # under 128 bytes
  "empty": np.zeros(0, dtype="<f4"),
  "exact-l1": np.arange(8192, dtype="<f4"),                          # 32 KiB
}
for name, a in cases.items():
    open(f"${dir}/{name}.raw", "wb").write(a.tobytes())
    settings = [(c, s, 0) for c in range(10) for s in (0, 1)] if name in ("waves", "f4-leftover", "u1") else [(5, 1, 0), (5, 0, 0), (1, 1, 0), (9, 1, 0), (0, 1, 0)]
    settings += [(5, 1, 1000), (5, 1, 65536), (3, 0, 100)]
    for clevel, shuffle, blocksize in settings:
        chunk = numcodecs.Blosc(cname="lz4", clevel=clevel, shuffle=shuffle, blocksize=blocksize).encode(a)
        open(f"${dir}/{name}~{a.dtype.itemsize}~{clevel}~{shuffle}~{blocksize}.blosc", "wb").write(chunk)
`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("writes numcodecs' chunk, byte for byte, in every case", () => {
    const chunks = readdirSync(dir).filter((f) => f.endsWith(".blosc"));
    assert.ok(chunks.length > 100, `only ${chunks.length} reference chunks`);
    const flags = new Set<number>();
    const differing: string[] = [];
    for (const f of chunks) {
      const [name, typesize, clevel, shuffle, blocksize] = f.slice(0, -".blosc".length).split("~");
      const raw = new Uint8Array(readFileSync(join(dir, `${name}.raw`)));
      const expected = readFileSync(join(dir, f));
      const ours = encodeBloscLz4(raw, { typesize: Number(typesize), clevel: Number(clevel), shuffle: Number(shuffle) as 0 | 1, blocksize: Number(blocksize) });
      flags.add(expected[2]! & 0x13);
      if (!Buffer.from(ours).equals(expected)) differing.push(`${f} (${ours.length} vs ${expected.length} bytes)`);
      // And dj's own reader gives the raw bytes back.
      const back = decodeBloscLz4(ours, raw.length);
      if (back) assert.ok(Buffer.from(back).equals(Buffer.from(raw)), `${f} reads back`);
    }
    assert.deepEqual(differing, []);
    // The cases covered what they meant to: split and unsplit, shuffled or not, memcpyed.
    for (const f of [0x00, 0x01, 0x10, 0x11]) assert.ok(flags.has(f), `no chunk with flags ${f.toString(16)}`);
    assert.ok([...flags].some((x) => x & 0x02), "no memcpyed chunk");
  });

  test("writes into a caller's buffer when it is large enough, and into its own otherwise", () => {
    const raw = new Uint8Array(readFileSync(join(dir, "waves.raw")));
    const opts = { typesize: 4, clevel: 5, shuffle: 1 as const, blocksize: 0 };
    const alone = encodeBloscLz4(raw, opts);
    const big = new Uint8Array(bloscLz4Bound(raw.length));
    const into = encodeBloscLz4(raw, opts, big);
    assert.equal(into.buffer, big.buffer);
    assert.ok(Buffer.from(into).equals(Buffer.from(alone)));
    const small = new Uint8Array(raw.length);
    const own = encodeBloscLz4(raw, opts, small);
    assert.notEqual(own.buffer, small.buffer);
    assert.ok(Buffer.from(own).equals(Buffer.from(alone)));
    // A later, smaller chunk in the same (grown) memory is not mixed with the earlier one.
    const tail = raw.subarray(0, 1000);
    const reference = readFileSync(join(dir, "waves~4~5~1~0.blosc"));
    assert.ok(Buffer.from(alone).equals(reference));
    assert.ok(Buffer.from(decodeBloscLz4(encodeBloscLz4(tail, opts), 1000)!).equals(Buffer.from(tail)));
  });

  test("chooses c-blosc's block size, up to its largest forced one, as the header numcodecs writes says", () => {
    // Zeros at clevel 0 cost numcodecs a copy only; the 800 MB one is over c-blosc's largest
    // block (715827542 bytes), which only a forced block size reaches.
    const cases: Array<[number, number, number, number]> = [
      [800_000_000, 1, 0, 1_000_000_000], [800_000_000, 20, 0, 750_000_000], [5_000_000, 20, 0, 4_000_000],
      [1000, 4, 5, -7], [1000, 4, 5, 100], [3_000_000, 8, 0, 0], [3_000_000, 32, 7, 0], [3_000_000, 3, 2, 0],
      [65_536, 2, 1, 0], [100, 4, 5, 0], [3, 4, 5, 0], [0, 4, 5, 0], [10_000_000, 16, 9, 0], [10_000_000, 255, 4, 0],
    ];
    const r = spawnSync("/usr/bin/python3", ["-c", `
import json, numpy as np, numcodecs
numcodecs.blosc.use_threads = False
for nbytes, typesize, clevel, blocksize in json.loads('${JSON.stringify(cases)}'):
    a = np.zeros(nbytes // typesize, dtype=f"V{typesize}") if typesize > 1 else np.zeros(nbytes, dtype="u1")
    chunk = numcodecs.Blosc(cname="lz4", clevel=clevel, shuffle=0, blocksize=blocksize).encode(a)
    print(int.from_bytes(chunk[8:12], "little"))
`], { encoding: "utf8", maxBuffer: 1 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const expected = r.stdout.trim().split("\n").map(Number);
    // numcodecs' array holds whole elements: the chunk size is nbytes rounded down to them.
    const ours = cases.map(([nbytes, typesize, clevel, forced]) => bloscLz4Blocksize(Math.floor(nbytes / typesize) * typesize, typesize, clevel, forced));
    assert.deepEqual(ours, expected);
    assert.equal(expected[0], 715_827_542, "the first case is at c-blosc's limit");
  });
});
