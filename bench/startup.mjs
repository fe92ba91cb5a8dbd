#!/usr/bin/env node
// bench/startup: cold start of `dj --help`, `dj --version` and `dj codecs list` (in an empty
// project) against `node -e 0`, alternating, N runs each. Prints medians and the ratio to node.
// Usage: node bench/startup.mjs [runs]
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dj, median } from "./lib.mjs";

const runs = Number(process.argv[2] ?? 15);
const dir = mkdtempSync(join(tmpdir(), "dj-startup-"));
mkdirSync(join(dir, ".git"));
writeFileSync(join(dir, "dj.config.json"), "{}");
const commands = {
  "node -e 0": ["-e", "0"],
  "dj --version": [dj, "--version"],
  "dj --help": [dj, "--help"],
  "dj codecs list": [dj, "codecs", "list"],
};
const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: dir, stdio: "ignore" });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    times[name].push(performance.now() - t);
  }
}
const base = median(times["node -e 0"]);
console.log(`cold start, ${runs} runs each (median ms, ratio to node -e 0)`);
for (const [name, t] of Object.entries(times)) console.log(`  ${name.padEnd(16)} ${median(t).toFixed(0).padStart(5)} ms  ${(median(t) / base).toFixed(2)}x`);
rmSync(dir, { recursive: true, force: true });
