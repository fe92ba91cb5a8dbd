#!/usr/bin/env node
// Compares the project's copy of the reference fixtures (tests/fixtures/reference) with the shared
// set they were copied from, byte for byte, so that a later update of the shared set is noticed.
// Where the shared set is comes from outside: the first argument, else DJ_SHARED_FIXTURES
// (.ci/run passes the folder beside the project when there is one). Without either, or where the
// folder is absent (a fresh clone anywhere), there is nothing to compare: the check says so and
// passes, since the copy in the repository is what the tests read.
// Usage: node scripts/fixtures-check.mjs [PATH]
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(fileURLToPath(import.meta.url), "../..");
const copy = join(repoRoot, "tests/fixtures/reference");
const given = process.argv[2] ?? process.env.DJ_SHARED_FIXTURES;
const shared = given ? resolve(given) : null;

function listFiles(root) {
  const out = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(root);
  return out;
}

if (!existsSync(join(copy, "manifest.json"))) {
  console.error(`fixtures:check: the project's copy is missing (${relative(repoRoot, copy)}/manifest.json)`);
  process.exit(1);
}
if (!shared || !existsSync(join(shared, "manifest.json"))) {
  console.log(`fixtures:check: ${shared ? `no shared fixtures at ${shared}` : "no shared set named (argument or DJ_SHARED_FIXTURES)"}; nothing to compare (the copy in tests/fixtures/reference is used)`);
  process.exit(0);
}
const mine = listFiles(copy);
const theirs = listFiles(shared);
const problems = [];
for (const [rel, hash] of theirs) {
  if (!mine.has(rel)) problems.push(`missing from the copy: ${rel}`);
  else if (mine.get(rel) !== hash) problems.push(`differs from the shared set: ${rel}`);
}
for (const rel of mine.keys()) if (!theirs.has(rel)) problems.push(`not in the shared set: ${rel}`);
if (problems.length) {
  console.error(`fixtures:check: tests/fixtures/reference is not a byte-identical copy of ${shared}:`);
  for (const p of problems) console.error(`  ${p}`);
  console.error(`Refresh it with: rm -rf tests/fixtures/reference && cp -a ${shared} tests/fixtures/reference`);
  process.exit(1);
}
console.log(`fixtures:check: ${mine.size} files identical to ${shared}`);
