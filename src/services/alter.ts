/**
 * `dj alter FILE.dj`: bring existing tables to their definitions in the files, as DataJoint's
 * `Table.alter()` does — secondary attributes added, dropped or changed, and the table comment.
 * Everything is checked before anything runs: a primary-key, foreign-key or index difference in
 * any table refuses the whole run (exit 8, with the diff). Dropping attributes loses data, so
 * it needs the caller's confirmation. Tables not yet in the database are left to `dj declare`.
 * `~lineage` holds only key and foreign-key attributes, which alter never touches.
 * Where DDL is transactional (PostgreSQL) the whole run is one transaction; elsewhere each
 * table's statements run on their own (MySQL commits every ALTER TABLE by itself).
 */
import { ConflictError, UsageError } from "../errors.js";
import { renderDiff } from "../schema/heading-diff.js";
import { diffPipeline, type TableDiff } from "./schema-diff.js";
import type { Session, SessionOptions } from "./session.js";

export interface AlterResult {
  schema: string;
  className: string;
  table: string;
  status: "altered" | "planned" | "unchanged" | "missing";
  /** Attributes dropped (their data is lost). */
  dropped: string[];
  sql: string[];
}

export interface AlterOptions {
  schema?: string;
  dryRun?: boolean;
  /** Asked once, with every attribute to drop, before anything runs; false refuses the run. */
  confirmDrops?: (drops: string[]) => Promise<boolean>;
}

const label = (t: TableDiff) => `${t.schema}.${t.className} (${t.table})`;

export async function alterPipeline(session: Session, files: string[], cwd: string, opts: AlterOptions = {}): Promise<AlterResult[]> {
  const { compiler, driver } = session.dialect;
  const tables = await diffPipeline(session, files, cwd, { schema: opts.schema });

  const refused = tables.filter((t) => t.diff && t.diff.refused.length > 0);
  if (refused.length) {
    const what = [...new Set(refused.flatMap((t) => t.diff!.refused.map((r) => r.what)))].join(", ");
    throw new ConflictError(`alter cannot change the ${what} of a table; nothing was altered:\n${refused.map((t) => [`${label(t)}:`, ...renderDiff(t.diff!)].join("\n")).join("\n")}`, {
      hint: "a primary key, foreign key or index changes only by dropping and re-declaring the table (`dj drop`, then `dj declare`)",
      code: "alter.refused",
    });
  }
  const alter = compiler.alterTable?.bind(compiler);
  if (!alter && tables.some((t) => t.status === "different")) {
    throw new ConflictError(`dj alter is not available for the ${session.dialect.name} database yet`, { code: "alter.unsupported" });
  }

  const results: Array<AlterResult & { before: string[]; after: string[]; onlyWhenEmpty?: string }> = tables.map((t) => {
    const base = { schema: t.schema, className: t.className, table: t.table, dropped: [] as string[], sql: [] as string[], before: [] as string[], after: [] as string[] };
    if (t.status !== "different") return { ...base, status: t.status === "missing" ? "missing" : "unchanged" };
    const s = alter!(t.existing!, t.heading, t.diff!);
    return { ...base, status: opts.dryRun ? "planned" : "altered", dropped: t.diff!.dropped.map((a) => `${t.schema}.${t.className}.${a.name}`), sql: s.statements, before: s.before, after: s.after, onlyWhenEmpty: s.onlyWhenEmpty };
  });

  for (const r of results) {
    if (!r.onlyWhenEmpty || opts.dryRun) continue;
    const { rows } = await driver.query<{ n: number }>(compiler.count(r.schema, r.table, []));
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) {
      throw new ConflictError(`cannot alter ${r.schema}.${r.className} (${r.table}), which has ${n} row${n === 1 ? "" : "s"}: ${r.onlyWhenEmpty}; nothing was altered`, {
        hint: "give the attribute a default (`name = value : type`) or make it nullable (`= null`)",
        code: "alter.fill",
      });
    }
  }
  const drops = results.flatMap((r) => r.dropped);
  if (drops.length && !opts.dryRun && !(await (opts.confirmDrops ?? (async () => false))(drops))) {
    throw new UsageError(`refusing to drop ${drops.length === 1 ? "attribute" : `${drops.length} attributes`} ${drops.join(", ")} (${drops.length === 1 ? "its" : "their"} values are lost) without --force`, {
      hint: "run on a terminal to confirm, or add --force; --dry-run shows the SQL",
      code: "usage.force",
    });
  }
  const altered = results.filter((x) => x.status === "altered");
  if (!opts.dryRun && compiler.transactionalDdl) {
    // One transaction for the whole run: a table that fails leaves the ones before it unchanged too.
    await driver.transaction(async (conn) => {
      for (const r of altered) for (const s of [...r.before, ...r.sql, ...r.after]) await conn.query(s);
    });
  } else if (!opts.dryRun) {
    for (const r of altered) {
      for (const s of r.before) await driver.query(s);
      try {
        await driver.transaction(async (conn) => {
          for (const s of r.sql) await conn.query(s);
        });
      } finally {
        for (const s of r.after) await driver.query(s);
      }
    }
  }
  return results.map(({ before: _b, after: _a, onlyWhenEmpty: _e, ...r }) => ({ ...r, sql: [..._b, ...r.sql, ..._a] }));
}

/** `dj alter FILE...`: the tables of the files changed to their definitions. */
export async function alterFiles(where: SessionOptions, files: string[], opts: AlterOptions = {}): Promise<AlterResult[]> {
  const { openSession } = await import("./session.js");
  return alterPipeline(await openSession(where), files, where.cwd, opts);
}
