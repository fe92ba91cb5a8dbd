/**
 * Zarr v3 codec lists as zarr-python 3 writes them, parsed into the chunk pipeline dj decodes
 * (array→array `transpose`, array→bytes `bytes` or `sharding_indexed`, bytes→bytes compressors and
 * `crc32c`), and written back in zarr-python 3's form.
 */
import type { CompressorConfig } from "./compressors.js";

/** One bytes→bytes step of a chunk's encoding: a compressor, or a trailing CRC-32C. */
export type BytesStep = CompressorConfig | { id: "crc32c" };

/** How the bytes of one chunk (or inner chunk of a shard) were encoded, in encoding order. */
export interface ChunkCodecs {
  /** The stored chunk is `chunk.transpose(perm)` in C order; null: the chunk as it is. */
  perm: number[] | null;
  /** bytes→bytes codecs in the order they were applied (decoding runs them backwards). */
  steps: BytesStep[];
}

/** `sharding_indexed`: each stored object (shard) holds a grid of inner chunks and an index. */
export interface ShardLayout {
  /** The inner chunk shape (the read unit); the array's `chunks` are the shard shape. */
  chunks: number[];
  indexLocation: "start" | "end";
  /** The index's uint64 pairs are big-endian (index_codecs' bytes endian). */
  indexBigEndian: boolean;
  /** The index ends with a CRC-32C of its entries (index_codecs has crc32c). */
  indexChecksum: boolean;
}

export interface ParsedCodecs {
  codecs: ChunkCodecs;
  bigEndian: boolean;
  shard?: ShardLayout;
}

type CodecJson = { name: string; configuration?: Record<string, unknown> };

export class V3CodecError extends Error {}

const V3_SHUFFLE = ["noshuffle", "shuffle", "bitshuffle"];

/** A bytes→bytes codec by its v3 name (zarr-python's own and numcodecs.zarr3's), or null. */
function bytesStep(c: CodecJson): BytesStep | null {
  const cfg = c.configuration ?? {};
  switch (c.name) {
    case "zstd":
    case "numcodecs.zstd":
      return { id: "zstd", level: Number(cfg.level ?? 0) };
    case "gzip":
    case "numcodecs.gzip":
      return { id: "gzip", level: Number(cfg.level ?? 5) };
    case "numcodecs.zlib":
      return { id: "zlib", level: Number(cfg.level ?? 1) };
    case "blosc":
    case "numcodecs.blosc": {
      // v3 names the shuffle; numcodecs.zarr3 keeps numcodecs' number.
      const shuffle = typeof cfg.shuffle === "number" ? cfg.shuffle : Math.max(0, V3_SHUFFLE.indexOf(String(cfg.shuffle ?? "noshuffle")));
      return { id: "blosc", cname: String(cfg.cname ?? "lz4"), clevel: Number(cfg.clevel ?? 5), shuffle, blocksize: Number(cfg.blocksize ?? 0) };
    }
    case "crc32c":
    case "numcodecs.crc32c":
      return { id: "crc32c" };
    default:
      return null;
  }
}

function transposePerm(cfg: Record<string, unknown>, ndim: number): number[] {
  const order = cfg.order;
  const ok = Array.isArray(order) && order.length === ndim && [...order].sort((a, b) => a - b).every((a, i) => a === i);
  if (!ok) throw new V3CodecError(`Zarr v3 transpose order ${JSON.stringify(order)} is not a permutation of the ${ndim} axes`);
  return order as number[];
}

/**
 * The codec list of one chunk: array→array codecs, then exactly one array→bytes codec, then
 * bytes→bytes codecs (the v3 spec's order). `nested` is true inside a shard.
 */
