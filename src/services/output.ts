/**
 * Decoded values → files on disk: arrays as `.npy` (streamed), attachments under their own
 * names, objects and Zarr trees copied as they are, other values as JSON. Files appear
 * atomically (temporary name, then rename), so an interrupted fetch leaves no half file, and a
 * failed one leaves nothing of the value it was writing.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { once } from "node:events";
import { testPause, trackTempFile } from "../lifecycle.js";
import type { DecodedValue } from "../codecs/types.js";
import { InputError, StoreError, UsageError, isDjError } from "../errors.js";
import { writeFailureCause } from "../write-failures.js";
import { BlobComplex, BlobDecimal, BlobTuple, BlobUuid } from "../formats/blob.js";
import { numpyDtypeString } from "../formats/dtype.js";
import { npyStream } from "../formats/npy.js";
import type { Store } from "../stores/types.js";

export type OutputFormat = "npy" | "zarr" | "json";

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * A file-system error while writing fetch output, as a dj error naming the path and the cause:
 * exit 7 when the path is what is wrong (a file where a folder is needed, a name too long),
 * exit 5 when the file system refuses (full, read-only, no permission, out of file handles) —
 * the output folder is treated like a store. Dj errors and other values pass through.
 */
export function asOutputError(err: unknown, path: string): unknown {
  if (isDjError(err)) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const cause = code ? writeFailureCause(code) : undefined;
  if (!cause) return err;
  const message = `cannot write ${path}: ${cause[1]} (${code})`;
  const hint = cause[0] === "store" ? (code === "ENOSPC" || code === "EDQUOT" ? "free some space, or write elsewhere with --out" : "choose another place with --out") : "choose another --out path";
  return cause[0] === "store" ? new StoreError(message, { hint, cause: err, code: cause[2] }) : new InputError(message, { hint, cause: err, code: cause[2] });
}

/** Add to a fetch error how many values were written before it (and where), in its hint. */
export function withProgressNote(err: unknown, written: string[], total: number): unknown {
  if (!isDjError(err) || total < 2) return err;
  const shown = written.slice(0, 3).join(", ") + (written.length > 3 ? ", …" : "");
  const note = written.length === 0 ? `none of the ${total} values was written` : `${written.length} of ${total} values ${written.length === 1 ? "was" : "were"} written before it (${shown})`;
  return Object.assign(err, { hint: err.hint ? `${err.hint}; ${note}` : note });
}

/** mkdir -p that reports the first folder it created, so a failed write can remove it again. */
async function makeParents(dir: string, created: string[]): Promise<void> {
  try {
    const first = await mkdir(dir, { recursive: true });
    if (first) created.push(first);
  } catch (err) {
    // mkdir -p says EEXIST when a file stands where a folder is needed: say that.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    throw new InputError(`cannot write into ${dir}: ${(err as NodeJS.ErrnoException).path ?? dir} is a file, not a folder`, { hint: "choose another --out path", cause: err, code: "output.enotdir" });
  }
}

/** Remove the folders a failed write made, with what it put in them (nothing else is inside). */
async function removeCreated(created: string[]): Promise<void> {
  for (const dir of created.reverse()) await rm(dir, { recursive: true, force: true }).catch(() => {});
}

async function writeStreamAtomic(path: string, body: Readable, created: string[]): Promise<void> {
  await makeParents(dirname(path), created);
  const tmp = `${path}.${process.pid}.partial`;
  // Tracked until renamed or removed: SIGINT/SIGTERM removes it (src/lifecycle.ts).
  const untrack = trackTempFile(tmp);
  try {
    const out = createWriteStream(tmp, { flags: "wx" });
    await once(out, "open");
    await testPause("fetch-partial");
    await pipeline(body, out);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw asOutputError(err, path);
  } finally {
    untrack();
  }
}

async function writeBytesAtomic(path: string, data: Uint8Array | string, created: string[]): Promise<void> {
  await writeStreamAtomic(path, Readable.from([typeof data === "string" ? Buffer.from(data) : data]), created);
}

async function copyTree(store: Store, prefix: string, target: string, created: string[]): Promise<number> {
  let n = 0;
  const base = prefix.replace(/\/+$/, "") + "/";
  const written: string[] = [];
  try {
    for await (const o of store.list(base)) {
      const stream = await store.getStream(o.key);
      if (!stream) continue;
      const file = join(target, ...o.key.slice(base.length).split("/"));
      await writeStreamAtomic(file, stream, created);
      written.push(file);
      n++;
    }
  } catch (err) {
    // Half a tree is no value: remove the files of it already copied (and folders made for it).
    for (const f of written) await rm(f, { force: true }).catch(() => {});
    throw err;
  }
  return n;
}

/**
 * An attachment's stored file name, checked before it becomes a path: it comes from the database
 * (any tool may have written it), so `..`, `.`, an empty name or one with a separator is refused.
 */
