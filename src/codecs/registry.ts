/**
 * The codec registry: codec names → lazy loaders, from the built-in table and discovered
 * plugins. Listing reads manifests only; `get()` imports a module the first time a codec is
 * used, and a failure to load is reported with the module's real error.
 */
import { errorHelpers } from "./context-internals.js";
import { pathToFileURL } from "node:url";
import { CodecError } from "../errors.js";
import { djPackage } from "../package-info.js";
import { builtinCodecs } from "./builtin/index.js";
import { discoverPlugins, type Discovery, type PluginCodec } from "./discovery.js";
import { missingCodecHint } from "./hints.js";
import { parseTypeSpec } from "./typespec.js";
import { CODEC_API_VERSION, type Codec } from "./types.js";

/**
 * Plugins are ES modules, imported by URL. The built binary runs from a vm.Script, where import()
 * has no loader of its own (and none at all in code deserialized from V8's code cache on Node 20):
 * the launcher (bin/dj.ts) lends its own import() under this symbol. Run from the sources (the
 * tests, under tsx), there is no launcher and import() is Node's as usual; the bundle never takes
 * that branch (esbuild compiles it to a require() that could not load a file: URL).
 */
const LAUNCHER_IMPORT = Symbol.for("dj.importModule");
function importPluginModule(url: string): Promise<Record<string, unknown>> {
  const lent = (globalThis as Record<symbol, ((specifier: string) => Promise<Record<string, unknown>>) | undefined>)[LAUNCHER_IMPORT];
  return lent ? lent(url) : import(url);
}

export type CodecStatus = "ok" | "incompatible" | "duplicate" | "error";

export interface CodecEntry {
  name: string;
  /** `built-in` or `package@version`. */
  provider: string;
  packageName: string | null;
  version: string | null;
  description: string;
  /** What it stores (`bytes`, `json`, or the codec it chains to), when known without importing. */
  stores: string | null;
  /** What the loaded codec runs on (`Codec.runtime()`), once it has been imported; else null. */
  runtime: string | null;
  status: CodecStatus;
  /** Why the status is not ok (incompatibility, the duplicate provider, a load error). */
  problem: string | null;
  plugin: PluginCodec | null;
}

export interface ResolvedChain {
  /** Outermost first: `<blob@s>` → [blob, hash]. */
  chain: Codec[];
  /** The column's core type at the end of the chain: `bytes`, `json`, ... */
  finalDtype: string;
  /** null (no @), "" (bare @) or the store name; propagates inward. */
  store: string | null;
}

function checkCompatibility(p: PluginCodec): string | null {
  if (p.apiVersion !== null && p.apiVersion !== CODEC_API_VERSION) {
    return p.apiVersion > CODEC_API_VERSION
      ? `built for codec API ${p.apiVersion}, this dj implements ${CODEC_API_VERSION}: upgrade dj (npm install dj-cli@latest)`
      : `built for codec API ${p.apiVersion}, this dj implements ${CODEC_API_VERSION}: upgrade ${p.packageName}`;
  }
  return null;
}

type Problems = Array<{ packageDir: string; message: string }>;

export class CodecRegistry {
  private readonly entries = new Map<string, CodecEntry>();
  private readonly loaded = new Map<string, Promise<Codec>>();
  private pending: (() => Discovery) | null;
  private found: Problems = [];

  /**
   * `plugins` is the discovered list, or a function that discovers it. The function runs on the
   * first question the registry is asked, so a command that touches no codec (a table of plain
   * columns) never reads a manifest. Any question runs it, built-in names included: a plugin may
   * declare a built-in's name, which makes that name a duplicate.
   */
  constructor(plugins: PluginCodec[] | (() => Discovery), problems: Problems = []) {
    for (const [name, b] of Object.entries(builtinCodecs)) {
      this.entries.set(name, {
        name,
        provider: "built-in",
        packageName: null,
        version: djPackage().version,
        description: b.description,
        stores: b.stores,
        runtime: null,
        status: "ok",
        problem: null,
        plugin: null,
      });
    }
    if (typeof plugins === "function") {
      this.pending = plugins;
    } else {
      this.pending = null;
      this.addPlugins(plugins, problems);
    }
  }

  /** Manifests that could not be read or are malformed. */
  get problems(): Problems {
    this.discover();
    return this.found;
  }

  private discover(): void {
    if (!this.pending) return;
    const run = this.pending;
    this.pending = null;
    const found = run();
    this.addPlugins(found.codecs, found.problems);
  }

