#!/usr/bin/env node
// `prepack` of a TypeScript workspace (packages/dj-zarr-codecs, packages/dj-photon-codecs): a
// fresh dist/ compiled from the sources as they are now, so the tarball never ships output of a
// file that was since renamed or deleted. The package compiles against the declarations of the
// packages it imports (the `paths` of its tsconfig.json, e.g. ../../dist/src/index.d.ts); those
// that are missing (a clone installed with --ignore-scripts) are built first, from the
// tsconfig.json beside their dist/.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const compile = (project) => {
  const run = spawnSync(process.execPath, [tsc, "-p", project], { stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
};

const { compilerOptions } = JSON.parse(readFileSync("tsconfig.json", "utf8"));
for (const [target] of Object.values(compilerOptions.paths ?? {})) {
  const declarations = join(compilerOptions.baseUrl ?? ".", target);
  const distAt = declarations.lastIndexOf("/dist/");
  if (distAt < 0 || existsSync(declarations)) continue;
  compile(join(declarations.slice(0, distAt), "tsconfig.json"));
}
rmSync("dist", { recursive: true, force: true });
compile("tsconfig.json");
