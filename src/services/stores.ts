/**
 * `dj store list | check | ls` and the entry of `dj gc`: the configured stores, a probe object
 * written, read back and deleted, a store's objects, and garbage collection with its scope.
 */
import { randomBytes } from "node:crypto";
import type { ResolvedConfig } from "../config/types.js";
import { StoreError, UsageError, isDjError } from "../errors.js";
import type { GcReport } from "./gc.js";
import { loadSessionConfig, openSession, type SessionOptions } from "./session.js";

async function storeConfig(opts: SessionOptions): Promise<ResolvedConfig> {
  const { requireConfigured } = await import("./configured.js");
  const config = await loadSessionConfig(opts);
  requireConfigured(config, "store", opts.cwd);
  return config;
}

export interface StoreEntry {
  name: string;
  default: boolean;
  filepath_default: boolean;
  protocol: string;
  location: string;
  [setting: string]: unknown;
}

/** The configured stores, secrets masked. */
export async function listStores(opts: SessionOptions): Promise<{ default: string | null; stores: StoreEntry[] }> {
  const config = await storeConfig(opts);
  const { maskObject } = await import("../config/mask.js");
  const stores = Object.entries(config.stores.specs).map(([name, spec]) => ({
    name,
    default: name === config.stores.default,
    filepath_default: name === config.stores.filepath_default,
    ...(maskObject({ ...spec }) as { protocol: string; location: string }),
  }));
  return { default: config.stores.default, stores };
}

export interface ProbeResult {
  store: string;
  ok: boolean;
  /** "ok", "stalled" (connected, then silent past timeouts.idle), "read-only", or "failed". */
  status: string;
  write_ms?: number;
  read_ms?: number;
  delete_ms?: number;
  error?: string;
  hint?: string;
}

/** Failures `dj store check` names by what they are rather than as a plain FAIL. */
const STATUS_BY_CODE: Record<string, string> = { "store.stalled": "stalled", "store.readonly": "read-only" };

/** Write, read back and delete a probe object in each named store (every store when none is named). */
export async function checkStores(opts: SessionOptions, names: string[]): Promise<ProbeResult[]> {
  const config = await storeConfig(opts);
  const { openStore } = await import("../stores/open.js");
  const wanted = names.length ? names : Object.keys(config.stores.specs);
  if (wanted.length === 0) throw new UsageError("no stores configured to check");
  const results: ProbeResult[] = [];
  for (const name of wanted) {
    const probeKey = `.dj-probe/${Date.now()}-${randomBytes(4).toString("hex")}`;
    const payload = randomBytes(1024);
    const r: ProbeResult = { store: name, ok: false, status: "failed" };
    results.push(r);
    try {
      const store = await openStore(config, name);
      let t = performance.now();
      await store.set(probeKey, payload);
      r.write_ms = Math.round(performance.now() - t);
      t = performance.now();
      const back = await store.get(probeKey);
      r.read_ms = Math.round(performance.now() - t);
      if (!back || Buffer.compare(Buffer.from(back), payload) !== 0) {
        throw new StoreError(`store "${name}": the probe object read back differs from what was written`, { code: "store.corrupt" });
      }
      t = performance.now();
      await store.delete(probeKey);
      r.delete_ms = Math.round(performance.now() - t);
      r.ok = true;
      r.status = "ok";
    } catch (err) {
      // Every failure is this store's result (the report names it); the next store is still checked.
      r.error = (err as Error).message;
      r.hint = isDjError(err) ? err.hint : undefined;
      r.status = (isDjError(err) && STATUS_BY_CODE[err.code ?? ""]) || "failed";
    }
  }
  return results;
}

export interface StoredObject {
  key: string;
  size: number;
  modified: string;
}

/** A store's objects under a prefix, sorted by key. */
export async function listObjects(opts: SessionOptions, name: string, prefix: string): Promise<StoredObject[]> {
  const config = await storeConfig(opts);
  const { openStore } = await import("../stores/open.js");
  const store = await openStore(config, name);
  const objects: StoredObject[] = [];
  for await (const o of store.list(prefix.replace(/^\/+/, ""))) objects.push({ key: o.key, size: o.size, modified: o.modified.toISOString() });
  return objects.sort((a, b) => a.key.localeCompare(b.key));
}

/** `dj gc`: the schemas to scan are --schema, else the config's `schema`. */
export async function runGc(opts: SessionOptions, req: { schemas?: string[]; store?: string; dryRun: boolean; minAge: string }): Promise<GcReport> {
  const { collectGarbage, parseAge } = await import("./gc.js");
  const minAgeMs = parseAge(req.minAge);
  const session = await openSession(opts);
  const schemas = req.schemas ?? (session.config.schema ? [session.config.schema] : []);
  if (schemas.length === 0) throw new UsageError("name the schemas to scan with --schema (or set \"schema\" in the config)");
  return collectGarbage(session, { schemas, store: req.store ?? null, dryRun: req.dryRun, minAgeMs });
}
