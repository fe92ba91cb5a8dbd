#!/usr/bin/env node
/**
 * The import rules of dj (docs/architecture.md), checked over the TypeScript imports of src/,
 * bin/ and packages/*. Run as a script it prints each violation and exits 1; the unit test
 * tests/unit/import-rules.test.ts runs it over the real tree and over small made-up graphs.
 *
 * Layers (the folder under src/ a file sits in; `kernel` is every file directly in src/ except
 * cli.ts and index.ts: errors.ts, lifecycle.ts, retry.ts, package-info.ts):
 *
 *   bin       → cli
 *   cli       → commands, ui, config, schema, kernel          (wiring only: no backend)
 *   commands  → services, codecs, config, schema, ui, kernel  (never db/ or stores/)
 *   services  → db, stores, codecs, formats, schema, config, kernel (never commands/, ui/)
 *   db        → schema, codecs, config, kernel
 *   schema    → codecs, config, kernel
 *   codecs    → formats, config, kernel, and of stores/ only the interface (stores/types.ts)
 *               and the pure addressing functions (stores/addressing.ts); never commands/,
 *               ui/, db/ or services/
 *   stores    → config, kernel
 *   config    → ui, kernel
 *   ui        → kernel
 *   formats   → nothing outside formats/
 *   kernel    → kernel only
 *   index     → codecs, config, formats, schema, kernel, stores/types.ts, stores/addressing.ts
 *               (the public API for plugins: never a backend)
 *   plugins   (packages/<name>/) → their own files, `dj-cli` (the public API, by that exact
 *               name: no deep path into it, no relative path out of the package), and other
 *               packages (their own dependencies: tests/unit/package-dependencies.test.ts
 *               checks that each is declared)
 *
 * Type-only imports count like any other: a type import is still a dependency of the layer.
 * Besides: no folder-level cycle (two layers that import each other, directly or round a loop);
 * node: builtins are allowed everywhere; some packages only in one place (PACKAGE_HOMES).
 *
 * Imports are read with the TypeScript compiler's parser, so `import type`, `export … from`,
 * `import("…")` (also in type positions) and `require("…")` count, and text that only looks like
 * an import (a template string that writes one) does not.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** What each layer may import (besides itself and node: builtins). */
export const ALLOWED = {
  bin: ["cli", "kernel"],
  cli: ["commands", "ui", "config", "schema", "kernel"],
  commands: ["services", "codecs", "config", "schema", "ui", "kernel"],
  services: ["db", "stores", "codecs", "formats", "schema", "config", "kernel"],
  db: ["schema", "codecs", "config", "kernel"],
  schema: ["codecs", "config", "kernel"],
  codecs: ["formats", "config", "kernel", "stores/types.ts", "stores/addressing.ts"],
  stores: ["config", "kernel"],
  config: ["ui", "kernel"],
  ui: ["kernel"],
  formats: [],
  kernel: ["kernel"],
  index: ["codecs", "config", "formats", "schema", "kernel", "stores/types.ts", "stores/addressing.ts"],
};

/** Packages that may be imported only under these paths (the rest of the tree loads them lazily through them). */
export const PACKAGE_HOMES = {
  mysql2: ["src/db/mysql/"],
  pg: ["src/db/postgres/"],
  postgres: ["src/db/postgres/"],
  "better-sqlite3": ["src/db/embedded/"],
  "@aws-sdk/": ["src/stores/s3.ts", "src/stores/s3-sdk.ts"],
};

/** The only packages formats/ may use: it is pure data formats (pako: zlib 1.2.x-exact deflate for blobs). */
export const FORMATS_PACKAGES = ["pako"];

const PUBLIC_API = "dj-cli";
const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/**
 * The layer of a repository path (posix separators), or undefined for files outside the checked
 * tree. Plugins are `plugin:<folder>`; an unknown folder under src/ is `unknown:<folder>`.
 */
