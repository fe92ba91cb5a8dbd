#!/usr/bin/env node
// Runs every tests/**/*.test.ts with Node's test runner (tsx for TypeScript).
// Node 20's --test takes no globs, and `tsx --test` with no files runs nothing and exits 0,
// so the files are listed here and an empty list is a failure.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ["tests"];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.ts")) files.push(relative(process.cwd(), p));
  }
};
for (const r of roots) statSync(r).isDirectory() ? walk(r) : files.push(r);
if (files.length === 0) {
  console.error(`run-tests: no *.test.ts files under ${roots.join(", ")}`);
  process.exit(1);
}
const concurrency = process.env.DJ_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: "inherit", env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
);
process.exit(result.status ?? 1);
