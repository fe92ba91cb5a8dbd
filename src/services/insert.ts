/**
 * `dj insert`: values are parsed and checked, objects are written first, then the row is
 * inserted in a transaction; when the row insert fails, the schema-addressed objects just
 * written are removed, so a failed insert leaves nothing behind (content-addressed `_hash`
 * objects excepted: they may be shared, and `dj gc` collects them). Every store access goes
 * through an InsertGuard (insert-guard.ts): intents for gc, the references check, undo on
 * SIGINT/SIGTERM. Each attribute's store is resolved once per insert (prepareTable).
 */
import type { KeyValue, MeasuredFigures } from "../codecs/types.js";
import { UsageError, isDjError } from "../errors.js";
import type { Connection } from "../db/types.js";
import type { WrittenObject } from "./codec-context.js";
import { encodeRow, prepareTable, type EncodeOptions, type EncodedRow, type Prepared } from "./encode-row.js";
import { InsertGuard } from "./insert-guard.js";
import { rowFromFlags, type RowInput } from "./row-input.js";
import { openTable, type Session, type SessionOptions } from "./session.js";

export interface InsertOutcome {
  status: "inserted" | "skipped";
  key: Record<string, KeyValue>;
  objects: number;
  /** Figures the codecs measured, by attribute (`ctx.report`); absent when none reported. */
  measured?: Record<string, MeasuredFigures>;
}

export interface InsertOptions extends EncodeOptions {
  /** One-line notices for the user (waiting for a concurrent gc). */
  notice?: (line: string) => void;
}

/** Which table a command inserts into, as it is shown back to the user. */
export interface InsertedTable {
  schema: string;
  /** SQL name. */
  table: string;
  className: string;
}

/** `dj insert TABLE --key … --set … --from …`: one row. */
export async function insertOne(
  opts: SessionOptions,
  target: { ref: string; schema?: string },
  flags: { key?: string[]; set?: string[]; from?: string[] },
  options: Omit<InsertOptions, "baseDir">,
): Promise<InsertOutcome & { target: InsertedTable }> {
  const { session, heading } = await openTable(opts, target.ref, target.schema);
  const prepared = await prepareTable(session, heading);
  const row = rowFromFlags(flags.key ?? [], flags.set ?? [], flags.from ?? []);
  const { explainForeignKeyError } = await import("./parents.js");
  const r = await insertRow(session, prepared, row, { ...options, baseDir: opts.cwd }).catch(async (err) => {
    throw await explainForeignKeyError(err, session, heading, [row.text]);
  });
  return { ...r, target: { schema: heading.schema, table: heading.table, className: heading.className } };
}

/** Rows per transaction for `--rows`: each batch is all or nothing. */
const BATCH_ROWS = 500;

/** `dj insert TABLE --rows FILE`: many rows, one transaction per batch of 500. */
export async function insertRowsFile(
  opts: SessionOptions,
  target: { ref: string; schema?: string },
  file: string,
  options: Pick<InsertOptions, "skipDuplicates" | "notice">,
): Promise<{ target: InsertedTable; inserted: number; skipped: number }> {
  const { session, heading } = await openTable(opts, target.ref, target.schema);
  const prepared = await prepareTable(session, heading);
  const { readRowsFile } = await import("./rows-file.js");
  const { explainForeignKeyError } = await import("./parents.js");
  const { plural } = await import("../plural.js");
  const { rows, baseDir } = await readRowsFile(opts.cwd, file);
  let inserted = 0;
  let skipped = 0;
  for (let at = 0; at < rows.length; at += BATCH_ROWS) {
    const batch = rows.slice(at, at + BATCH_ROWS);
    try {
      const r = await insertBatch(session, prepared, batch, { ...options, baseDir, label: file, rowOffset: at });
      inserted += r.inserted;
      skipped += r.skipped;
    } catch (caught) {
      const err = await explainForeignKeyError(caught, session, heading, batch.map((r) => r.text));
      if (err instanceof Error) err.message += ` (nothing of rows ${at + 1}–${at + batch.length} was kept; ${plural(inserted, "earlier row")} ${inserted === 1 ? "was" : "were"} inserted)`;
      throw err;
    }
  }
  return { target: { schema: heading.schema, table: heading.table, className: heading.className }, inserted, skipped };
}

/** `--rows` takes every value from the file: flags for one row next to it are a mistake. */
export function assertRowsAlone(flags: { key?: string[]; set?: string[]; from?: string[] }): void {
  if (flags.key || flags.from || flags.set) throw new UsageError("--rows cannot be combined with --key, --from or --set");
}

/** Insert one row: objects first, then the row in a transaction; a failure removes the objects. */
export async function insertRow(session: Session, prepared: Prepared, row: RowInput, opts: InsertOptions): Promise<InsertOutcome> {
  const written: WrittenObject[] = [];
  const guard = new InsertGuard(session.config, written, opts.notice);
  try {
    const encoded = await encodeRow(session, prepared, row, opts, written, guard);
    if (encoded.status === "skipped") {
      await guard.finish();
      return { status: "skipped", key: encoded.key, objects: 0 };
    }
    await guard.beforeCommit();
    await guard.commit(() => session.dialect.driver.transaction((conn) => insertEncoded(session, prepared, conn, [encoded])));
    await guard.finish();
    const measured = Object.keys(encoded.measured).length ? { measured: encoded.measured } : {};
    return { status: "inserted", key: encoded.key, objects: written.length, ...measured };
  } catch (err) {
    throw await withCleanup(err, guard);
  }
}

/**
 * Insert many rows as one batch: every row's objects are written first, then all rows go in
 * one transaction. When anything fails, nothing of the batch stays (objects removed, rows
 * rolled back). `rowOffset` numbers rows in messages.
 */
export async function insertBatch(session: Session, prepared: Prepared, rows: RowInput[], opts: InsertOptions & { label: string; rowOffset: number }): Promise<{ inserted: number; skipped: number }> {
  const written: WrittenObject[] = [];
  const guard = new InsertGuard(session.config, written, opts.notice);
  const ready: EncodedRow[] = [];
  let skipped = 0;
  try {
    for (const [i, row] of rows.entries()) {
      try {
        const encoded = await encodeRow(session, prepared, row, opts, written, guard);
        if (encoded.status === "skipped") skipped++;
        else ready.push(encoded);
      } catch (err) {
        if (err instanceof Error) err.message = `${opts.label} row ${opts.rowOffset + i + 1}: ${err.message}`;
        throw err;
      }
    }
    if (ready.length) {
      await guard.beforeCommit();
      await guard.commit(() => session.dialect.driver.transaction((conn) => insertEncoded(session, prepared, conn, ready)));
    }
    await guard.finish();
    return { inserted: ready.length, skipped };
  } catch (err) {
    throw await withCleanup(err, guard);
  }
}

async function insertEncoded(session: Session, prepared: Prepared, conn: Connection, rows: EncodedRow[]): Promise<void> {
  const { compiler } = session.dialect;
  for (const r of rows) {
    const names = Object.keys(r.columns);
    await conn.query(compiler.insert(prepared.heading.schema, prepared.heading.table, names, 1, {}), names.map((n) => r.columns[n]!));
  }
}

/** Remove what a failed insert wrote; if that fails too, say so in the error's hint. */
async function withCleanup(err: unknown, guard: InsertGuard): Promise<unknown> {
  const problems = await guard.fail();
  if (problems.length && isDjError(err)) {
    return Object.assign(err, { hint: `${err.hint ? err.hint + "; " : ""}could not remove ${problems.length} object(s) written: ${problems.join("; ")}` });
  }
  return err;
}

