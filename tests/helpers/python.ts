/**
 * Python for the tests' cross-checks: `python3` on PATH has NumPy; Debian's `/usr/bin/python3`
 * has zarr 2.13 and numcodecs. Runs a script, fails the test with Python's stderr when it
 * fails, and returns what it printed, trimmed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

export function python(script: string, bin = "python3"): string {
  const r = spawnSync(bin, ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** The same in Debian's python3, the one with zarr and numcodecs. */
export const debianPython = (script: string): string => python(script, "/usr/bin/python3");
