// <blob> compression speed: dj's deflate (pako with zlib's classic hash, byte-identical to
// DataJoint for Python) against Node's own zlib (what dj used before; other bytes) and CPython's
// zlib.compress (what DataJoint for Python runs), on the same float32 waveform bytes.
// Usage: node bench/blob-deflate.mjs [MiB=16] [runs=3]
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { makeWaveforms, median, root } from "./lib.mjs";

const mib = Number(process.argv[2] ?? 16);
const runs = Number(process.argv[3] ?? 3);
const pako = createRequire(join(root, "package.json"))("pako");
const file = join(root, `.bench-deflate-${process.pid}.npy`);
makeWaveforms(file, mib);
const data = readFileSync(file);
const time = (fn) => median(Array.from({ length: runs }, () => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e9; }));
const tPako = time(() => pako.deflate(data, { level: 6, legacyHash: true }));
const tNode = time(() => deflateSync(data));
const tPy = Number(execFileSync("python3", ["-c", `
import sys, time, zlib
d = open(sys.argv[1], "rb").read()
ts = []
for _ in range(${runs}):
    t = time.perf_counter(); zlib.compress(d); ts.append(time.perf_counter() - t)
print(sorted(ts)[len(ts) // 2])`, file], { encoding: "utf8" }).trim());
rmSync(file);
const rate = (t) => (data.length / 2 ** 20 / t).toFixed(0);
console.log(`${mib} MiB float32 waveforms, median of ${runs}`);
console.log(`CPython zlib.compress (DataJoint, baseline) ${tPy.toFixed(3)} s  ${rate(tPy)} MiB/s`);
console.log(`dj: pako legacyHash (identical bytes)       ${tPako.toFixed(3)} s  ${rate(tPako)} MiB/s  ratio ${(tPako / tPy).toFixed(2)}`);
console.log(`Node zlib (previous, other bytes)           ${tNode.toFixed(3)} s  ${rate(tNode)} MiB/s  ratio ${(tNode / tPy).toFixed(2)}`);
