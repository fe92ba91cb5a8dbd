/**
 * Zarr array metadata, v2 (`.zarray`, as zarr-python 2 writes it) and v3 (`zarr.json`, as
 * zarr-python 3 writes it by default), parsed into one shape for reading.
 */
import type { DType } from "dj-cli";
import type { CompressorConfig } from "./compressors.js";
import { dtypeFromDescr, dtypeFromName } from "./dtype.js";
import { PyFloat, pyJson } from "./pyjson.js";

export interface ArrayMeta {
  format: 2 | 3;
  shape: number[];
  chunks: number[];
  dtype: DType;
  /** Fill value as a number/bigint/boolean; NaN for "NaN". */
  fill: number | bigint | boolean | [number, number];
  order: "C" | "F";
  compressor: CompressorConfig | null;
  /**
   * v2 filters (numcodecs configs) between the array's dtype and the compressor, as written in
   * `.zarray`. Reading needs a decoder for each (zarrSource's `filters` option).
   */
  filters?: Array<Record<string, unknown>>;
  /** v3 only: each stored chunk ends with a CRC-32C of the rest. */
  checksum?: "crc32c";
  /** How chunk indices become keys: v2 `0.1` (or `0/1`), v3 `c/0/1`. */
  chunkKey(index: number[]): string;
}

/** An array dj cannot read (unsupported metadata, a corrupt chunk): dj reports it as a codec error (exit 6). */
export class ZarrFormatError extends Error {
  readonly _dj = true;
  readonly kind = "codec";
}

/**
 * A chunk missing from an array whose every chunk was written (one dj wrote): the store lost
 * data, so dj reports a store error (exit 5) instead of reading the fill value.
 */
export class ZarrMissingChunkError extends Error {
  readonly _dj = true;
  readonly kind = "store";
  readonly hint = "dj writes every chunk of an array, so this one was deleted or lost after the insert: restore it from a backup, or delete the row and insert it again";
}

function fillJson(d: DType, fill: ArrayMeta["fill"]): unknown {
  if (d.kind === "f") return typeof fill === "number" && Number.isNaN(fill) ? "NaN" : new PyFloat(Number(fill));
  if (d.kind === "c") return [new PyFloat(0), new PyFloat(0)];
  if (d.kind === "b") return Boolean(fill);
  return Number(fill);
}

export function zarrayText(m: Omit<ArrayMeta, "chunkKey" | "format">): string {
  return pyJson({
    chunks: m.chunks,
    compressor: m.compressor,
    dtype: m.dtype.descr,
    fill_value: fillJson(m.dtype, m.fill),
    filters: m.filters?.length ? m.filters : null,
    order: m.order,
    shape: m.shape,
    zarr_format: 2,
  });
}

const V3_SHUFFLE = ["noshuffle", "shuffle", "bitshuffle"];

export function zarrJsonV3(m: Omit<ArrayMeta, "chunkKey" | "format">, attributes: Record<string, unknown> = {}): string {
  const codecs: unknown[] = [{ name: "bytes", configuration: { endian: "little" } }];
  const c = m.compressor;
  if (c?.id === "zstd") codecs.push({ name: "zstd", configuration: { level: c.level, checksum: false } });
  else if (c?.id === "gzip") codecs.push({ name: "gzip", configuration: { level: c.level } });
  else if (c?.id === "blosc") codecs.push({ name: "blosc", configuration: { cname: c.cname, clevel: c.clevel, shuffle: V3_SHUFFLE[c.shuffle] ?? "shuffle", typesize: m.dtype.itemsize, blocksize: c.blocksize } });
  else if (c?.id === "zlib") throw new ZarrFormatError("zlib is not a Zarr v3 codec; use gzip or zstd with format 3");
  const fill = m.dtype.kind === "b" ? Boolean(m.fill) : m.dtype.kind === "c" ? [0, 0] : Number(m.fill);
  return JSON.stringify(
    {
      shape: m.shape,
      data_type: m.dtype.name,
      chunk_grid: { name: "regular", configuration: { chunk_shape: m.chunks } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: fill,
      codecs,
      attributes,
      zarr_format: 3,
      node_type: "array",
      storage_transformers: [],
    },
    null,
    2,
  );
}

function fillFrom(v: unknown, d: DType): ArrayMeta["fill"] {
  if (v === null || v === undefined) return d.kind === "b" ? false : 0;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1])];
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw new ZarrFormatError(`unsupported fill_value ${JSON.stringify(v)}`);
}