  private addPlugins(plugins: PluginCodec[], problems: Problems): void {
    this.found = problems;
    for (const p of plugins) {
      const existing = this.entries.get(p.codec);
      const provider = `${p.packageName}@${p.version}`;
      if (existing) {
        // Two providers of one name: neither may silently win.
        const msg = `codec <${p.codec}> is declared by both ${existing.provider} and ${provider}; uninstall one of them`;
        existing.status = "duplicate";
        existing.problem = msg;
        continue;
      }
      const problem = checkCompatibility(p);
      this.entries.set(p.codec, {
        name: p.codec,
        provider,
        packageName: p.packageName,
        version: p.version,
        description: p.description,
        stores: p.stores,
        runtime: null,
        status: problem ? "incompatible" : "ok",
        problem,
        plugin: p,
      });
    }
  }

  list(): CodecEntry[] {
    this.discover();
    // Plain code-unit order: localeCompare would load ICU collation data (~30 ms) on every list.
    return [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  entry(name: string): CodecEntry | undefined {
    this.discover();
    return this.entries.get(name);
  }

  has(name: string): boolean {
    this.discover();
    return this.entries.has(name);
  }

  /** Import (once) and return the codec, or throw a CodecError saying what to do. */
  get(name: string): Promise<Codec> {
    this.discover();
    const entry = this.entries.get(name);
    if (!entry) {
      return Promise.reject(
        new CodecError(`Unknown codec: <${name}>`, { hint: missingCodecHint(name, [...this.entries.keys()]), code: "codec.missing" }),
      );
    }
    if (entry.status !== "ok") {
      return Promise.reject(new CodecError(entry.problem ?? `codec <${name}> is ${entry.status}`, { code: `codec.${entry.status}` }));
    }
    let pending = this.loaded.get(name);
    if (!pending) {
      pending = this.load(entry);
      this.loaded.set(name, pending);
    }
    return pending;
  }

  private async load(entry: CodecEntry): Promise<Codec> {
    let codec: unknown;
    if (!entry.plugin) {
      codec = await builtinCodecs[entry.name]!.load();
    } else {
      try {
        const mod = await importPluginModule(pathToFileURL(entry.plugin.modulePath).href);
        codec = mod.default ?? mod.codec;
      } catch (err) {
        entry.status = "error";
        entry.problem = `${entry.provider} failed to load ${entry.plugin.modulePath}: ${(err as Error).message}`;
        throw new CodecError(entry.problem, { cause: err, code: "codec.load", hint: `reinstall ${entry.packageName}, or run with --verbose for the stack` });
      }
    }
    const problem = invalidCodec(codec, entry.name);
    if (problem) {
      entry.status = "error";
      entry.problem = `${entry.provider}: ${problem}`;
      throw new CodecError(entry.problem, { code: "codec.invalid" });
    }
    return codec as Codec;
  }

  /**
   * Follow a type spec through its chain: `<blob@s>` → blob.getDtype(true) = `<hash>` →
   * hash.getDtype(true) = `json`. The store propagates inward; a cycle is an error.
   */
  async resolveChain(type: string): Promise<ResolvedChain> {
    const spec = parseTypeSpec(type);
    const chain: Codec[] = [];
    const seen = new Set<string>();
    let name = spec.name;
    for (;;) {
      if (seen.has(name)) throw new CodecError(`Circular codec reference detected: <${name}>`, { code: "codec.cycle" });
      seen.add(name);
      const codec = await this.get(name);
      chain.push(codec);
      const dtype = codec.getDtype(spec.store !== null, errorHelpers);
      if (!dtype.startsWith("<")) return { chain, finalDtype: dtype, store: spec.store };
      name = parseTypeSpec(dtype).name;
    }
  }
}

function invalidCodec(codec: unknown, name: string): string | null {
  if (typeof codec !== "object" || codec === null) return "the module's default export is not a codec object";
  const c = codec as Partial<Codec>;
  if (c.name !== name) return `the module exports codec "${String(c.name)}" but the manifest declares "${name}"`;
  for (const fn of ["getDtype", "encode", "decode"] as const) {
    if (typeof c[fn] !== "function") return `the codec has no ${fn}() method`;
  }
  return null;
}

/** The registry for a project: built-ins plus the plugins installed around `projectDir`. */
export function loadRegistry(opts: { projectDir: string }): CodecRegistry {
  return new CodecRegistry(() => discoverPlugins(opts.projectDir));
}