export function layerOf(path) {
  const parts = path.split("/");
  if (parts[0] === "bin") return "bin";
  if (parts[0] === "packages" && parts.length > 2) return `plugin:${parts[1]}`;
  if (parts[0] !== "src") return undefined;
  if (parts.length === 2) {
    if (parts[1] === "cli.ts") return "cli";
    if (parts[1] === "index.ts") return "index";
    return "kernel";
  }
  return parts[1] in ALLOWED ? parts[1] : `unknown:${parts[1]}`;
}

/** Every module specifier one source file names, with its line and whether it is for types only. */
export function importsOf(source, fileName = "file.ts") {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, fileName.endsWith("js") ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const found = [];
  const add = (literal, typeOnly) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const line = file.getLineAndCharacterOfPosition(literal.getStart(file)).line + 1;
    found.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
      else if (ts.isIdentifier(callee) && callee.text === "require") add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const isBuiltin = (specifier) => specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]);
const packageOf = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/**
 * One edge of the import graph: `to` is the repository path a relative import names (a `.js`
 * specifier stands for its `.ts` source, as NodeNext resolves it), `pkg` the package of a bare one.
 */
export function edge(from, { specifier, line, typeOnly }) {
  if (isBuiltin(specifier)) return { from, line, specifier, typeOnly, builtin: true };
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    const to = posix.normalize(specifier.startsWith("/") ? specifier : posix.join(posix.dirname(from), specifier)).replace(/\.js$/, ".ts");
    return { from, line, specifier, typeOnly, to };
  }
  return { from, line, specifier, typeOnly, pkg: packageOf(specifier) };
}

