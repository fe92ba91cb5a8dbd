/**
 * Plugin discovery: the npm counterpart of DataJoint's `datajoint.codecs` entry points.
 *
 * A plugin is any installed package whose package.json has
 *   "datajoint": { "codecs": { "<name>": "./dist/module.js" }, "apiVersion": 1 }
 * It is found in the `node_modules` folders from the project directory upward (as Node resolves
 * packages: the nearest copy of a package wins), plus the ones around dj's own install (global
 * installs). Discovery reads manifests only; nothing is imported until a codec is used.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve, sep } from "node:path";
import { djPackage } from "../package-info.js";

export interface PluginCodec {
  codec: string;
  packageName: string;
  version: string;
  packageDir: string;
  /** Absolute path of the module whose default export is the codec. */
  modulePath: string;
  description: string;
  /** What it stores, when the manifest says (`json`, `bytes`, `<hash>`); listing never imports. */
  stores: string | null;
  /** The codec API version the plugin targets (manifest `apiVersion`), if stated. */
  apiVersion: number | null;
  /** A peer-dependency range on dj-cli, if stated. */
  djRange: string | null;
}

export interface Discovery {
  codecs: PluginCodec[];
  /** Manifests that could not be read or are malformed: reported, never swallowed. */
  problems: Array<{ packageDir: string; message: string }>;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory(); // stat follows workspace symlinks
  } catch {
    return false;
  }
}

/** node_modules folders from `dir` upward, as Node would search them. */
function nodeModulesChain(dir: string): string[] {
  return createRequire(join(resolve(dir), "noop.js")).resolve.paths("x") ?? [];
}

/**
 * Folders to search, nearest first: the project's chain, then — when dj itself is installed in
 * a node_modules folder (a global or project install) — the chain around dj's install. A dev
 * checkout of dj is not "installed", so its own workspace links do not leak into projects.
 */
export function searchPaths(projectDir: string): string[] {
  const djRoot = djPackage().root;
  const installed = djRoot.split(sep).includes("node_modules");
  const seen = new Set<string>();
  return [...nodeModulesChain(projectDir), ...(installed ? nodeModulesChain(djRoot) : [])].filter((p) => {
    if (seen.has(p) || !isDir(p)) return false;
    seen.add(p);
    return true;
  });
}

/**
 * Package folders in a node_modules folder, scoped ones included. Links (workspace packages) are
 * kept without a stat: one whose target is not a package simply has no manifest to read.
 */
function packageDirs(nodeModules: string): string[] {
  const out: string[] = [];
  // Plain concatenation, not path.join: `nodeModules` is already absolute and normalised (it
  // comes from Node's own resolution paths), and path.join's normalising, run cold on a few
  // hundred names, was 3 ms of every `dj codecs list`.
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || !(entry.isDirectory() || entry.isSymbolicLink())) continue;
    const full = nodeModules + sep + entry.name;
    if (!entry.name.startsWith("@")) {
      out.push(full);
      continue;
    }
    if (!isDir(full)) continue;
    for (const sub of readdirSync(full, { withFileTypes: true })) {
      if (sub.isDirectory() || sub.isSymbolicLink()) out.push(full + sep + sub.name);
    }
  }
  return out.sort();
}

/** Most manifests fit; a bigger one is read whole. */
const manifestBuffer = Buffer.allocUnsafe(64 * 1024);
const MARKER = Buffer.from('"datajoint"');

/**
 * A plugin candidate's manifest text; "" for a manifest that does not mention "datajoint" (not a
 * plugin: most of a project's hundreds of packages); null when the folder has none (a dangling
 * link, a stray file). Reading is the only per-package cost, so it is one open, one read into a
 * reused buffer and one close, with no stat and no decoding of the manifests that are skipped.
 */
function readManifest(dir: string): string | null {
  let fd: number;
  try {
    fd = openSync(dir + sep + "package.json", "r");
  } catch {
    return null;
  }
  try {
    // Until the file ends or the buffer is full: a network file system may return short reads.
    let n = 0;
    for (let got = -1; got !== 0 && n < manifestBuffer.length; n += got) got = readSync(fd, manifestBuffer, n, manifestBuffer.length - n, n);
    if (n === manifestBuffer.length) return readFileSync(dir + sep + "package.json", "utf8");
    return manifestBuffer.subarray(0, n).includes(MARKER) ? manifestBuffer.toString("utf8", 0, n) : "";
  } catch {
    return null;
  } finally {
    try {
      closeSync(fd);
    } catch {}
  }
}

export function discoverPlugins(projectDir: string): Discovery {
  const result: Discovery = { codecs: [], problems: [] };
  const seenPackages = new Set<string>();
  const seenReal = new Set<string>();
  for (const nodeModules of searchPaths(projectDir)) {
    for (const dir of packageDirs(nodeModules)) {
      const text = readManifest(dir);
      if (!text || !text.includes('"datajoint"')) continue;
      let pkg: Record<string, any>;
      try {
        pkg = JSON.parse(text);
      } catch (err) {
        result.problems.push({ packageDir: dir, message: `cannot read package.json: ${(err as Error).message}` });
        continue;
      }
      const decl = pkg.datajoint?.codecs;
      if (decl === undefined) continue;
      const name = String(pkg.name ?? dir);
      let real = dir;
      try {
        real = realpathSync(dir);
      } catch {}
      // The nearest copy of a package shadows farther ones, as in Node's own resolution.
      if (seenPackages.has(name) || seenReal.has(real)) continue;
      seenPackages.add(name);
      seenReal.add(real);
      if (typeof decl !== "object" || decl === null || Array.isArray(decl)) {
        result.problems.push({ packageDir: dir, message: `${name}: "datajoint.codecs" must map codec names to module paths` });
        continue;
      }
      for (const [codec, target] of Object.entries(decl as Record<string, unknown>)) {
        const spec = typeof target === "string" ? { module: target } : (target as Record<string, unknown>);
        if (typeof spec?.module !== "string") {
          result.problems.push({ packageDir: dir, message: `${name}: codec "${codec}" needs a module path` });
          continue;
        }
        const apiVersion = pkg.datajoint.apiVersion;
        result.codecs.push({
          codec,
          packageName: name,
          version: String(pkg.version ?? "0.0.0"),
          packageDir: dir,
          modulePath: resolve(dir, spec.module),
          description: String(spec.description ?? pkg.description ?? ""),
          stores: typeof spec.stores === "string" ? spec.stores : null,
          apiVersion: typeof apiVersion === "number" ? apiVersion : null,
          djRange: typeof pkg.peerDependencies?.["dj-cli"] === "string" ? pkg.peerDependencies["dj-cli"] : null,
        });
      }
    }
  }
  return result;
}
