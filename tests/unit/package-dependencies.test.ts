/**
 * Every package declares what its code imports, and imports what it declares at run time. A
 * dependency nothing imports still costs every user its download (zarrita did); an import that
 * is not declared works in this repository only because npm hoists the workspace's packages into
 * one node_modules, and fails once the package is installed from its tarball.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../helpers/cli.js";

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Each package and the folders holding the code it ships (compiled from, or shipped as is). */
const packages: { dir: string; code: string[] }[] = [
  { dir: ".", code: ["src", "bin"] },
  { dir: "packages/dj-zarr-codecs", code: ["src"] },
  { dir: "packages/dj-photon-codecs", code: ["src"] },
  { dir: "packages/dj-zarr-native", code: ["index.cjs", "not-built.cjs"] },
];

function codeFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => codeFiles(join(path, name)));
}

/** `mysql2/promise` → `mysql2`, `@aws-sdk/client-s3/x` → `@aws-sdk/client-s3`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const isBuiltin = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(packageName(specifier));
const isBare = (specifier: string) => !specifier.startsWith(".") && !specifier.startsWith("/");

/** Bare module specifiers in one source file, split into run-time and type-only imports. */
function importsOf(source: string): { runtime: Set<string>; typeOnly: Set<string> } {
  const runtime = new Set<string>();
  const typeOnly = new Set<string>();
  const add = (set: Set<string>, specifier: string) => {
    if (isBare(specifier) && !isBuiltin(specifier)) set.add(packageName(specifier));
  };
  // `import x from "m"`, `import { a, type B } from "m"`, `export { a } from "m"`, `import "m"`
  for (const m of source.matchAll(/^\s*(?:import|export)(\s+type\b)?(?:[^;"'()]*?\bfrom)?\s*["']([^"']+)["']/gm)) {
    add(m[1] ? typeOnly : runtime, m[2]!);
  }
  // `await import("m")`, but not the type `typeof import("m")`
  for (const m of source.matchAll(/(typeof\s+)?\bimport\(\s*["']([^"']+)["']\s*\)/g)) add(m[1] ? typeOnly : runtime, m[2]!);
  // `require("m")` and `createRequire(import.meta.url)("m")`
  for (const m of source.matchAll(/(?:\brequire|createRequire\([^()]*(?:\([^()]*\))?[^()]*\))\(\s*["']([^"']+)["']\s*\)/g)) {
    add(runtime, m[1]!);
  }
  return { runtime, typeOnly };
}

for (const { dir, code } of packages) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8")) as PackageJson;
  const runtime = new Set<string>();
  const typeOnly = new Set<string>();
  for (const folder of code) {
    for (const file of codeFiles(join(repoRoot, dir, folder))) {
      if (!/\.(ts|mts|cts|js|mjs|cjs)$/.test(file) || file.endsWith(".d.ts")) continue;
      const found = importsOf(readFileSync(file, "utf8"));
      found.runtime.forEach((n) => runtime.add(n));
      found.typeOnly.forEach((n) => typeOnly.add(n));
    }
  }
  const installed = { ...pkg.dependencies, ...pkg.optionalDependencies };

  test(`${pkg.name}: every runtime dependency is imported by its code`, () => {
    const unused = Object.keys(installed).filter((name) => !runtime.has(name) && name !== pkg.name);
    assert.deepEqual(unused, [], `declared in ${dir}/package.json but never imported: ${unused.join(", ")}`);
  });

  test(`${pkg.name}: everything its code imports is declared`, () => {
    const declared = new Set([...Object.keys(installed), ...Object.keys(pkg.peerDependencies ?? {})]);
    const undeclaredRuntime = [...runtime].filter((name) => !declared.has(name));
    assert.deepEqual(undeclaredRuntime, [], `imported at run time but not a dependency: ${undeclaredRuntime.join(", ")}`);
    // Type-only imports end up in the shipped .d.ts files, so their package must be a (peer) dependency too.
    const undeclaredTypes = [...typeOnly].filter((name) => !declared.has(name) && !(pkg.devDependencies && name.startsWith("@types/")));
    assert.deepEqual(undeclaredTypes, [], `imported as types but not declared: ${undeclaredTypes.join(", ")}`);
  });
}

test("the import scanner sees each form of import the packages use", () => {
  const found = importsOf(
    [
      'import { Command } from "commander";',
      'import type { Codec } from "dj-cli";',
      'import { byteSwap, type ArrayMeta } from "dj-zarr-codecs";',
      'export { a } from "re-exported";',
      'type SDK = typeof import("@aws-sdk/client-s3");',
      'const { Upload } = await import("@aws-sdk/lib-storage");',
      'const mysql = await import("mysql2/promise");',
      'lz4 = createRequire(import.meta.url)("lz4-napi") as Lz4;',
      'module.exports = require("./build/Release/x.node");',
      'import { readFileSync } from "node:fs";',
      'import { join } from "path";',
      'import "side-effect";',
      'export function f() { return "not-a-module"; }',
      'export const s = "also-not";',
    ].join("\n"),
  );
  assert.deepEqual([...found.runtime].sort(), ["@aws-sdk/lib-storage", "commander", "dj-zarr-codecs", "lz4-napi", "mysql2", "re-exported", "side-effect"]);
  assert.deepEqual([...found.typeOnly].sort(), ["@aws-sdk/client-s3", "dj-cli"]);
});
