/**
 * Decoded values → files on disk: arrays as `.npy` (streamed), attachments under their own
 * names, objects and Zarr trees copied as they are, other values as JSON. Files appear
 * atomically (temporary name, then rename), so an interrupted fetch leaves no half file.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { once } from "node:events";
import { testPause, trackTempFile } from "../lifecycle.js";
import type { DecodedValue } from "../codecs/types.js";
import { StoreError, UsageError } from "../errors.js";
import { BlobComplex, BlobDecimal, BlobTuple, BlobUuid } from "../formats/blob.js";
import { numpyDtypeString } from "../formats/dtype.js";
import { npyStream } from "../formats/npy.js";
import type { Store } from "../stores/types.js";

export type OutputFormat = "npy" | "zarr" | "json";

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

async function writeStreamAtomic(path: string, body: Readable): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.partial`;
  // Tracked until renamed or removed: SIGINT/SIGTERM removes it (src/lifecycle.ts).
  const untrack = trackTempFile(tmp);
  try {
    const out = createWriteStream(tmp);
    await once(out, "open");
    await testPause("fetch-partial");
    await pipeline(body, out);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    untrack();
  }
}

async function copyTree(store: Store, prefix: string, target: string): Promise<number> {
  let n = 0;
  const base = prefix.replace(/\/+$/, "") + "/";
  for await (const o of store.list(base)) {
    const stream = await store.getStream(o.key);
    if (!stream) continue;
    await writeStreamAtomic(join(target, ...o.key.slice(base.length).split("/")), stream);
    n++;
  }
  return n;
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

/** Write a decoded value to `target`; returns the path written. */
export async function writeDecoded(v: DecodedValue, target: string, format?: OutputFormat): Promise<string> {
  if (format === "json") {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, JSON.stringify(toJson(v), null, 2) + "\n");
    return target;
  }
  switch (v.kind) {
    case "ndarray":
      if (format === "zarr") throw new UsageError("--format zarr needs a Zarr value; this one is a plain array (use --format npy)");
      await writeStreamAtomic(target, npyStream(v.array));
      return target;
    case "tree":
      if (format === "zarr" || !v.array) {
        const n = await copyTree(v.store, v.prefix, target);
        if (n === 0) throw new StoreError(`store "${v.store.name}": nothing found under ${v.prefix}`, { code: "store.missing" });
        return target;
      }
      await writeStreamAtomic(target, npyStream(v.array));
      return target;
    case "file": {
      const path = (await isDir(target)) ? join(target, basename(v.name)) : target;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, v.data);
      return path;
    }
    case "bytes":
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, v.data);
      return target;
    case "objectRef": {
      if (v.isDir) {
        await copyTree(v.store, v.path, target);
        return target;
      }
      const stream = await v.store.getStream(v.path);
      if (!stream) throw new StoreError(`Missing external file ${v.store.root}/${v.path}`, { code: "store.missing" });
      await writeStreamAtomic(target, stream);
      return target;
    }
    case "value":
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, JSON.stringify(blobToJson(v.value), null, 2) + "\n");
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