export function parseCodecList(list: unknown, ndim: number, nested = false): ParsedCodecs {
  if (!Array.isArray(list) || list.length === 0) throw new V3CodecError("Zarr v3 codecs must be a non-empty list");
  let perm: number[] | null = null;
  let bigEndian = false;
  let shard: ShardLayout | undefined;
  let sawBytes = false;
  const steps: BytesStep[] = [];
  for (const c of list as CodecJson[]) {
    const cfg = c.configuration ?? {};
    if (c.name === "transpose") {
      if (sawBytes) throw new V3CodecError("Zarr v3 transpose must come before the bytes codec");
      if (perm) throw new V3CodecError("more than one Zarr v3 transpose codec is not supported");
      perm = transposePerm(cfg, ndim);
      if (perm.every((a, i) => a === i)) perm = null;
    } else if (c.name === "bytes") {
      if (sawBytes) throw new V3CodecError("a Zarr v3 codec list has one array→bytes codec");
      sawBytes = true;
      bigEndian = cfg.endian === "big";
    } else if (c.name === "sharding_indexed") {
      if (nested) throw new V3CodecError("nested Zarr v3 sharding (a shard inside a shard) is not supported");
      if (sawBytes) throw new V3CodecError("a Zarr v3 codec list has one array→bytes codec");
      if (perm) throw new V3CodecError("a Zarr v3 transpose before sharding_indexed is not supported (put it inside the shard's codecs)");
      sawBytes = true;
      const inner = parseCodecList(cfg.codecs, ndim, true);
      perm = inner.codecs.perm;
      steps.push(...inner.codecs.steps);
      bigEndian = inner.bigEndian;
      shard = { chunks: cfg.chunk_shape as number[], ...shardIndex(cfg.index_codecs), indexLocation: cfg.index_location === "start" ? "start" : "end" };
      if (!Array.isArray(shard.chunks) || shard.chunks.length !== ndim || !shard.chunks.every((n) => Number.isInteger(n) && n > 0)) {
        throw new V3CodecError(`sharding_indexed chunk_shape ${JSON.stringify(cfg.chunk_shape)} does not fit ${ndim} axes`);
      }
    } else {
      const step = bytesStep(c);
      if (!step) throw new V3CodecError(`Zarr v3 codec "${c.name}" is not supported`);
      if (!sawBytes) throw new V3CodecError(`Zarr v3 codec "${c.name}" must come after the bytes codec`);
      if (shard) throw new V3CodecError(`Zarr v3 codec "${c.name}" after sharding_indexed is not supported (partial reads need the shard's own bytes)`);
      steps.push(step);
    }
  }
  if (!sawBytes) throw new V3CodecError("a Zarr v3 codec list needs an array→bytes codec (bytes or sharding_indexed)");
  return { codecs: { perm, steps }, bigEndian, ...(shard ? { shard } : {}) };
}

/** The index codecs: bytes (either endian), optionally crc32c; its size must be fixed to be range-read. */
function shardIndex(list: unknown): Pick<ShardLayout, "indexBigEndian" | "indexChecksum"> {
  const codecs = (Array.isArray(list) ? list : [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }]) as CodecJson[];
  let indexBigEndian = false;
  let indexChecksum = false;
  for (const [i, c] of codecs.entries()) {
    if (c.name === "bytes" && i === 0) indexBigEndian = c.configuration?.endian === "big";
    else if ((c.name === "crc32c" || c.name === "numcodecs.crc32c") && i === 1) indexChecksum = true;
    else throw new V3CodecError(`sharding_indexed index_codecs ${JSON.stringify(list)} are not supported (bytes, then optionally crc32c)`);
  }
  return { indexBigEndian, indexChecksum };
}

/** The v3 codec list dj writes, in zarr-python 3's form for the same settings. */
export function codecListJson(compressor: CompressorConfig | null, itemsize: number): unknown[] {
  // zarr-python 3 leaves out the endian of one-byte types.
  const codecs: unknown[] = [itemsize > 1 ? { name: "bytes", configuration: { endian: "little" } } : { name: "bytes" }];
  const c = compressor;
  if (c?.id === "zstd") codecs.push({ name: "zstd", configuration: { level: c.level, checksum: c.checksum ?? false } });
  else if (c?.id === "gzip") codecs.push({ name: "gzip", configuration: { level: c.level } });
  else if (c?.id === "zlib") codecs.push({ name: "numcodecs.zlib", configuration: { level: c.level } });
  else if (c?.id === "blosc") {
    codecs.push({ name: "blosc", configuration: { typesize: itemsize, cname: c.cname, clevel: c.clevel, shuffle: V3_SHUFFLE[c.shuffle] ?? "shuffle", blocksize: c.blocksize } });
  }
  return codecs;
}
