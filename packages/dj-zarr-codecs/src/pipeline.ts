/**
 * Decoding one stored chunk (or one inner chunk of a shard) back to the chunk's C-ordered bytes:
 * the bytes→bytes steps backwards (CRC-32C checked and stripped, decompression), v2 filters,
 * then the transpose undone. Shared by the reader and `dj verify --deep`.
 */
import { decompress } from "./compressors.js";
import { product, untranspose } from "./chunking.js";
import { stripCrc32c } from "./crc32c.js";
import type { BytesStep, ChunkCodecs } from "./v3-codecs.js";

export interface ChunkDecoder {
  /** Chunk shape (the inner chunk shape for sharded arrays). */
  shape: number[];
  itemsize: number;
  codecs: ChunkCodecs;
  /** v2 filter decoders, applied last to first after the compressor. */
  unfilter?: Array<(data: Uint8Array) => Uint8Array>;
}


/**
 * Undo the bytes→bytes steps (backwards: CRC-32C checked and stripped, decompression).
 * `expectedBytes`, when the steps decode straight to the chunk's bytes, bounds what a corrupt
 * header can make the first compressor applied allocate.
 */
export async function undoSteps(steps: BytesStep[], raw: Uint8Array, key: string, expectedBytes?: number): Promise<Uint8Array> {
  let data = raw;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.id === "crc32c") data = stripCrc32c(data, key);
    else data = await decompress(step, data, steps.slice(0, i).every((s) => s.id === "crc32c") ? expectedBytes : undefined);
  }
  return data;
}

/** The chunk's bytes in C order; throws (with `key` in the message) when it does not decode. */
export async function decodeChunkBytes(d: ChunkDecoder, raw: Uint8Array, key: string): Promise<Uint8Array> {
  const chunkBytes = product(d.shape) * d.itemsize;
  const unfilter = d.unfilter ?? [];
  let data = await undoSteps(d.codecs.steps, raw, key, unfilter.length ? undefined : chunkBytes);
  for (const decode of unfilter) data = decode(data);
  if (data.byteLength !== chunkBytes) throw new Error(`holds ${data.byteLength} bytes, expected ${chunkBytes}`);
  return d.codecs.perm ? untranspose(data, d.shape, d.codecs.perm, d.itemsize) : data;
}
