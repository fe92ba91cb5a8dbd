/**
 * `dj fetch --slice`: one array value, sliced with NumPy's basic indexing, read as little as its
 * codec allows (readSelection) and written as `.npy` — to `--out FILE` (atomically, as every fetch
 * writes) or handed back as `.npy` bytes for stdout. The slice text is checked before the database
 * is asked; the indices are checked against the array's shape before any data is read.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { DecodedValue } from "../codecs/types.js";
import { UsageError } from "../errors.js";
import { numpyDtypeString } from "../formats/dtype.js";
import { sourceFromMemory, type InMemoryArray, type NdArraySource } from "../formats/ndarray.js";
import { npyHeaderBytes } from "../formats/npy.js";
import { readSelection } from "../formats/slice-read.js";
import { normalizeSlice, parseSlice } from "../formats/slice.js";
import type { Heading } from "../schema/heading.js";

/** The slice text alone, checked before a command opens anything. */
export { parseSlice };
import { decodeCell } from "./fetch.js";
import { theOneValue, valueTargets } from "./one-value.js";
import type { Session, SessionOptions } from "./session.js";

export interface SliceQuery {
  keys: string[];
  where?: string;
  attrs?: string[];
  slice: string;
  /** A file to write; without it the `.npy` bytes are returned. */
  out?: string;
  fetchOptions?: Record<string, unknown>;
}

export interface SliceResult {
  attr: string;
  key: Record<string, unknown>;
  dtype: string;
  shape: number[];
  written?: string;
  /** The whole `.npy` file, when no `out` was given. */
  npy?: Uint8Array;
}

function arrayOf(decoded: DecodedValue, attr: string): NdArraySource {
  if (decoded.kind === "ndarray") return decoded.array;
  if (decoded.kind === "tree" && decoded.array) return decoded.array;
  throw new UsageError(`--slice needs an array, but ${attr} holds ${decoded.kind === "file" ? "an attachment" : decoded.kind === "value" ? "a value that is not an array" : `a ${decoded.kind}`}`, {
    hint: "slice attributes of array codecs: <zarr@>, <npy@>, <photon@>, <blob>",
    code: "usage.slice",
  });
}

export async function fetchSlice(session: Session, heading: Heading, q: SliceQuery): Promise<SliceResult> {
  const items = parseSlice(q.slice);
  const { result, targets } = await valueTargets(session, heading, { keys: q.keys, where: q.where, attrs: q.attrs });
  const { row, attr } = theOneValue(heading, targets, "--slice");
  // `boxOnly`: only a box of the value is read, so a codec may skip checks that cost a pass over
  // the whole value (the zarr codec's listing of every chunk).
  const decoded = (await decodeCell(session, result, row, attr, { ...q.fetchOptions, boxOnly: true }))!;
  const source = arrayOf(decoded, attr.name);
  let sliced: InMemoryArray;
  try {
    sliced = await readSelection(source, normalizeSlice(items, source.shape, q.slice));
  } finally {
    await source.close?.();
  }
  const base = { attr: attr.name, key: row.key, dtype: numpyDtypeString(sliced.dtype), shape: sliced.shape };
  if (q.out) {
    const { writeDecoded } = await import("./output.js");
    // `--out DIR` (an existing folder) gets DIR/<attr>.npy, as a fetch of one value into a folder would.
    const isDir = (await stat(q.out).catch(() => null))?.isDirectory() ?? false;
    const target = isDir ? join(q.out, `${attr.name}.npy`) : q.out;
    return { ...base, written: await writeDecoded({ kind: "ndarray", array: sourceFromMemory(sliced) }, target, "npy") };
  }
  const header = npyHeaderBytes(sliced.dtype, sliced.shape, false);
  const npy = new Uint8Array(header.byteLength + sliced.data.byteLength);
  npy.set(header);
  npy.set(sliced.data, header.byteLength);
  return { ...base, npy };
}

/** `dj fetch TABLE --slice INDEX`: one array value of the table, sliced. */
export async function fetchTableSlice(where: SessionOptions, target: { ref: string; schema?: string }, q: SliceQuery): Promise<SliceResult> {
  const { openTable } = await import("./session.js");
  const { session, heading } = await openTable(where, target.ref, target.schema);
  return fetchSlice(session, heading, q);
}
