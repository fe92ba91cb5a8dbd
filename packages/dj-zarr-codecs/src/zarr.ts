/**
 * `<zarr@store>`: an n-dimensional array stored as a Zarr array at DataJoint's schema-addressed
 * path `…/{field}_{token}.zarr` — Zarr v2 by default, v3 with `codecs.zarr.format: 3`.
 * Column JSON: {"path", "store", "shape", "dtype", "provenance": {"dj", "dj-zarr-codecs"}}.
 *
 * Options (`codecs.zarr` in dj.config.json): `format` (2 | 3), `compressor` ("none", "zlib",
 * "gzip", "zstd", "blosc", or {"id": "blosc", "cname", "clevel", "shuffle"}), `level`,
 * `chunkBytes` (default 4 MiB), `chunks` (explicit chunk shape).
 */
import { readFileSync } from "node:fs";
import type { Codec, EncodeContext, InputValue } from "dj-cli";
import { defaultChunks } from "./chunking.js";
import { compressorFromOptions } from "./compressors.js";
import { lz4Unavailable } from "./blosc-decode.js";
import { zstdNapiState } from "./zstd-portable.js";
import { nativeState } from "./native.js";
import { littleEndian } from "./dtype.js";
import { assertEveryChunk, readMeta, zarrSource } from "./read.js";
import { writeZarr } from "./write.js";
import { verifyZarr } from "./verify.js";

export const VERSION: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

interface ZarrMetadata {
  path: string;
  store: string;
  shape: number[];
  dtype: string;
  provenance: Record<string, string>;
}

/** A typed dj error without a runtime dependency on dj (recognised by `_dj` and `kind`). */
function djError(kind: "codec" | "input" | "config" | "store", message: string, hint?: string): Error {
  return Object.assign(new Error(message), { _dj: true, kind, hint });
}

function settings(ctx: EncodeContext, shape: number[], itemsize: number) {
  const o = ctx.options;
  const format = o.format === undefined ? 2 : Number(o.format);
  if (format !== 2 && format !== 3) ctx.fail("config", `codecs.zarr.format must be 2 or 3, got ${JSON.stringify(o.format)}`);
  const compressor = compressorFromOptions(o.compressor, o.level);
  if (typeof compressor === "string") ctx.fail("config", `codecs.zarr.compressor: ${compressor}`);
  let chunks: number[];
  if (o.chunks !== undefined) {
    const c = o.chunks as unknown;
    if (!Array.isArray(c) || c.length !== shape.length || !c.every((n) => Number.isInteger(n) && n > 0)) {
      ctx.fail("config", `codecs.zarr.chunks must be a list of ${shape.length} positive integers for an array of shape [${shape.join(", ")}]`);
    }
    chunks = c as number[];
  } else {
    const target = o.chunkBytes === undefined ? DEFAULT_CHUNK_BYTES : Number(o.chunkBytes);
    if (!(target > 0)) ctx.fail("config", "codecs.zarr.chunkBytes must be a positive number of bytes");
    chunks = defaultChunks(shape, itemsize, target);
  }
  return { format: format as 2 | 3, compressor: compressor as Exclude<typeof compressor, string>, chunks };
}

/** Whether dj-zarr-codecs wrote this row's array (every version records itself in the provenance). */
function writtenByThisCodec(stored: ZarrMetadata): boolean {
  const provenance = stored.provenance as unknown;
  return typeof provenance === "object" && provenance !== null && typeof (provenance as Record<string, unknown>)["dj-zarr-codecs"] === "string";
}

function zstdRuntime(): string {
  const { napi, off, problem } = zstdNapiState();
  if (napi) return "zstd through zstd-napi (encoding at levels 1-2)";
  if (off) return "DJ_ZSTD_NAPI=0: zstd through WASM";
  return problem ? `zstd through WASM; zstd-napi cannot be loaded (${problem})` : "zstd through WASM (zstd-napi is not installed)";
}

