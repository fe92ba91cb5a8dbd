/**
 * `dj gc`: objects no row references, found with DataJoint's rules (datajoint-compat.md §7).
 *
 * References come from the raw column values of every codec attribute of the schemas' tables
 * (the codec's `referencedPaths`); they count for this store when their `"store"` names it or is
 * empty (the default). Candidates are only files under `{hash_prefix}/{schema}/` with 26-char
 * base32 names and files under `{schema_prefix}/{schema}/`; a schema file is live when it is a
 * referenced path, lies under one (a Zarr array, an object folder) or is its `.manifest.json`.
 * Objects younger than `minAge` are never candidates, and nothing is deleted when any scan failed.
 */
import { getStoreSpec } from "../config/store-spec.js";
import { UsageError } from "../errors.js";
import { HASH_NAME } from "../stores/addressing.js";
import { openStore } from "../stores/open.js";
import type { ObjectInfo } from "../stores/types.js";
import { resolveAttributeCodec } from "./codec-context.js";
import type { Session } from "./session.js";

export interface GcReport {
  store: string;
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
  errors: string[];
  scan_errors: string[];
}

/** `1h`, `30m`, `2d`, `45s`, `0` → milliseconds. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--min-age expects a duration such as 1h, 30m, 2d or 0, got ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "s"]!;
  return Number(m[1]) * unit;
}

const section = (prefix: string, schema: string) => [prefix.replace(/^\/+|\/+$/g, ""), schema].filter(Boolean).join("/") + "/";

export async function collectGarbage(session: Session, opts: { schemas: string[]; store: string | null; dryRun: boolean; minAgeMs: number }): Promise<GcReport> {
  const { config, dialect, registry } = session;
  const { name: storeName, spec } = getStoreSpec(config, opts.store);
  const store = await openStore(config, storeName);
  const report: GcReport = {
    store: storeName, schemas: opts.schemas, dry_run: opts.dryRun,
    hash_paths_referenced: 0, hash_paths_stored: 0, hash_paths_orphaned: 0, hash_paths_orphaned_bytes: 0, orphaned_hash_paths: [],
    schema_paths_referenced: 0, schema_paths_stored: 0, schema_paths_orphaned: 0, schema_paths_orphaned_bytes: 0, orphaned_schema_paths: [],
    hash_paths_deleted: 0, schema_paths_deleted: 0, deleted: 0, bytes_freed: 0, skipped_young: 0, errors: [], scan_errors: [],
  };
  const hashRefs = new Set<string>();
  const schemaRefs = new Set<string>();
  const orphans: Array<ObjectInfo & { kind: "hash" | "schema" }> = [];
  const cutoff = Date.now() - opts.minAgeMs;

  for (const schema of opts.schemas) {
    if (!(await dialect.introspector.schemaExists(schema))) {
      report.scan_errors.push(`schema ${schema} does not exist`);
      continue;
    }
    // 1. References, from raw column values (never decoded).
    for (const t of await dialect.introspector.tables(schema)) {
      const h = await dialect.introspector.heading(schema, t.name);
      for (const a of h?.attributes.filter((x) => x.codec) ?? []) {
        let resolved;
        try {
          resolved = await resolveAttributeCodec(registry, config, a);
        } catch (err) {
          report.scan_errors.push(`${schema}.${t.name}.${a.name}: ${(err as Error).message} — cannot tell which objects it references`);
          continue;
        }
        if (resolved.chain.store === null) continue; // in-table value
        const last = resolved.chain.chain[resolved.chain.chain.length - 1]!;
        const isSchemaObject = resolved.chain.chain.some((c) => c.schemaAddressed);
        const where = dialect.compiler.where({});
        const { rows } = await dialect.driver.query<Record<string, unknown>>(dialect.compiler.select(schema, t.name, [a.name], where.clauses), where.params);
        for (const row of rows) {
          const raw = row[a.name];
          if (raw === null || raw === undefined) continue;
          const stored = typeof raw === "string" ? JSON.parse(raw) : raw;
          for (const ref of last.referencedPaths?.(stored) ?? []) {
            const refStore = ref.store === null || ref.store === "" ? config.stores.default : ref.store;
            if (refStore !== storeName) continue;
            (isSchemaObject ? schemaRefs : hashRefs).add(ref.path);
          }
        }
      }
    }
    // 2. What is stored in this schema's two sections.
    for (const [kind, prefix] of [["hash", section(spec.hash_prefix, schema)], ["schema", section(spec.schema_prefix, schema)]] as const) {
      try {
        for await (const o of store.list(prefix)) {
          if (kind === "hash") {
            if (!HASH_NAME.test(o.key.split("/").pop()!)) continue;
            report.hash_paths_stored++;
            if (hashRefs.has(o.key)) continue;
          } else {
            report.schema_paths_stored++;
            const live = schemaRefs.has(o.key) || [...schemaRefs].some((r) => o.key.startsWith(r + "/") || o.key === r + ".manifest.json");
            if (live) continue;
          }
          if (o.modified.getTime() > cutoff) {
            report.skipped_young++;
            continue;
          }
          orphans.push({ ...o, kind });
        }
      } catch (err) {
        report.scan_errors.push(`listing ${storeName}:${prefix}: ${(err as Error).message}`);
      }
    }
  }
  report.hash_paths_referenced = hashRefs.size;
  report.schema_paths_referenced = schemaRefs.size;
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
  report.orphaned_hash_paths.sort();
  report.orphaned_schema_paths.sort();
  if (opts.dryRun || report.scan_errors.length) return report;
  // In-flight inserts elsewhere are protected by --min-age: their objects are younger than it.
  for (const o of orphans) {
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
  return report;
}