export function parseZarray(text: string): ArrayMeta {
  const j = JSON.parse(text);
  if (j.zarr_format !== 2) throw new ZarrFormatError(".zarray is not zarr_format 2");
  const dtype = dtypeFromDescr(String(j.dtype));
  if (!dtype) throw new ZarrFormatError(`unsupported dtype ${JSON.stringify(j.dtype)}`);
  const filters = Array.isArray(j.filters) && j.filters.length ? (j.filters as Array<Record<string, unknown>>) : undefined;
  const sep = j.dimension_separator === "/" ? "/" : ".";
  const shape = j.shape as number[];
  return {
    format: 2,
    shape,
    chunks: j.chunks,
    dtype,
    fill: fillFrom(j.fill_value, dtype),
    order: j.order === "F" ? "F" : "C",
    compressor: j.compressor ?? null,
    ...(filters ? { filters } : {}),
    chunkKey: (idx) => (shape.length === 0 ? "0" : idx.join(sep)),
  };
}

export function parseZarrJson(text: string): ArrayMeta {
  const j = JSON.parse(text);
  if (j.zarr_format !== 3 || j.node_type !== "array") throw new ZarrFormatError("zarr.json is not a Zarr v3 array");
  const dtype = dtypeFromName(String(j.data_type));
  if (!dtype) throw new ZarrFormatError(`unsupported data_type ${JSON.stringify(j.data_type)}`);
  let compressor: CompressorConfig | null = null;
  let big = false;
  let order: "C" | "F" = "C";
  let checksum: "crc32c" | undefined;
  for (const c of j.codecs as Array<{ name: string; configuration?: Record<string, unknown> }>) {
    const cfg = c.configuration ?? {};
    if (c.name === "bytes") big = cfg.endian === "big";
    else if (c.name === "zstd") compressor = { id: "zstd", level: Number(cfg.level ?? 0) };
    else if (c.name === "gzip") compressor = { id: "gzip", level: Number(cfg.level ?? 5) };
    else if (c.name === "blosc") compressor = { id: "blosc", cname: String(cfg.cname), clevel: Number(cfg.clevel), shuffle: Math.max(0, V3_SHUFFLE.indexOf(String(cfg.shuffle))), blocksize: Number(cfg.blocksize ?? 0) };
    else if (c.name === "transpose") {
      // Only the full reversal of the axes (Fortran order) is supported.
      const axes = (cfg.order as number[] | undefined) ?? [];
      const shapeLength = (j.shape as number[]).length;
      if (!axes.every((a, i) => a === shapeLength - 1 - i) || axes.length !== shapeLength) {
        throw new ZarrFormatError(`Zarr v3 transpose order ${JSON.stringify(cfg.order)} is not supported (only the reversed axes, F order)`);
      }
      if (shapeLength > 1) order = "F";
    } else if (c.name === "crc32c") checksum = "crc32c";
    else throw new ZarrFormatError(`Zarr v3 codec "${c.name}" is not supported`);
  }
  const enc = j.chunk_key_encoding ?? { name: "default" };
  const sep = enc.configuration?.separator ?? (enc.name === "v2" ? "." : "/");
  const shape = j.shape as number[];
  return {
    format: 3,
    shape,
    chunks: j.chunk_grid.configuration.chunk_shape,
    dtype: big ? dtypeFromDescr(">" + dtype.descr.slice(1))! : dtype,
    fill: fillFrom(j.fill_value, dtype),
    order,
    compressor,
    ...(checksum ? { checksum } : {}),
    chunkKey: (idx) => (enc.name === "v2" ? (idx.length ? idx.join(sep) : "0") : ["c", ...idx].join(sep)),
  };
}
