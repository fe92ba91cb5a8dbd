#!/usr/bin/env node
// The root package's `prepack` and `postpack`. The repository's package.json has a `prepare`
// script (so `npm install` in a clone builds dist/), but a tarball needs none: its dist/ is
// built. npm 11 lists a `prepare` of a package installed from a tarball among the "install
// scripts not yet covered by allowScripts" (although it never runs it), so every user would be
// asked to approve a script that cannot even run without the sources. Hence:
//   prepack:  a fresh build into dist/, then package.json without `scripts.prepare`
//             (the original kept in .tmp/package.json.prepack);
//   postpack: the original package.json back, byte for byte.
// A pack that failed in between leaves the copy; the next prepack or postpack restores it first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

const saved = ".tmp/package.json.prepack";

function restore() {
  if (existsSync(saved)) renameSync(saved, "package.json");
}

function build() {
  rmSync("dist", { recursive: true, force: true });
  const npm = process.env.npm_execpath;
  const run = npm ? spawnSync(process.execPath, [npm, "run", "build"], { stdio: "inherit" }) : spawnSync("npm", ["run", "build"], { stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

function stripPrepare() {
  const text = readFileSync("package.json", "utf8");
  const manifest = JSON.parse(text);
  if (!manifest.scripts?.prepare) return;
  mkdirSync(".tmp", { recursive: true });
  writeFileSync(saved, text);
  delete manifest.scripts.prepare;
  writeFileSync("package.json", JSON.stringify(manifest, null, 2) + "\n");
}

const step = process.argv[2];
if (step === "prepack") {
  restore();
  build();
  stripPrepare();
} else if (step === "postpack") {
  restore();
} else {
  console.error("usage: node scripts/pack-manifest.mjs prepack|postpack");
  process.exit(2);
}