const zarr: Codec<ZarrMetadata> = {
  name: "zarr",
  description: "n-dimensional arrays as Zarr (v2 by default, v3 by option)",
  accepts: ["ndarray"],
  schemaAddressed: true,
  runtime() {
    const native = nativeState();
    if (native.status === "loaded") return `native c-blosc ${native.codecs.bloscVersion}, libzstd ${native.codecs.zstdVersion}`;
    const lz4 = lz4Unavailable();
    return `portable encoders: ${native.reason}; ${zstdRuntime()}${lz4 ? `; lz4-napi cannot be loaded, Blosc-lz4 chunks are read by WASM (${lz4})` : ""}`;
  },
  getDtype(isStore, dj) {
    // dj passes its error helpers (older dj versions did not: then the legacy error shape).
    if (!isStore) throw (dj?.error ?? djError)("codec", "<zarr> requires @ (store only): write <zarr@> or <zarr@store>");
    return "json";
  },
  validate(value: InputValue, ctx) {
    if (value.kind !== "ndarray") ctx.fail("input", `<zarr> requires an array (a .npy file), got ${value.kind}`);
  },
  async encode(value, ctx) {
    if (value.kind !== "ndarray") return ctx.fail("input", `<zarr> requires an array (a .npy file), got ${value.kind}`);
    if (!ctx.store || !ctx.storeName) return ctx.fail("codec", "<zarr> requires @ (store only)");
    const src = value.array;
    const { format, compressor, chunks } = settings(ctx, src.shape, src.dtype.itemsize);
    const path = ctx.objectPath(".zarr");
    ctx.onObjectWritten(path, ctx.store);
    await writeZarr(ctx.store, path, src, { format, compressor, chunks, signal: ctx.signal });
    return {
      path,
      store: ctx.storeName,
      shape: src.shape,
      dtype: littleEndian(src.dtype).name,
      provenance: { dj: ctx.djVersion, "dj-zarr-codecs": VERSION },
    };
  },
  async decode(stored, ctx) {
    const store = await ctx.getStore(typeof stored.store === "string" && stored.store !== "" ? stored.store : null);
    const meta = await readMeta(store, stored.path);
    if (!meta) return ctx.fail("store", `Missing external file ${store.root}/${stored.path} (no .zarray or zarr.json)`);
    // dj writes every chunk of an array, fill-valued ones included, so for a row this codec wrote
    // (its provenance says so) a missing chunk is lost data, not the fill value. Arrays other
    // tools wrote may leave chunks out on purpose: those read as zarr-python reads them.
    // The check comes first, so neither a .npy nor a copied Zarr tree (`--format zarr`) is
    // started for an array that lost a chunk; the reader checks again as it goes.
    // A caller that reads only boxes (`dj fetch --slice` sets `fetchOptions.boxOnly`) skips that
    // listing of the whole prefix, which costs more than the few chunks a small box needs: a
    // chunk the box needs and cannot find is still the same error, as the reader finds it.
    const missingChunks = writtenByThisCodec(stored) ? "error" : "fill";
    const boxOnly = ctx.fetchOptions?.boxOnly === true;
    if (missingChunks === "error" && !boxOnly) await assertEveryChunk(store, stored.path, meta);
    const missingDetail = boxOnly ? "the slice needs it" : undefined;
    return { kind: "tree", store, prefix: stored.path, format: "zarr", array: zarrSource(store, stored.path, meta, { missingChunks, missingDetail }) };
  },
  referencedPaths(stored) {
    return [{ path: stored.path, store: typeof stored.store === "string" ? stored.store : null }];
  },
  async verify(stored, ctx) {
    const storeName = typeof stored.store === "string" && stored.store !== "" ? stored.store : null;
    return verifyZarr(await ctx.getStore(storeName), stored.path, { storeName, shape: stored.shape, dtype: stored.dtype, allChunksWritten: writtenByThisCodec(stored), deep: ctx.deep });
  },
};

export default zarr;
export { readMeta, zarrSource, writeZarr, defaultChunks, verifyZarr };
/** Wrap a number so `.zattrs` writes it as a Python float (`1.0`), as zarr-python would. */
export { PyFloat } from "./pyjson.js";
export { byteSwap, littleEndian } from "./dtype.js";
export type { FilterDecoder, ZarrSourceOptions } from "./read.js";
export type { ArrayMeta } from "./metadata.js";