/** Whether layer `from` may import the file `to` (of layer `target`). */
function allowed(from, target, to) {
  if (from === target) return true;
  const list = ALLOWED[from] ?? [];
  return list.includes(target) || list.includes(to.replace(/^src\//, ""));
}

/** The violations of the layer and package rules among `edges` (see edge()). */
export function ruleViolations(edges) {
  const out = [];
  const say = (e, rule, message) => out.push({ rule, from: e.from, line: e.line, specifier: e.specifier, message });
  for (const e of edges) {
    const layer = layerOf(e.from);
    if (layer === undefined || e.builtin) continue;
    if (layer.startsWith("unknown:")) {
      say(e, "unknown-layer", `${layer.slice(8)}/ is not a layer of the import rules (scripts/check-imports.mjs ALLOWED)`);
      continue;
    }
    if (layer.startsWith("plugin:")) {
      const root = `packages/${layer.slice(7)}/`;
      if (e.to !== undefined && !e.to.startsWith(root)) say(e, "plugin-public-api", `a plugin imports only the public API ("${PUBLIC_API}"), not ${e.to}`);
      if (e.pkg === PUBLIC_API && e.specifier !== PUBLIC_API) say(e, "plugin-public-api", `a plugin imports "${PUBLIC_API}" itself, not the deep path "${e.specifier}"`);
      continue;
    }
    if (e.pkg !== undefined) {
      if (layer === "formats" && !FORMATS_PACKAGES.includes(e.pkg)) say(e, "formats-pure", `formats/ imports no package but ${FORMATS_PACKAGES.join(", ")} (found "${e.pkg}")`);
      for (const [pkg, homes] of Object.entries(PACKAGE_HOMES)) {
        const matches = pkg.endsWith("/") ? e.pkg.startsWith(pkg) : e.pkg === pkg;
        if (matches && !homes.some((h) => e.from.startsWith(h))) say(e, "package-home", `"${e.pkg}" is imported only in ${homes.join(", ")}`);
      }
      continue;
    }
    const target = layerOf(e.to);
    if (target === undefined) {
      say(e, "outside-tree", `imports ${e.to}, outside src/`);
    } else if (!allowed(layer, target, e.to)) {
      const why = layer === "formats" ? "formats/ imports nothing outside formats/" : `${layer} may import ${ALLOWED[layer].join(", ") || "nothing outside itself"}`;
      say(e, `${layer}-imports`, `${layer} → ${target} (${e.to}): ${why}`);
    }
  }
  return out;
}

/**
 * Folder-level cycles. Every loop holds at least one import against ALLOWED (the table has no
 * loop), so for each such import the shortest loop through it is named, once, with one import
 * per step; a loop the table itself allowed would be named by its shortest form.
 */
export function folderCycles(edges) {
  const graph = new Map();
  const witness = new Map();
  for (const e of edges) {
    if (e.to === undefined) continue;
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (!a || !b || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a).add(b);
    const key = `${a} → ${b}`;
    // The witness of a step is an import that breaks the rules, where there is one.
    if (!witness.has(key) || !allowed(a, b, e.to)) witness.set(key, { text: `${e.from}:${e.line} → ${e.to}`, against: !allowed(a, b, e.to) });
  }
  /** The shortest path from `start` to `goal` as a list of layers, or undefined. */
  const path = (start, goal) => {
    const previous = new Map([[start, null]]);
    const queue = [start];
    while (queue.length) {
      const v = queue.shift();
      if (v === goal) {
        const out = [];
        for (let w = v; w !== null; w = previous.get(w)) out.unshift(w);
        return out;
      }
      for (const w of [...(graph.get(v) ?? [])].sort()) {
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return undefined;
  };
  const candidates = [];
  const seen = new Set();
  for (const a of [...graph.keys()].sort()) {
    for (const b of [...graph.get(a)].sort()) {
      const back = path(b, a);
      if (!back) continue;
      // One name per loop whatever layer it is read from: rotate it to start at its least layer.
      const ring = [a, ...back].slice(0, -1);
      const first = ring.indexOf([...ring].sort()[0]);
      const layers = [...ring.slice(first), ...ring.slice(0, first), ring[first]];
      const name = layers.join(" → ");
      if (seen.has(name)) continue;
      seen.add(name);
      const steps = layers.slice(0, -1).map((x, i) => ({ key: `${x} → ${layers[i + 1]}`, ...witness.get(`${x} → ${layers[i + 1]}`) }));
      candidates.push({ layers, steps });
    }
  }
  candidates.sort((x, y) => x.layers.length - y.layers.length || x.layers.join().localeCompare(y.layers.join()));
  const covered = new Set();
  const chosen = candidates.filter((c) => {
    const fresh = c.steps.filter((s) => s.against && !covered.has(s.key));
    fresh.forEach((s) => covered.add(s.key));
    return fresh.length > 0;
  });
  if (chosen.length === 0 && candidates.length > 0) chosen.push(candidates[0]);
  return chosen.map((c) => ({ rule: "folder-cycle", layers: c.layers, edges: c.steps.map((s) => `${s.key}: ${s.text}${s.against ? "  (against the rules)" : ""}`) }));
}

/** The source files the rules cover, as repository paths. */
export function sourceFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      if (name === "node_modules" || name === "dist" || name === "build") continue;
      const path = dir ? `${dir}/${name}` : name;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (CODE.test(name) && !name.endsWith(".d.ts")) files.push(path);
    }
  };
  walk("src");
  walk("bin");
  for (const pkg of readdirSync(join(root, "packages")).sort()) {
    if (statSync(join(root, "packages", pkg)).isDirectory()) walk(`packages/${pkg}`);
  }
  return files;
}

/** Every import edge of the tree at `root`. */
export function collectEdges(root) {
  return sourceFiles(root).flatMap((path) => importsOf(readFileSync(join(root, path), "utf8"), path).map((i) => edge(path, i)));
}

/** All violations of the tree at `root`: rule violations, then folder cycles. */
export function check(root) {
  const edges = collectEdges(root);
  return { violations: ruleViolations(edges), cycles: folderCycles(edges) };
}

export function report({ violations, cycles }) {
  const lines = violations.map((v) => `${v.from}:${v.line}: [${v.rule}] ${v.message}`);
  for (const c of cycles) lines.push(`folder cycle ${c.layers.join(" → ")}:\n    ${c.edges.join("\n    ")}`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..");
  const result = check(root);
  const count = result.violations.length + result.cycles.length;
  if (count === 0) {
    console.log("check-imports: no violations");
  } else {
    console.error(report(result));
    console.error(`check-imports: ${result.violations.length} rule violation(s), ${result.cycles.length} folder cycle(s)`);
    process.exit(1);
  }
}
