#!/usr/bin/env node
// bench/startup: whole-process time of everyday commands side by side with `node -e 0`, in a
// project set up as a user's would be after `npm install dj-cli dj-zarr-codecs dj-photon-codecs`
// plus a third-party plugin made with `dj codecs new`: every package of this repository's
// node_modules is linked into the project's node_modules (so discovery meets ~180 packages, as in
// a real install), the config names a MariaDB database and a file store.
// Runs alternate between the commands, N runs each; prints medians and the ratio to the baseline,
// with the environment as it is and, when NODE_EXTRA_CA_CERTS is set, without it too; then with
// dj's code cache off (a command's first run).
// Then (unless --no-large) a 1 GiB <npy@> insert side by side with `cp` of the same file.
// Goals (issue 12, item 5): codecs list <= 1.4x, --help <= 1.3x, insert and fetch on MariaDB
// <= 2.0x, 1 GiB <npy@> insert <= 1.5x of cp.
// Usage: node bench/startup.mjs [runs] [--no-large]      (needs MariaDB, like the tests)
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { database, dj, dropSchema, makeWaveforms, measure, median, project, root } from "./lib.mjs";

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const large = !args.includes("--no-large");
const schema = `djbench_startup_${process.pid}`;
const dir = project(
  { database, schema, stores: { default: "local", local: { protocol: "file", location: "./store" } } },
  { "p.dj": `schema ${schema}\n\nT (manual)\n    id : int32\n    ---\n    v : float64\n\nArray (manual)\n    id : int32\n    ---\n    data : <npy@local>\n` },
);
mkdirSync(join(dir, "node_modules"));
for (const name of readdirSync(join(root, "node_modules"))) {
  if (name.startsWith(".")) continue;
  symlinkSync(join(root, "node_modules", name), join(dir, "node_modules", name));
}
const node = (cmdArgs, opts = {}) => {
  const r = spawnSync(process.execPath, cmdArgs, { cwd: dir, encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmdArgs.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r;
};
node([dj, "codecs", "new", "stamp", "--dir", "node_modules/dj-stamp-codec"]);
const listed = node([dj, "codecs", "list", "--json"]).stdout;
for (const codec of ["zarr", "photon", "stamp"]) if (!listed.includes(`"name": "${codec}"`)) throw new Error(`plugin ${codec} not discovered`);
node([dj, "declare", "p.dj"]);
for (let id = 1; id <= 5; id++) node([dj, "insert", "T", "--key", `id=${id}`, "--set", "v=0.5"]);

let nextId = 100;
const commands = {
  "node -e 0": () => ["-e", "0"],
  "dj --help": () => [dj, "--help"],
  "dj codecs list": () => [dj, "codecs", "list"],
  "dj insert (MariaDB)": () => [dj, "insert", "T", "--key", `id=${nextId++}`, "--set", "v=1.5"],
  "dj fetch --limit 5 (MariaDB)": () => [dj, "fetch", "T", "--limit", "5"],
};
const goals = { "dj --help": 1.3, "dj codecs list": 1.4, "dj insert (MariaDB)": 2.0, "dj fetch --limit 5 (MariaDB)": 2.0 };
/**
 * Every command `runs` times, alternating, in `env`. Node's own start-up depends on the
 * environment: NODE_EXTRA_CA_CERTS (set on some CI and sandbox machines) makes every node process
 * read and parse that certificate file first, ~90 ms here, which is added to the baseline as much
 * as to dj and so flatters every ratio. When it is set, the table is printed both ways.
 */
function measureAll(env, label) {
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of Object.entries(commands)) {
      const t = performance.now();
      const r = spawnSync(process.execPath, argv(), { cwd: dir, stdio: "ignore", env });
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
      times[name].push(performance.now() - t);
    }
  }
  const base = median(times["node -e 0"]);
  const fastest = Math.min(...times["node -e 0"]);
  // The ratio of medians is the figure; the ratio of the fastest runs is printed beside it because
  // on a shared machine the medians move with the load while the fastest runs mostly do not.
  console.log(`whole process, ${runs} runs each, alternating, ${label} (median ms, ratio of medians to node -e 0 [ratio of fastest runs], goal)`);
  for (const [name, t] of Object.entries(times)) {
    const goal = goals[name] ? `  goal <= ${goals[name].toFixed(1)}x` : "";
    console.log(`  ${name.padEnd(30)} ${median(t).toFixed(0).padStart(5)} ms  ${(median(t) / base).toFixed(2)}x [${(Math.min(...t) / fastest).toFixed(2)}x]${goal}`);
  }
}
if (process.env.NODE_EXTRA_CA_CERTS) {
  measureAll(process.env, `NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS} (as this machine sets it)`);
  const { NODE_EXTRA_CA_CERTS: _, ...clean } = process.env;
  measureAll(clean, "without NODE_EXTRA_CA_CERTS (as on a plain machine)");
} else {
  measureAll(process.env, "NODE_EXTRA_CA_CERTS unset");
}
// The tables above run with dj's code cache (bin/compile-cache.ts) warm, as every run after a
// command's first does. This one is the first run of a command after an install or upgrade.
measureAll({ ...process.env, DJ_COMPILE_CACHE: "0" }, "without dj's code cache (DJ_COMPILE_CACHE=0: every command's first run)");

if (large) {
  const rounds = Math.max(3, Math.min(5, Math.floor(runs / 3)));
  const file = join(dir, "w1024.npy");
  makeWaveforms(file, 1024);
  const { NODE_EXTRA_CA_CERTS: extraCerts, ...clean } = process.env;
  const envs = extraCerts ? [[process.env, "NODE_EXTRA_CA_CERTS set"], [clean, "without NODE_EXTRA_CA_CERTS"]] : [[process.env, "NODE_EXTRA_CA_CERTS unset"]];
  let id = 0;
  for (const [env, label] of envs) {
    const t = { dj: [], cp: [] };
    for (let r = 0; r < rounds; r++) {
      for (const tool of r % 2 ? ["cp", "dj"] : ["dj", "cp"]) {
        // No dirty pages or pending deletes from the previous run (or from writing the file):
        // otherwise whoever runs next pays for their writeback.
        spawnSync("sync");
        spawnSync("sleep", ["0.5"]);
        const m = tool === "dj"
          ? measure("node", [dj, "insert", "Array", "--key", `id=${id++}`, "--from", file], { cwd: dir, env })
          : measure("cp", [file, join(dir, "copy.npy")], { cwd: dir, env });
        t[tool].push(m.seconds);
      }
      rmSync(join(dir, "copy.npy"), { force: true });
      rmSync(join(dir, "store"), { recursive: true, force: true });
      mkdirSync(join(dir, "store"));
    }
    const ratio = median(t.dj) / median(t.cp);
    console.log(`1 GiB <npy@local> insert vs cp, ${rounds} rounds, ${label}: dj ${median(t.dj).toFixed(2)} s, cp ${median(t.cp).toFixed(2)} s, ${ratio.toFixed(2)}x  goal <= 1.5x`);
  }
}
dropSchema(schema);
rmSync(dir, { recursive: true, force: true });
