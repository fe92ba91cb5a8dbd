/**
 * The references side of `dj gc`: every path a row of the scanned schemas references, in any
 * store of the gc's scope (store names for overlapping locations), as `{root}/{path}` keys.
 * Read from raw column values (never decoded) through each codec's `referencedPaths`. A store
 * codec that cannot say what it references is a scan error: never "no references".
 */
import type { ResolvedConfig } from "../config/types.js";
import type { StoreRoot } from "../stores/location.js";
import { PathSet } from "../stores/path-set.js";
import { resolveAttributeCodec } from "./codec-context.js";
import type { Session } from "./session.js";
import { schemaTables } from "./schema-tables.js";

export interface References {
  /** Every referenced key, for the live test (covers objects inside referenced folders). */
  live: PathSet;
  /** Distinct referenced keys in the collected store, by kind, for the report's counts. */
  hash: Set<string>;
  schema: Set<string>;
  /**
   * Paths referenced through store names outside the scope, by path: a candidate of the collected
   * store at one of these paths means two names reach one location that dj could not match (an
   * endpoint behind a proxy or a second host name), so its "orphan" is live data.
   */
  elsewhere: Map<string, string>;
  scanErrors: string[];
}

/** `{root}/{path}`: one key space for every store of the scope. */
export const absoluteKey = (root: string, path: string) => `${root}/${path.replace(/^\/+/, "")}`;

function storeOfRef(config: ResolvedConfig, refStore: string | null): string | null {
  return refStore === null || refStore === "" ? config.stores.default : refStore;
}

export async function collectReferences(session: Session, scope: StoreRoot[], schemas: string[], collected: string): Promise<References> {
  const { config, dialect, registry } = session;
  const roots = new Map(scope.filter((s) => s.root).map((s) => [s.name, s.root!]));
  const refs: References = { live: new PathSet(), hash: new Set(), schema: new Set(), elsewhere: new Map(), scanErrors: [] };
  for (const schema of schemas) {
    if (!(await dialect.introspector.schemaExists(schema))) {
      refs.scanErrors.push(`schema ${schema} does not exist`);
      continue;
    }
    for (const { info: t, heading } of await schemaTables(dialect.introspector, schema)) {
      for (const a of heading.attributes.filter((x) => x.codec)) {
        const where = `${schema}.${t.name}.${a.name}`;
        let resolved;
        try {
          resolved = await resolveAttributeCodec(registry, config, a);
        } catch (err) {
          refs.scanErrors.push(`${where}: ${(err as Error).message} — cannot tell which objects it references`);
          continue;
        }
        if (resolved.chain.store === null) continue; // in-table value
        const last = resolved.chain.chain[resolved.chain.chain.length - 1]!;
        if (!last.referencedPaths) {
          refs.scanErrors.push(`${where}: <${last.name}> is a store codec but does not report references (referencedPaths) — cannot tell which objects it references`);
          continue;
        }
        const flagged = resolved.chain.chain.some((c) => c.schemaAddressed) ? refs.schema : refs.hash;
        // Counted by the section the path lies in (so a plugin need not set schemaAddressed).
        const kindOf = (name: string, path: string) => {
          const spec = config.stores.specs[name];
          const under = (prefix: string | undefined) => !!prefix && path.startsWith(prefix.replace(/^\/+|\/+$/g, "") + "/");
          return under(spec?.schema_prefix) ? refs.schema : under(spec?.hash_prefix) ? refs.hash : flagged;
        };
        const w = dialect.compiler.where(null);
        const { rows } = await dialect.driver.query<Record<string, unknown>>(dialect.compiler.select(schema, t.name, [a.name], w.clauses), w.params);
        let bad = 0;
        let firstProblem = "";
        for (const row of rows) {
          const raw = row[a.name];
          if (raw === null || raw === undefined) continue;
          let paths;
          try {
            const stored = typeof raw === "string" ? JSON.parse(raw) : Buffer.isBuffer(raw) ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) : raw;
            paths = last.referencedPaths(stored);
          } catch (err) {
            if (bad++ === 0) firstProblem = (err as Error).message;
            continue;
          }
          for (const ref of paths) {
            const name = storeOfRef(config, ref.store);
            const root = name === null ? undefined : roots.get(name);
            if (root === undefined) {
              if (name !== null) refs.elsewhere.set(ref.path.replace(/^\/+/, ""), name); // another store's object
              continue;
            }
            const key = absoluteKey(root, ref.path);
            refs.live.add(key);
            if (name === collected || root === roots.get(collected)) kindOf(name!, ref.path).add(key);
          }
        }
        if (bad) refs.scanErrors.push(`${where}: ${bad} value(s) whose references cannot be read (${firstProblem})`);
      }
    }
  }
  return refs;
}
