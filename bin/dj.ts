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
import { commandWords } from "../src/argv-words.js";
import { cacheSlot } from "./compile-cache.js";

/** A hash of main.js, put here by scripts/bundle.mjs. */
declare const __DJ_BUILD_ID__: string;

const main = join(__dirname, "main.js");
type Bundle = (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;

/**
 * The cache's name for this run: the command word, or "help" for any run that asks for help, so
 * that `dj insert --help` does not leave a thin cache for every later `dj insert`.
 */
function commandKey(argv: string[]): string {
  const { words, help } = commandWords(argv);
  if (help) return "help";
  return words[0] !== undefined && /^[a-z][a-z-]{0,23}$/.test(words[0]) ? words[0] : "default";
}

/**
 * Compiled through V8's code cache; `afterRun` then arranges, for a run that had no usable cache,
 * to write one on a successful exit, so it holds what this command compiled as it ran, not only
 * the top level. A failed or interrupted run writes none.
 */
function compileCached(source: string): { bundle: Bundle; afterRun(): void } {
  const slot = cacheSlot(__DJ_BUILD_ID__, commandKey(process.argv.slice(2)), main);
  const cachedData = slot?.read();
  const script = new vm.Script(source, { filename: main, cachedData });
  return {
    bundle: script.runInThisContext(),
    afterRun() {
      if (!slot || (cachedData && !script.cachedDataRejected)) return;
      // Registered after the bundle's own exit listener (bin/main.ts), which may turn a 0 into 1.
      process.once("exit", (code) => {
        if (code === 0 && !process.exitCode) slot.write(() => script.createCachedData());
      });
    },
  };
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
// -v alone or in a group of short flags (-qv), --verbose, or DJ_DEBUG=1.
const debugging = process.argv.slice(2).some((a) => a === "--verbose" || /^-[a-zA-Z]*v[a-zA-Z]*$/.test(a)) || process.env.DJ_DEBUG === "1";
const { bundle, afterRun } = debugging ? { bundle: compileWithSourceMaps(source), afterRun() {} } : compileCached(source);
const module = { exports: {} };
bundle(module.exports, createRequire(main), module, main, __dirname);
afterRun();
