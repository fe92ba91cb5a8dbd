#!/usr/bin/env node
/**
 * The `dj` launcher. It compiles the bundled CLI (dist/bin/main.js, a function expression) with
 * vm.Script so that V8's code cache can be used and refreshed (compile-cache.ts), then runs it as
 * a CommonJS module. Kept tiny: everything it imports is loaded before any command runs.
 */
import { readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname, join } from "node:path";
import vm from "node:vm";
import { cacheSlot } from "./compile-cache.js";

/** A hash of main.js, put here by scripts/bundle.mjs. */
declare const __DJ_BUILD_ID__: string;

const main = join(__dirname, "main.js");
type Bundle = (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;

/** Compiled through V8's code cache, refreshed after a successful run that had none. */
function compileCached(source: string): Bundle {
  const command = /^[a-z][a-z-]{0,23}$/.test(process.argv[2] ?? "") ? process.argv[2]! : "default";
  const slot = cacheSlot(__DJ_BUILD_ID__, command);
  const cachedData = slot?.read();
  const script = new vm.Script(source, { filename: main, cachedData });
  // Written after the run, so the cache holds what this command compiled as it ran, not only the
  // top level; a failed or interrupted run writes none.
  if (slot && (!cachedData || script.cachedDataRejected)) {
    process.once("exit", (code) => {
      if (code === 0) slot.write(() => script.createCachedData());
    });
  }
  return script.runInThisContext();
}

/**
 * With --verbose or DJ_DEBUG=1: compiled by Node's CommonJS loader instead, because Node maps
 * stack traces to the sources (main.js.map) only for code its loaders compiled, not vm.Script's.
 * No cache on this path; it is for reading stack traces, not for speed.
 */
function compileWithSourceMaps(source: string): Bundle {
  process.setSourceMapsEnabled(true);
  const loader = new Module(main) as Module & { _compile(code: string, filename: string): void };
  loader.filename = main;
  loader.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(main));
  loader._compile(`module.exports = ${source}`, main);
  return loader.exports as Bundle;
}

// The bundle has no import() of its own (scripts/bundle.mjs turns those it can into require());
// codec plugins are ES modules, so it imports them through this one, Node's (src/codecs/registry.ts).
(globalThis as Record<symbol, unknown>)[Symbol.for("dj.importModule")] = (specifier: string) => import(specifier);

// ASCII by construction (scripts/bundle.mjs checks), so latin1 reads it without UTF-8 decoding.
const source = readFileSync(main, "latin1");
const debugging = process.argv.includes("-v") || process.argv.includes("--verbose") || process.env.DJ_DEBUG === "1";
const run = debugging ? compileWithSourceMaps(source) : compileCached(source);
const module = { exports: {} };
run(module.exports, createRequire(main), module, main, __dirname);
