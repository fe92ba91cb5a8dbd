/**
 * Random NumPy slices and arrays for the slice tests, from a fixed seed, and the one Python
 * process per batch that checks dj's outputs against NumPy slicing the original array. Expected
 * values come from NumPy only (`a[<slice text>]` evaluated by Python); dj's code computes nothing
 * here but the outputs under test.
 */
import { spawnSync } from "node:child_process";

/** mulberry32: a small seeded PRNG, so every run draws the same slices. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** One random index item for an axis of length n. */
function item(r: () => number, n: number): string {
  const roll = r();
  if (roll < 0.2) return String(int(r, -n, n - 1)); // an integer in range (negative too)
  if (roll < 0.23) return String(pick(r, [n, -n - 1, n + 3])); // out of range: IndexError
  if (roll < 0.33) return ":";
  if (roll < 0.4) return `-${int(r, 1, Math.max(1, n))}:`; // the tail: the edge chunk
  const bound = () => (r() < 0.25 ? "" : String(int(r, -n - 2, n + 2)));
  const step = pick(r, ["", "", "1", "2", "3", "7", "-1", "-2", "-3", String(n + 5)]);
  return `${bound()}:${bound()}${step === "" ? (r() < 0.5 ? "" : ":") : `:${step}`}`;
}

/** A random slice text for `shape`: items for some leading axes, sometimes `...`, spaces sometimes. */
export function randomSlice(r: () => number, shape: readonly number[]): string {
  const nd = shape.length;
  const items = shape.map((n) => item(r, n));
  let chosen: string[];
  const roll = r();
  if (roll < 0.15 && nd > 1) {
    // `...` standing for a run of middle axes
    const a = int(r, 0, nd - 1);
    const b = int(r, a, nd);
    chosen = [...items.slice(0, a), "...", ...items.slice(b)];
  } else if (roll < 0.3) {
    chosen = items.slice(0, int(r, 1, nd)); // trailing axes omitted
  } else {
    chosen = items;
  }
  return chosen.join(r() < 0.2 ? ", " : ",");
}

export interface Check {
  /** The original array (`.npy`) that NumPy slices. */
  original: string;
  slice: string;
  /** dj's output file, or the exit code dj's error maps to. */
  got: { file: string } | { exit: number; message: string };
  /** "exact": dtype and bytes as stored (npy); "little": byte order normalised to little-endian (zarr, blob). */
  dtype: "exact" | "little";
  label: string;
}

const CHECKER = String.raw`
import json, sys
import numpy as np
checks = json.load(sys.stdin)
failures = []
cache = {}
compared = 0
for c in checks:
    a = cache.get(c["original"])
    if a is None:
        a = cache[c["original"]] = np.load(c["original"])
    try:
        exp = np.asarray(eval("a[" + c["slice"] + "]", {"a": a}))
        err = None
    except IndexError as e:
        err = str(e)
    got = c["got"]
    where = c["label"] + " " + repr(c["slice"]) + " on " + str(a.shape)
    if err is not None:
        if got.get("exit") != 7:
            failures.append(where + ": NumPy raises IndexError (" + err + "), dj gave " + json.dumps(got))
        continue
    if "exit" in got:
        failures.append(where + ": NumPy gives shape " + str(exp.shape) + ", dj failed: " + json.dumps(got))
        continue
    g = np.load(got["file"])
    if c["dtype"] == "little" and exp.dtype.byteorder == ">":
        exp = exp.astype(exp.dtype.newbyteorder("<"))
    compared += 1
    if g.dtype != exp.dtype or g.shape != exp.shape or g.tobytes() != exp.tobytes():
        failures.append(where + ": NumPy " + str(exp.dtype) + str(exp.shape) + ", dj " + str(g.dtype) + str(g.shape) + (" (values differ)" if g.shape == exp.shape else ""))
print(json.dumps({"compared": compared, "errors": sum(1 for c in checks if "exit" in c["got"]), "failures": failures}))
`;

/** Check every output against NumPy in one Python process. */
export function checkWithNumpy(checks: Check[]): { compared: number; errors: number; failures: string[] } {
  const r = spawnSync("python3", ["-c", CHECKER], { input: JSON.stringify(checks), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`the NumPy checker failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export interface ArrayCase {
  file: string;
  dtype: string;
  shape: number[];
  order: "C" | "F";
}

/** Write the arrays with NumPy (random values from a seed; F order through asfortranarray). */
export function makeArrays(cases: ArrayCase[], seed: number): void {
  const script = String.raw`
import json, sys
import numpy as np
rng = np.random.default_rng(${seed})
for c in json.load(sys.stdin):
    dt = np.dtype(c["dtype"])
    shape = tuple(c["shape"])
    if dt.kind == "b":
        a = rng.random(shape) < 0.5
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        a = rng.integers(max(info.min, -1000) if not c.get("nonneg") else 0, min(info.max, 1000), size=shape)
    elif dt.kind == "c":
        a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    else:
        a = rng.random(shape) * 100 if c.get("nonneg") else rng.standard_normal(shape) * 100
    a = a.astype(dt)
    if c["order"] == "F":
        a = np.asfortranarray(a)
    np.save(c["file"], a)
`;
  const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(cases), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`making arrays failed: ${r.stderr}`);
}
