/**
 * `dj insert`: values are parsed and checked, objects are written first, then the row is
 * inserted in a transaction; when the row insert fails, the schema-addressed objects just
 * written are removed, so a failed insert leaves nothing behind (content-addressed `_hash`
 * objects excepted: they may be shared, and `dj gc` collects them). Every store access goes
 * through an InsertGuard (insert-guard.ts): intents for gc, the references check, undo on
 * SIGINT/SIGTERM. Each attribute's store is resolved once per insert (prepareTable).
 */
import type { KeyValue, MeasuredFigures } from "../codecs/types.js";
import { plural } from "../plural.js";
import { UsageError, isDjError } from "../errors.js";
import type { WrittenObject } from "./codec-context.js";
import { duplicateError, encodeObjects, parseRow, prepareTable, skipRow, type EncodeOptions, type EncodedRow, type ParsedRow, type Prepared } from "./encode-row.js";
import { existingRows, insertEncoded, keyText } from "./insert-keys.js";
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
  const r = await insertParsed(session, prepared, [row], { ...opts, label: "", rowOffset: 0 });
  const only = r.rows[0]!;
  if (only.status === "skipped" || r.inserted === 0) return { status: "skipped", key: only.key, objects: 0 };
  const measured = Object.keys(only.measured).length ? { measured: only.measured } : {};
  return { status: "inserted", key: only.key, objects: r.objects, ...measured };
}

/**
 * Insert many rows as one batch: every row is parsed, then one duplicate check for the batch,
 * then every new row's objects are written, then all rows go in one transaction. When anything
 * fails, nothing of the batch stays (objects removed, rows rolled back). `rowOffset` numbers rows
 * in messages.
 */
export async function insertBatch(session: Session, prepared: Prepared, rows: RowInput[], opts: InsertOptions & { label: string; rowOffset: number }): Promise<{ inserted: number; skipped: number }> {
  const r = await insertParsed(session, prepared, rows, opts);
  return { inserted: r.inserted, skipped: rows.length - r.inserted };
}

/** Thrown inside the transaction to roll it back when a concurrent insert took a key (see below). */
class LostRace extends Error {}

async function insertParsed(
  session: Session,
  prepared: Prepared,
  rows: RowInput[],
  opts: InsertOptions & { label: string; rowOffset: number },
  retried = false,
): Promise<{ rows: EncodedRow[]; inserted: number; objects: number }> {
  const labelled = (i: number, err: unknown) => {
    if (opts.label && err instanceof Error) err.message = `${opts.label} row ${opts.rowOffset + i + 1}: ${err.message}`;
    return err;
  };
  const parsed: ParsedRow[] = [];
  try {
    for (const [i, row] of rows.entries()) parsed.push(await parseRow(prepared, row, opts).catch((err) => Promise.reject(labelled(i, err))));
  } catch (err) {
    for (const p of parsed) await skipRow(p);
    throw err;
  }

  const written: WrittenObject[] = [];
  const guard = new InsertGuard(session.config, written, opts.notice);
  const out: EncodedRow[] = [];
  let next = 0;
  try {
    const existing = await existingRows(session, prepared, parsed);
    const seen = new Set<string>();
    for (; next < parsed.length; next++) {
      const p = parsed[next]!;
      const text = keyText(p);
      // A key given twice in one batch is a duplicate of the first, as it would be one at a time.
      if (existing.has(next) || seen.has(text)) {
        if (!opts.skipDuplicates) throw labelled(next, duplicateError(prepared.heading, p.key));
        out.push(await skipRow(p));
        continue;
      }
      seen.add(text);
      out.push(await encodeObjects(session, prepared, p, opts, written, guard).catch((err) => Promise.reject(labelled(next, err))));
    }
    const ready = out.filter((r) => r.status === "ready");
    let inserted = 0;
    if (ready.length) {
      await guard.beforeCommit();
      inserted = await guard.commit(() =>
        session.dialect.driver.transaction(async (conn) => {
          const n = await insertEncoded(session, prepared, conn, ready, opts.skipDuplicates === true);
          // Another process inserted one of our keys after our check, and the dialect's verb skipped
          // it. Rows without objects are simply skipped; a row with objects would leave them orphaned,
          // so the batch is rolled back and done once more (the check then sees that key).
          if (n < ready.length && prepared.codecs.size && !retried) throw new LostRace();
          return n;
        }),
      );
    }
    await guard.finish();
    return { rows: out, inserted, objects: written.length };
  } catch (err) {
    for (const p of parsed) await skipRow(p);
    if (err instanceof LostRace) {
      await guard.fail();
      return insertParsed(session, prepared, rows, opts, true);
    }
    throw await withCleanup(err, guard);
  }
}

/** Remove what a failed insert wrote; if that fails too, say so in the error's hint. */
async function withCleanup(err: unknown, guard: InsertGuard): Promise<unknown> {
  const problems = await guard.fail();
  if (!problems.length) return err;
  const note = `could not remove ${plural(problems.length, "object")} written: ${problems.join("; ")}`;
  if (isDjError(err)) return Object.assign(err, { hint: `${err.hint ? err.hint + "; " : ""}${note}` });
  // An unexpected error (a bug) is reported as internal; what it left behind must still be said.
  if (err instanceof Error) err.message += ` (${note})`;
  return err;
}

