/**
 * `dj delete`: rows matching a restriction (`--key`, `--where`), their part rows (as DataJoint deletes parts with their
 * master), and — with `--cascade` — rows of other tables that reference them. Without
 * `--cascade`, referencing rows are a conflict that names the tables. Everything is deleted in
 * one transaction, children first. Store objects stay until `dj gc` (DataJoint's rule).
 */
import { testPause } from "../lifecycle.js";
import { ConflictError, UsageError } from "../errors.js";
import { keyCondition, type Condition } from "../db/condition.js";
import type { KeyRow, Param } from "../db/types.js";
import type { Heading } from "../schema/heading.js";
import { openTable, type Session, type SessionOptions } from "./session.js";
import { restrictionOf, restricts, type RestrictionInput } from "./restriction.js";
import { applyPartIntegrity, type PartIntegrity } from "./part-integrity.js";

export interface DeletePlan {
  schema: string;
  table: string;
  rows: number;
}

interface Node {
  heading: Heading;
  /** Primary keys of the rows to delete. */
  keys: KeyRow[];
}

async function matchingKeys(session: Session, h: Heading, restriction: Condition | null): Promise<KeyRow[]> {
  const { compiler, driver } = session.dialect;
  const pk = h.attributes.filter((a) => a.inKey).map((a) => a.name);
  const where = compiler.where(restriction);
  const { rows } = await driver.query<Record<string, Param>>(compiler.select(h.schema, h.table, pk, where.clauses), where.params);
  return rows;
}

export async function deleteRows(session: Session, heading: Heading, input: RestrictionInput, opts: { cascade: boolean; dryRun: boolean; all?: boolean; partIntegrity?: PartIntegrity; confirmed?: DeletePlan[] }): Promise<DeletePlan[]> {
  const { introspector, compiler, driver } = session.dialect;
  if (!restricts(input) && !opts.all) {
    throw new UsageError(`no --key or --where given: this would delete every row of ${heading.schema}.${heading.className}`, {
      hint: "restrict with --key NAME=VALUE or --where EXPR, or add --all to delete the whole table",
      code: "usage.all",
    });
  }
  if (restricts(input) && opts.all) throw new UsageError("--all deletes every row; it cannot be combined with --key or --where", { code: "usage.all" });
  const restriction = restrictionOf(heading, input);
  const nodes: Node[] = [];
  const blocked: string[] = [];

  const visit = async (h: Heading, rows: KeyRow[], depth: number) => {
    if (rows.length === 0) return;
    nodes.push({ heading: h, keys: rows });
    if (depth > 32) throw new ConflictError("dependency chain too deep while cascading", { code: "delete.depth" });
    for (const c of await introspector.children(h.schema, h.table)) {
      const child = await introspector.heading(c.schema, c.table);
      if (!child) continue;
      const childRows: KeyRow[] = [];
      for (const fk of child.foreignKeys.filter((f) => f.parentSchema === h.schema && f.parentTable === h.table)) {
        for (const row of rows) {
          const r: KeyRow = {};
          fk.columns.forEach((col, i) => (r[col] = row[fk.refColumns[i]!] ?? null));
          childRows.push(...(await matchingKeys(session, child, keyCondition(r))));
        }
      }
      if (childRows.length === 0) continue;
      const isPart = child.master === h.table && child.schema === h.schema;
      if (!isPart && !opts.cascade) {
        blocked.push(`${child.schema}.${child.table} (${childRows.length} row${childRows.length === 1 ? "" : "s"})`);
        continue;
      }
      await visit(child, childRows, depth + 1);
    }
  };
  await visit(heading, await matchingKeys(session, heading, restriction), 0);
  // Part rows go only with their master row (DataJoint's part_integrity).
  await applyPartIntegrity(
    opts.partIntegrity ?? "enforce",
    heading,
    nodes,
    async (part) => (part.master ? introspector.heading(part.schema, part.master) : null),
    async (master, keys) => visit(master, (await Promise.all(keys.map((k) => matchingKeys(session, master, keyCondition(k))))).flat(), 0),
  );
  if (blocked.length) {
    throw new ConflictError(`rows of other tables reference the rows to delete: ${blocked.join(", ")}`, {
      hint: "delete those first, or add --cascade to delete them too",
      code: "delete.referenced",
    });
  }
  // Children were visited after their parents: delete in reverse.
  const plan = new Map<string, DeletePlan>();
  const counted = new Map<string, Set<string>>();
  for (const n of nodes) {
    const key = `${n.heading.schema}.${n.heading.table}`;
    // A table reached twice (a master pulled in by its part) counts each row once.
    const rows = counted.get(key) ?? new Set<string>();
    for (const k of n.keys) rows.add(JSON.stringify(k, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    counted.set(key, rows);
    plan.set(key, { schema: n.heading.schema, table: n.heading.table, rows: rows.size });
  }
  if (opts.dryRun) return [...plan.values()];
  if (opts.confirmed) assertUnchanged(opts.confirmed, [...plan.values()]);
  await driver.transaction(async (conn) => {
    for (const n of [...nodes].reverse()) {
      for (const k of n.keys) {
        const where = compiler.where(keyCondition(k));
        await conn.query(compiler.delete(n.heading.schema, n.heading.table, where.clauses), where.params);
      }
    }
  });
  return [...plan.values()];
}

/** What `dj delete` would remove (a dry run), and the delete itself, run after the user agreed. */
export interface RowDeletePlan {
  tables: DeletePlan[];
  total: number;
  run(): Promise<DeletePlan[]>;
}

export async function planRowDelete(
  opts: SessionOptions,
  target: { ref: string; schema?: string },
  restriction: RestrictionInput,
  how: { cascade: boolean; all: boolean; partIntegrity?: PartIntegrity },
): Promise<RowDeletePlan> {
  const { session, heading } = await openTable(opts, target.ref, target.schema);
  const tables = await deleteRows(session, heading, restriction, { ...how, dryRun: true });
  return {
    tables,
    total: tables.reduce((n, p) => n + p.rows, 0),
    // Planned again before the delete: rows may have changed while the user was asked, and what
    // runs must be what was confirmed (rows are then deleted by their exact keys).
    run: async () => {
      await testPause("delete-confirmed");
      return deleteRows(session, heading, restriction, { ...how, dryRun: false, confirmed: tables });
    },
  };
}

/** The delete about to run removes exactly the rows the user agreed to, table by table. */
function assertUnchanged(confirmed: DeletePlan[], now: DeletePlan[]): void {
  const text = (p: DeletePlan[]) => p.map((t) => `${t.schema}.${t.table}: ${t.rows}`).sort().join(", ");
  if (text(confirmed) === text(now)) return;
  throw new ConflictError(`the rows to delete changed while you were asked (confirmed ${text(confirmed)}; now ${text(now)}): nothing was deleted`, {
    hint: "run the delete again to see the new counts",
    code: "delete.changed",
  });
}
