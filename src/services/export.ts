/**
 * `dj fetch TABLE --format csv|jsonl`: the plain attributes of every matching row, streamed.
 * Rows come from the driver in batches (Driver.each: a server cursor, a row stream or a
 * statement iterator), each batch is written before the next is read, so memory stays flat
 * however many rows match. With `--out FILE` the file appears whole or not at all (a temporary
 * name, renamed at the end); on stdout a reader that went away (EPIPE: `| head`) ends the
 * export quietly, as `cat` does.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import { trackTempFile } from "../lifecycle.js";
import { csvHeader, csvRecord, jsonlLine } from "./export-format.js";
import { fetchedAttributes, fetchSelect, type FetchQuery } from "./fetch.js";
import { asOutputError } from "./output.js";
import { openTable, type SessionOptions } from "./session.js";

export type ExportFormat = "csv" | "jsonl";

export interface ExportRequest extends FetchQuery {
  ref: string;
  schema?: string;
  format: ExportFormat;
  /** A file to write; without it, `stdout`. */
  out?: string;
}

export interface ExportResult {
  table: string;
  rows: number;
  /** Where the rows went: the file, or null for stdout. */
  out: string | null;
  /** True when stdout's reader closed before the end (EPIPE). */
  cut: boolean;
}

/** Rows per driver batch: large enough to amortise round trips, small enough to be nothing in memory. */
export const EXPORT_BATCH = 1000;

/** Writes with backpressure; remembers an error the stream raised between writes. */
function writer(stream: Writable) {
  let failure: Error | null = null;
  stream.on("error", (err: Error) => (failure ??= err));
  return {
    async write(text: string): Promise<void> {
      if (failure) throw failure;
      if (!stream.write(text)) await once(stream, "drain");
      if (failure) throw failure;
    },
    failure: () => failure,
  };
}

export async function exportRows(opts: SessionOptions, req: ExportRequest, stdout: Writable): Promise<ExportResult> {
  const { session, heading } = await openTable(opts, req.ref, req.schema);
  // Built (and so checked: names, values, order) before anything is opened for writing.
  const attributes = fetchedAttributes(heading, req.attrs);
  const select = fetchSelect(session, heading, attributes, req);
  const table = `${heading.schema}.${heading.table}`;
  const line = req.format === "csv" ? csvRecord : jsonlLine;
  let rows = 0;
  const run = async (sink: Writable) => {
    const w = writer(sink);
    if (req.format === "csv") await w.write(csvHeader(attributes));
    await session.dialect.driver.each<Record<string, unknown>>(select.sql, select.params, EXPORT_BATCH, async (batch) => {
      // One write per batch: fewer syscalls, and the batch is let go as soon as it is written.
      await w.write(batch.map((r) => line(attributes, r)).join(""));
      rows += batch.length;
    });
    return w;
  };

  if (req.out === undefined) {
    try {
      const w = await run(stdout);
      // Flushed before the command returns, so an EPIPE at the very end is seen here too.
      await new Promise<void>((resolve) => stdout.write("", () => resolve()));
      if (w.failure()) throw w.failure();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EPIPE") return { table, rows, out: null, cut: true };
      throw asOutputError(err, "stdout");
    }
    return { table, rows, out: null, cut: false };
  }

  const tmp = `${req.out}.${process.pid}.partial`;
  const untrack = trackTempFile(tmp);
  try {
    const file = createWriteStream(tmp, { flags: "wx" });
    await once(file, "open");
    await run(file);
    file.end();
    await once(file, "finish");
    await rename(tmp, req.out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw asOutputError(err, req.out);
  } finally {
    untrack();
  }
  return { table, rows, out: req.out, cut: false };
}
