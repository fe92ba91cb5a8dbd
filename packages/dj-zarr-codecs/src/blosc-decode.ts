/**
 * A Blosc 1 chunk decoder for the lz4 codec with no or byte shuffle (what zarr-python and dj
 * write by default), around lz4-napi's raw-block decoder: several times faster than numcodecs'
 * WASM Blosc. Other codecs and bit-shuffle return null (the caller uses numcodecs).
 *
 * Layout (c-blosc 1.x): a 16-byte header (see blosc-lz4.ts, the encoder), then for a compressed chunk one
 * int32 start per block, each block being `nsplits` streams of int32 size + LZ4 data (a stream
 * whose size equals its decoded size is stored raw). c-blosc splits a block into `typesize`
 * streams unless flag 0x10 says not to, the type is wider than 16 bytes, a stream would hold
 * fewer than 128 elements, or it is the last, partial block.
 */
import { createRequire } from "node:module";
import { unshuffle } from "./shuffle.js";

const FLAG_SHUFFLE = 0x1;
const FLAG_MEMCPYED = 0x2;
const FLAG_BITSHUFFLE = 0x4;
const FLAG_DONT_SPLIT = 0x10;
const LZ4_CODE = 1;
const MAX_SPLITS = 16;
const MIN_BUFFERSIZE = 128;

export class BloscFormatError extends Error {}

type Lz4 = { uncompressSync(data: Uint8Array): Buffer };
let lz4: Lz4 | null | undefined;
let lz4Failure: string | null = null;

/**
 * lz4-napi, or null when its prebuilt binary cannot be loaded on this platform (none is
 * published for it, or npm skipped the optional one): Blosc-LZ4 chunks are then read by
 * numcodecs' WASM. The reason is kept for `dj codecs list --verify` (lz4Unavailable), not hidden.
 */
export function nativeLz4(): Lz4 | null {
  if (lz4 === undefined) {
    try {
      lz4 = createRequire(import.meta.url)("lz4-napi") as Lz4;
    } catch (err) {
      lz4 = null;
      lz4Failure = String((err as Error).message).split("\n")[0]!;
    }
  }
  return lz4;
}

/** Why lz4-napi is not used, once nativeLz4() found it unusable; else null. */
export function lz4Unavailable(): string | null {
  nativeLz4();
  return lz4Failure;
}

/** Decoded bytes, or null when this decoder does not handle the chunk's codec or shuffle. */
export function decodeBloscLz4(chunk: Uint8Array, expectedBytes?: number): Uint8Array | null {
  const lz4 = nativeLz4();
  if (!lz4 || chunk.length < 16) return null;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const flags = chunk[2]!;
  const typesize = chunk[3]!;
  const nbytes = view.getUint32(4, true);
  const blocksize = view.getUint32(8, true);
  const cbytes = view.getUint32(12, true);
  if (chunk[0]! > 2 || cbytes > chunk.length) throw new BloscFormatError(`not a Blosc 1 chunk (format ${chunk[0]}, ${cbytes} of ${chunk.length} bytes)`);
  if (expectedBytes !== undefined && nbytes !== expectedBytes) throw new BloscFormatError(`holds ${nbytes} bytes, expected ${expectedBytes}`);
  const out = new Uint8Array(nbytes);
  if (flags & FLAG_MEMCPYED) {
    if (cbytes < 16 + nbytes) throw new BloscFormatError("truncated chunk");
    out.set(chunk.subarray(16, 16 + nbytes));
    return out;
  }
  if (flags & FLAG_BITSHUFFLE || flags >> 5 !== LZ4_CODE) return null;
  if (nbytes === 0) return out;
  if (blocksize === 0) throw new BloscFormatError("block size 0");
  const shuffled = (flags & FLAG_SHUFFLE) !== 0 && typesize > 1;
  const nblocks = Math.ceil(nbytes / blocksize);
  if (16 + 4 * nblocks > cbytes) throw new BloscFormatError("truncated block table");
  // Streams decode into `scratch` when the block is shuffled (then unshuffled into `out`).
  const scratch = shuffled ? new Uint8Array(blocksize) : null;
  for (let b = 0; b < nblocks; b++) {
    const bsize = Math.min(blocksize, nbytes - b * blocksize);
    const leftover = bsize < blocksize;
    const nsplits = !(flags & FLAG_DONT_SPLIT) && typesize <= MAX_SPLITS && blocksize / typesize >= MIN_BUFFERSIZE && !leftover ? typesize : 1;
    if (bsize % nsplits !== 0) throw new BloscFormatError(`block ${b} of ${bsize} bytes does not split into ${nsplits} streams`);
    const neblock = bsize / nsplits;
    const target = scratch ? scratch.subarray(0, bsize) : out.subarray(b * blocksize, b * blocksize + bsize);
    let at = view.getInt32(16 + 4 * b, true);
    for (let s = 0; s < nsplits; s++) {
      if (at < 0 || at + 4 > cbytes) throw new BloscFormatError(`block ${b} starts outside the chunk`);
      const size = view.getInt32(at, true);
      if (size < 0 || at + 4 + size > cbytes) throw new BloscFormatError(`block ${b} runs past the chunk`);
      const dst = target.subarray(s * neblock, (s + 1) * neblock);
      if (size === neblock) dst.set(chunk.subarray(at + 4, at + 4 + size));
      else {
        // lz4-napi reads an LZ4 block prefixed with its decoded size: the 4 bytes before the
        // stream (its compressed size) are overwritten with that for the call, then restored.
        view.setUint32(at, neblock, true);
        let decoded: Uint8Array;
        try {
          decoded = lz4.uncompressSync(chunk.subarray(at, at + 4 + size));
        } catch (err) {
          throw new BloscFormatError(`block ${b}: ${(err as Error).message}`);
        } finally {
          view.setInt32(at, size, true);
        }
        if (decoded.length !== neblock) throw new BloscFormatError(`block ${b} decodes to ${decoded.length} bytes, expected ${neblock}`);
        dst.set(decoded);
      }
      at += 4 + size;
    }
    if (scratch) unshuffle(target, out.subarray(b * blocksize, b * blocksize + bsize), typesize);
  }
  return out;
}
