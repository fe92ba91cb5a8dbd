/**
 * `dj gc`: objects no row references, found with DataJoint's rules (datajoint-compat.md §7), made
 * safe against inserts running at the same time (docs/decisions.md, "gc and inserts").
 *
 * Scope: the store and every configured store whose location is the same or nested
 * (src/stores/location.ts); their references all count. Candidates are only files under
 * `{hash_prefix}/{schema}/` with 26-char base32 names and files under `{schema_prefix}/{schema}/`;
 * a file is live when a row references it, lies under a referenced path or is its
 * `.manifest.json`, or when a fresh insert intent names it. The order matters: gc announces its
 * run, lists, THEN reads intents, THEN reads references; before each batch of deletes it reads
 * intents again. Objects younger than `minAge` are never deleted, and nothing is when a scan
 * failed. Leftovers of killed writes (temp files, unfinished multipart uploads) older than
 * `minAge` are removed too.
 */
import { getStoreSpec } from "../config/store-spec.js";
import { UsageError } from "../errors.js";
import { testPause } from "../lifecycle.js";
import { HASH_NAME } from "../stores/addressing.js";
import { GcRun, readIntents, removeIntent } from "../stores/control.js";
import { overlappingStores } from "../stores/location.js";
import { openStore } from "../stores/open.js";
import { PathSet } from "../stores/path-set.js";
import type { ObjectInfo, Store } from "../stores/types.js";
import { absoluteKey, collectReferences } from "./gc-references.js";
import { findLeftovers, oldLeftovers, removeLeftovers } from "./gc-leftovers.js";
import type { Session } from "./session.js";

export interface GcReport {
  store: string;
  /** Store names whose locations overlap this one's: collected as one store. */
  stores_in_scope: string[];
  schemas: string[];
  dry_run: boolean;
  hash_paths_referenced: number;
  hash_paths_stored: number;
  hash_paths_orphaned: number;
  hash_paths_orphaned_bytes: number;
  orphaned_hash_paths: string[];
  schema_paths_referenced: number;
  schema_paths_stored: number;
  schema_paths_orphaned: number;
  schema_paths_orphaned_bytes: number;
  orphaned_schema_paths: string[];
  hash_paths_deleted: number;
  schema_paths_deleted: number;
  deleted: number;
  bytes_freed: number;
  skipped_young: number;
  /** Unreferenced objects kept because a running insert named them. */
  skipped_in_flight: number;
  inserts_in_flight: number;
  temp_files_found: number;
  temp_files_deleted: number;
  multipart_uploads_found: number;
  multipart_uploads_aborted: number;
  stale_intents_removed: number;
  errors: string[];
  scan_errors: string[];
  warnings: string[];
}

/** `1h`, `30m`, `2d`, `45s`, `0` → milliseconds. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--min-age expects a duration such as 1h, 30m, 2d or 0, got ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "s"]!;
  return Number(m[1]) * unit;
}

export const section = (prefix: string, schema: string) => [prefix.replace(/^\/+|\/+$/g, ""), schema].filter(Boolean).join("/") + "/";

type Listed = ObjectInfo & { kind: "hash" | "schema" };
const DELETE_BATCH = 256;
const DELETES_IN_FLIGHT = 16;

/** Store-relative paths named by fresh intents in the scope's control areas, as absolute keys. */
async function intentsInto(into: PathSet, control: Array<{ store: Store; root: string }>, report: GcReport, stale?: Array<() => Promise<void>>): Promise<void> {
  let fresh = 0;
  for (const { store, root } of control) {
    const scan = await readIntents(store);
    fresh += scan.fresh;
    for (const p of scan.paths) into.add(absoluteKey(root, p));
    for (const s of scan.stale) stale?.push(() => removeIntent(store, s.id));
  }
  report.inserts_in_flight = Math.max(report.inserts_in_flight, fresh);
}