function attachmentName(name: string): string {
  const base = basename(name);
  if (base === "" || base === "." || base === ".." || base !== name || name.includes("\0")) {
    throw new InputError(`the attachment's stored file name ${JSON.stringify(name)} cannot be used as a file name`, {
      hint: "write it under a name of your choice with --out FILE",
      code: "output.name",
    });
  }
  return base;
}

/** The default file extension for a decoded value. */
export function extensionFor(v: DecodedValue, format?: OutputFormat): string {
  if (format === "json") return ".json";
  switch (v.kind) {
    case "ndarray":
      return ".npy";
    case "tree":
      return format === "zarr" || !v.array ? ".zarr" : ".npy";
    case "file":
      return "";
    case "objectRef":
      return v.ext ?? "";
    case "bytes":
      return ".bin";
    default:
      return ".json";
  }
}

/**
 * Write a decoded value to `target`; returns the path written. On failure nothing of the value
 * stays: the temporary file, the files of a half-copied tree and the folders made for it are
 * removed, and file-system errors become dj errors naming the path (asOutputError).
 */
export async function writeDecoded(v: DecodedValue, target: string, format?: OutputFormat, opts: { attachmentFolder?: boolean } = {}): Promise<string> {
  const created: string[] = [];
  try {
    // An attachment fetched with others keeps its own name, in a folder named after the attribute.
    if (opts.attachmentFolder && v.kind === "file") await makeParents(target, created);
    return await writeValue(v, target, format, created);
  } catch (err) {
    await removeCreated(created);
    throw asOutputError(err, target);
  }
}

async function writeValue(v: DecodedValue, target: string, format: OutputFormat | undefined, created: string[]): Promise<string> {
  if (format === "json") {
    await writeBytesAtomic(target, JSON.stringify(toJson(v), null, 2) + "\n", created);
    return target;
  }
  switch (v.kind) {
    case "ndarray":
      if (format === "zarr") throw new UsageError("--format zarr needs a Zarr value; this one is a plain array (use --format npy)");
      await writeStreamAtomic(target, npyStream(v.array), created);
      return target;
    case "tree":
      if (format === "zarr" || !v.array) {
        const n = await copyTree(v.store, v.prefix, target, created);
        if (n === 0) throw new StoreError(`store "${v.store.name}": nothing found under ${v.prefix}`, { code: "store.missing" });
        return target;
      }
      await writeStreamAtomic(target, npyStream(v.array), created);
      return target;
    case "file": {
      const path = (await isDir(target)) ? join(target, attachmentName(v.name)) : target;
      await writeBytesAtomic(path, v.data, created);
      return path;
    }
    case "bytes":
      await writeBytesAtomic(target, v.data, created);
      return target;
    case "objectRef": {
      if (v.isDir) {
        await copyTree(v.store, v.path, target, created);
        return target;
      }
      const stream = await v.store.getStream(v.path);
      if (!stream) throw new StoreError(`Missing external file ${v.store.root}/${v.path}`, { code: "store.missing" });
      await writeStreamAtomic(target, stream, created);
      return target;
    }
    case "value":
      await writeBytesAtomic(target, JSON.stringify(blobToJson(v.value), null, 2) + "\n", created);
      return target;
  }
}

/** A JSON view of a decoded value (arrays as dtype and shape). */
export function toJson(v: DecodedValue): unknown {
  switch (v.kind) {
    case "ndarray":
      return { dtype: numpyDtypeString(v.array.dtype), shape: v.array.shape };
    case "tree":
      return { path: v.prefix, store: v.store.name, ...(v.array ? { dtype: numpyDtypeString(v.array.dtype), shape: v.array.shape } : {}) };
    case "file":
      return { file: v.name, size: v.data.byteLength };
    case "bytes":
      return { size: v.data.byteLength };
    case "objectRef":
      return { path: v.path, store: v.store.name, is_dir: v.isDir, size: v.size };
    case "value":
      return blobToJson(v.value);
  }
}

/** Python-ish values (blob contents) as JSON: ints as numbers when exact, else strings. */
export function blobToJson(v: unknown): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return { bytes: v.byteLength };
  if (v instanceof BlobTuple) return v.items.map(blobToJson);
  if (v instanceof BlobComplex) return [v.re, v.im];
  if (v instanceof BlobUuid || v instanceof BlobDecimal) return String((v as BlobUuid).hex ?? (v as BlobDecimal).text);
  if (v instanceof Set) return [...v].map(blobToJson);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), blobToJson(x)]));
  if (Array.isArray(v)) return v.map(blobToJson);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o.kind === "ndarray" && o.dtype && o.shape) return { dtype: numpyDtypeString(o.dtype as never), shape: o.shape };
    if (o.kind === "strarray") return o.values;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, blobToJson(x)]));
  }
  return v;
}
