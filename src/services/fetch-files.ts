/**
 * `dj fetch --out PATH`: decoded values written to files. One value goes to PATH itself (a file
 * name, or into PATH when it is a folder); several go under PATH as `<k=v>/…/<attr>.<ext>`, one
 * folder level per key attribute. Each value is written whole (output.ts); when one fails, the
 * error says which were written, so a retry can skip them.
 */
import { stat } from "node:fs/promises";
import { extname, join } from "node:path";
import type { DecodedValue } from "../codecs/types.js";
import { UsageError } from "../errors.js";
import type { Attribute } from "../schema/heading.js";
import { plural } from "../plural.js";
import { counted } from "./counted.js";
import { decodeCell, fetchRows, type FetchedRow, type FetchQuery } from "./fetch.js";
import type { OutputFormat } from "./output.js";
import { openTable, type SessionOptions } from "./session.js";

/** Values at least this large get a progress line (the threshold insert uses). */
const LARGE_VALUE_BYTES = 64 << 20;

export interface FetchFilesRequest extends FetchQuery {
  ref: string;
  schema?: string;
  out: string;
  format?: OutputFormat;
  /** Decoding options for the codecs (`{inverse: "algebraic"}` for photon). */
  fetchOptions: Record<string, unknown>;
  /** A progress line for a large value; returns the byte counter. */
  progress?: (label: string, total: number) => { add(bytes: number): void; done(): void };
}

/** The files written, in order. */
export async function fetchToFiles(opts: SessionOptions, q: FetchFilesRequest): Promise<string[]> {
  const { session, heading } = await openTable(opts, q.ref, q.schema);
  const result = await fetchRows(session, heading, q);
  // Files are written for codec values; plain values too when --attr names them.
  const valueAttrs = result.attributes.filter((a) => !a.inKey && (q.attrs ? q.attrs.includes(a.name) : a.codec !== null));
  const targets = result.rows.flatMap((row) => valueAttrs.filter((a) => row.raw[a.name] !== null).map((a) => ({ row, a })));
  const table = `${heading.schema}.${heading.className}`;
  if (targets.length === 0) throw nothingToWrite(table, result.rows.length, valueAttrs.map((a) => a.name), q.keys.length > 0 || q.where !== undefined);
  const outIsDir = (await stat(q.out).catch(() => null))?.isDirectory() ?? false;
  // `--out x.npy` names one file: several values there would need a folder, which is not what
  // the user asked for (and a folder named x.npy surprises everyone). `--out x.d/` is a folder.
  if (targets.length > 1 && !outIsDir && extname(q.out) !== "" && !/[\\/]$/.test(q.out)) {
    const rowCount = new Set(targets.map((t) => t.row)).size;
    throw new UsageError(`--out ${q.out} is one file, but ${plural(targets.length, "value")} match (${plural(rowCount, "row")} of ${table})`, {
      hint: "restrict to one row with --key (and one attribute with --attr), or give a folder: --out DIR writes DIR/<key>/<attr>.<ext>",
      code: "usage.out",
    });
  }
  const { writeDecoded, extensionFor, withProgressNote } = await import("./output.js");
  const decode = async (row: FetchedRow, a: Attribute): Promise<{ decoded: DecodedValue; done: () => void }> => {
    const decoded = (await decodeCell(session, result, row, a, q.fetchOptions))!;
    const array = decoded.kind === "ndarray" || decoded.kind === "tree" ? decoded.array : undefined;
    if (!array || !q.progress || array.byteLength < LARGE_VALUE_BYTES || (decoded.kind === "tree" && q.format === "zarr")) return { decoded, done: () => {} };
    const bar = q.progress(a.name, array.byteLength);
    return { decoded: { ...decoded, array: counted(array, (n) => bar.add(n)) } as DecodedValue, done: () => bar.done() };
  };
  const written: string[] = [];
  try {
    if (targets.length === 1 && !outIsDir) {
      const { row, a } = targets[0]!;
      const { decoded, done } = await decode(row, a);
      written.push(await writeDecoded(decoded, q.out, q.format));
      done();
    } else {
      for (const { row, a } of targets) {
        const { decoded, done } = await decode(row, a);
        const folder = join(q.out, ...Object.entries(row.key).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`));
        // An attachment keeps its own file name, in a folder named after the attribute.
        const target = decoded.kind === "file" ? join(folder, a.name) : join(folder, a.name + extensionFor(decoded, q.format));
        written.push(await writeDecoded(decoded, target, q.format, { attachmentFolder: true }));
        done();
      }
    }
  } catch (err) {
    // The values written so far stay (each is whole); say which, so a retry can skip them.
    throw withProgressNote(err, written, targets.length);
  }
  return written;
}

/** Why `fetch --out` has nothing to write, plainly. */
function nothingToWrite(table: string, rows: number, attrs: string[], restricted: boolean): UsageError {
  const code = "usage.empty";
  if (rows === 0) {
    return restricted
      ? new UsageError(`no row of ${table} matches the key: nothing to write`, { hint: `\`dj fetch ${table}\` lists its rows`, code })
      : new UsageError(`${table} has no rows: nothing to write`, { hint: `rows come with \`dj insert ${table} ...\``, code });
  }
  if (attrs.length === 0) {
    return new UsageError(`${table} has no codec attributes to write to files`, { hint: "name plain attributes with --attr, or fetch without --out to print the rows", code });
  }
  return new UsageError(`nothing to write: ${rows === 1 ? "the matching row has" : `none of the ${rows} matching rows has`} a value in ${attrs.join(", ")}`, { code });
}