export async function collectGarbage(session: Session, opts: { schemas: string[]; store: string | null; dryRun: boolean; minAgeMs: number }): Promise<GcReport> {
  const { config } = session;
  const { name: storeName, spec } = getStoreSpec(config, opts.store);
  const store = await openStore(config, storeName);
  const scope = await overlappingStores(config, storeName);
  const root = scope[0]!.root ?? `store:${storeName}`;
  const report: GcReport = {
    store: storeName, stores_in_scope: scope.map((s) => s.name), schemas: opts.schemas, dry_run: opts.dryRun,
    hash_paths_referenced: 0, hash_paths_stored: 0, hash_paths_orphaned: 0, hash_paths_orphaned_bytes: 0, orphaned_hash_paths: [],
    schema_paths_referenced: 0, schema_paths_stored: 0, schema_paths_orphaned: 0, schema_paths_orphaned_bytes: 0, orphaned_schema_paths: [],
    hash_paths_deleted: 0, schema_paths_deleted: 0, deleted: 0, bytes_freed: 0, skipped_young: 0, skipped_in_flight: 0, inserts_in_flight: 0,
    temp_files_found: 0, temp_files_deleted: 0, multipart_uploads_found: 0, multipart_uploads_aborted: 0, stale_intents_removed: 0,
    errors: [], scan_errors: [], warnings: [],
  };
  // One control area per distinct location: inserts announce themselves in their own store's.
  const control: Array<{ store: Store; root: string }> = [{ store, root }];
  for (const s of scope.slice(1)) {
    if (!s.root || control.some((c) => c.root === s.root)) continue;
    try {
      control.push({ store: await openStore(config, s.name), root: s.root });
    } catch (err) {
      report.scan_errors.push(`store ${s.name} (same location as ${storeName}): ${(err as Error).message}`);
    }
  }
  const runs = opts.dryRun ? [] : control.map((c) => new GcRun(c.store));
  try {
    // 1. Announce this run where inserts look (so one that reuses an object waits for it to end).
    for (const r of runs) await r.start();
    // 2. What is stored in each schema's two sections, and what killed writes left there.
    const listed: Listed[] = [];
    const sections: string[] = [];
    for (const schema of opts.schemas) {
      for (const [kind, prefix] of [["hash", section(spec.hash_prefix, schema)], ["schema", section(spec.schema_prefix, schema)]] as const) {
        sections.push(prefix);
        try {
          for await (const o of store.list(prefix)) {
            if (kind === "hash" && !HASH_NAME.test(o.key.split("/").pop()!)) continue;
            if (kind === "hash") report.hash_paths_stored++;
            else report.schema_paths_stored++;
            listed.push({ ...o, kind });
          }
        } catch (err) {
          report.scan_errors.push(`listing ${storeName}:${prefix}: ${(err as Error).message}`);
        }
      }
    }
    const leftovers = await findLeftovers(store, sections, report);
    // 3. Intents AFTER listing: an object listed was written after its insert named it.
    const inFlight = new PathSet();
    const staleIntents: Array<() => Promise<void>> = [];
    try {
      await intentsInto(inFlight, control, report, staleIntents);
    } catch (err) {
      report.scan_errors.push(`reading insert intents: ${(err as Error).message}`);
    }
    // 4. References AFTER intents: an insert removes its intent only once its rows are committed.
    const refs = await collectReferences(session, scope, opts.schemas, storeName);
    report.scan_errors.push(...refs.scanErrors);
    report.hash_paths_referenced = refs.hash.size;
    report.schema_paths_referenced = refs.schema.size;

    const cutoff = Date.now() - opts.minAgeMs;
    const orphans: Listed[] = [];
    const aliased = new Map<string, string>();
    for (const o of listed) {
      const key = absoluteKey(root, o.key);
      if (refs.live.covers(key)) continue;
      const through = refs.elsewhere.get(o.key);
      if (through !== undefined && !aliased.has(through)) aliased.set(through, o.key);
      if (o.modified.getTime() > cutoff) report.skipped_young++;
      else if (inFlight.covers(key)) report.skipped_in_flight++;
      else orphans.push(o);
    }
    for (const o of orphans) {
      if (o.kind === "hash") {
        report.hash_paths_orphaned++;
        report.hash_paths_orphaned_bytes += o.size;
        report.orphaned_hash_paths.push(o.key);
      } else {
        report.schema_paths_orphaned++;
        report.schema_paths_orphaned_bytes += o.size;
        report.orphaned_schema_paths.push(o.key);
      }
    }
    // Rows reach this very path through another store name: the two names most likely reach one
    // location (a proxy, a second host name for one server) that the location check could not
    // match. Deleting would delete live data, so nothing is deleted.
    for (const [through, key] of aliased) {
      report.scan_errors.push(`${storeName}:${key} is referenced by rows through store "${through}": "${storeName}" and "${through}" look like one location under two names (e.g. an endpoint behind a proxy); check their endpoints, buckets and locations`);
    }
    report.orphaned_hash_paths.sort();
    report.orphaned_schema_paths.sort();
    const removable = oldLeftovers(leftovers, cutoff, (key) => inFlight.covers(absoluteKey(root, key)), report);
    if (opts.dryRun || report.scan_errors.length) return report;

    await testPause("gc-before-delete");
    // 5. Delete in batches, reading intents again before each: the check just before deleting.
    for (let at = 0; at < orphans.length; at += DELETE_BATCH) {
      try {
        await intentsInto(inFlight, control, report);
      } catch (err) {
        report.errors.push(`reading insert intents again: ${(err as Error).message}; stopped deleting`);
        return report;
      }
      const batch = orphans.slice(at, at + DELETE_BATCH).filter((o) => {
        if (!inFlight.covers(absoluteKey(root, o.key))) return true;
        report.skipped_in_flight++;
        return false;
      });
      for (let i = 0; i < batch.length; i += DELETES_IN_FLIGHT) {
        await Promise.all(batch.slice(i, i + DELETES_IN_FLIGHT).map((o) => deleteOne(store, o, report)));
      }
    }
    await removeLeftovers(store, removable, report);
    for (const remove of staleIntents) {
      await remove().then(
        () => void report.stale_intents_removed++,
        (err) => report.errors.push(`stale intent: ${(err as Error).message}`),
      );
    }
    return report;
  } finally {
    for (const r of runs) await r.stop();
  }
}

async function deleteOne(store: Store, o: Listed, report: GcReport): Promise<void> {
  try {
    await store.delete(o.key);
    report.deleted++;
    report.bytes_freed += o.size;
    if (o.kind === "hash") report.hash_paths_deleted++;
    else report.schema_paths_deleted++;
  } catch (err) {
    report.errors.push(`${o.key}: ${(err as Error).message}`);
  }
}
