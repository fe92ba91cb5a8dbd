/**
 * Zarr array metadata, v2 (`.zarray`, as zarr-python 2 writes it) and v3 (`zarr.json`, as
 * zarr-python 3 writes it by default), parsed into one shape for reading.
 */
import type { DType } from "dj-cli";
import type { CompressorConfig } from "./compressors.js";
import { dtypeFromDescr, dtypeFromName } from "./dtype.js";
import { PyFloat, pyJson } from "./pyjson.js";
import { codecListJson, parseCodecList, V3CodecError, type ChunkCodecs, type ShardLayout } from "./v3-codecs.js";

export type { BytesStep, ChunkCodecs, ShardLayout } from "./v3-codecs.js";

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
  /**
   * How each chunk's bytes decode (the read unit's: the inner chunks of a sharded array). Absent
   * (older callers): made from `compressor`, `checksum` and `order` (chunkCodecs()).
   */
  codecs?: ChunkCodecs;
  /** v3 `sharding_indexed`: `chunks` is the shard shape, `shard.chunks` the inner chunk shape. */
  shard?: ShardLayout;
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

/**
 * `zarr.json` as zarr-python 3 writes it for the same array (key order, `indent=2`, floats with
 * their `.0`): `zarr.create_array(store, data=a, chunks=…, compressors=…)`.
 */
export function zarrJsonV3(m: Omit<ArrayMeta, "chunkKey" | "format">, attributes: Record<string, unknown> = {}): string {
  const d = m.dtype;
  const fill = d.kind === "b" ? Boolean(m.fill) : d.kind === "c" ? [new PyFloat(0), new PyFloat(0)] : d.kind === "f" ? fillJson(d, m.fill) : Number(m.fill);
  return pyJson(
    {
      shape: m.shape,
      data_type: d.name,
      chunk_grid: { name: "regular", configuration: { chunk_shape: m.chunks } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: fill,
      codecs: codecListJson(m.compressor, d.itemsize),
      attributes,
      zarr_format: 3,
      node_type: "array",
      storage_transformers: [],
    },
    2,
    0,
    false,
  );
}

/** The chunk pipeline of an array's metadata (v2, or v3 parsed before `codecs` existed). */
export function chunkCodecs(m: Pick<ArrayMeta, "codecs" | "compressor" | "checksum" | "order" | "shape">): ChunkCodecs {
  if (m.codecs) return m.codecs;
  const steps: ChunkCodecs["steps"] = [];
  if (m.compressor) steps.push(m.compressor);
  if (m.checksum) steps.push({ id: "crc32c" });
  return { perm: m.order === "F" && m.shape.length > 1 ? m.shape.map((_, i) => m.shape.length - 1 - i) : null, steps };
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
  const shape = j.shape as number[];
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) throw new ZarrFormatError(`zarr.json shape ${JSON.stringify(j.shape)} is not a list of sizes`);
  if (j.chunk_grid?.name !== "regular") throw new ZarrFormatError(`Zarr v3 chunk grid ${JSON.stringify(j.chunk_grid?.name)} is not supported (only "regular")`);
  if (Array.isArray(j.storage_transformers) && j.storage_transformers.length) throw new ZarrFormatError("Zarr v3 storage transformers are not supported");
  let parsed;
  try {
    parsed = parseCodecList(j.codecs, shape.length);
  } catch (err) {
    if (err instanceof V3CodecError) throw new ZarrFormatError(err.message);
    throw err;
  }
  const { codecs, bigEndian, shard } = parsed;
  const chunks = j.chunk_grid.configuration.chunk_shape as number[];
  if (shard && !shard.chunks.every((c, i) => chunks[i]! % c === 0)) {
    throw new ZarrFormatError(`sharding_indexed chunk_shape [${shard.chunks.join(", ")}] does not divide the shard shape [${chunks.join(", ")}]`);
  }
  const compressors = codecs.steps.filter((s) => s.id !== "crc32c");
  const enc = j.chunk_key_encoding ?? { name: "default" };
  const sep = enc.configuration?.separator ?? (enc.name === "v2" ? "." : "/");
  const perm = codecs.perm;
  return {
    format: 3,
    shape,
    chunks,
    dtype: bigEndian && dtype.itemsize > 1 ? dtypeFromDescr(">" + dtype.descr.slice(1))! : dtype,
    fill: fillFrom(j.fill_value, dtype),
    // Transposed by the reversed axes is Fortran order; any other permutation is in `codecs`.
    order: perm && perm.every((a, i) => a === shape.length - 1 - i) ? "F" : "C",
    compressor: compressors.length === 1 ? (compressors[0] as CompressorConfig) : null,
    ...(codecs.steps.some((s) => s.id === "crc32c") && !shard ? { checksum: "crc32c" as const } : {}),
    codecs,
    ...(shard ? { shard } : {}),
    chunkKey: (idx) => (enc.name === "v2" ? (idx.length ? idx.join(sep) : "0") : ["c", ...idx].join(sep)),
  };
}
