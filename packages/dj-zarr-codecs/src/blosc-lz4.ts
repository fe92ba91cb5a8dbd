/**
 * A native-speed Blosc encoder for the lz4 codec: the Blosc 1 chunk format (what c-blosc and
 * numcodecs read) written here — header, block starts, byte shuffle per block — around raw LZ4
 * blocks from lz4-napi (native, prebuilt). numcodecs' WASM Blosc does the same at about half the
 * speed; blosc-decode.ts reads these chunks back. Bit-shuffle and other cnames go to numcodecs.
 *
 * Chunk layout (c-blosc 1.x, format version 2): 16-byte header
 *   [0] 2 (format)  [1] 1 (lz4 format version)  [2] flags  [3] typesize
 *   [4..8) nbytes   [8..12) blocksize   [12..16) cbytes   (little-endian uint32)
 * flags: 0x1 byte-shuffled, 0x2 stored uncompressed (memcpy), 0x10 blocks not split into
 * per-byte streams, compressor code << 5 (lz4 = 1). Then one int32 start offset per block, then
 * each block as int32 compressed size + LZ4 block (a block that does not shrink is stored raw,
 * its size equal to the block's).
 */
import { createRequire } from "node:module";
import { shuffle } from "./shuffle.js";

const BLOCK_BYTES = 256 * 1024;
const FLAG_SHUFFLE = 0x1;
const FLAG_MEMCPYED = 0x2;
const FLAG_DONT_SPLIT = 0x10;
const LZ4_CODE = 1;

type Lz4 = { compressSync(data: Buffer): Buffer; uncompressSync(data: Uint8Array): Buffer };
let lz4: Lz4 | null | undefined;
let lz4Failure: string | null = null;

/**
 * lz4-napi, or null when its prebuilt binary cannot be loaded on this platform (none is
 * published for it, or npm skipped the optional one): Blosc-LZ4 then goes through numcodecs'
 * WASM. The reason is kept for `dj codecs list --verify` (lz4Unavailable), not hidden.
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

/** The most bytes encodeBloscLz4 writes for `nbytes` of input (its `output` must hold this many). */
export function bloscLz4Bound(nbytes: number): number {
  // Blocks are a whole number of elements (up to 255 bytes short of BLOCK_BYTES), plus one spare.
  const nblocks = Math.ceil(nbytes / (BLOCK_BYTES - 255)) + 1;
  return 16 + 8 * nblocks + nbytes;
}

// The shuffled block, kept between calls: a fresh one per chunk costs page faults, not just time.
let scratchBuffer: Buffer | null = null;

/**
 * One Blosc chunk; with `output` (at least bloscLz4Bound bytes) the chunk is written there and the
 * result is a view of it, so a writer can reuse a few buffers instead of faulting in new pages.
 */
export function encodeBloscLz4(data: Uint8Array, typesize: number, doShuffle: boolean, output?: Uint8Array): Uint8Array {
  const codec = nativeLz4();
  if (!codec) throw new Error("lz4-napi is not available");
  const nbytes = data.byteLength;
  const ts = Math.max(1, Math.min(255, typesize));
  const blocksize = nbytes === 0 ? 0 : Math.min(nbytes, BLOCK_BYTES - (BLOCK_BYTES % ts));
  const nblocks = blocksize === 0 ? 0 : Math.ceil(nbytes / blocksize);
  const flags = (doShuffle && ts > 1 ? FLAG_SHUFFLE : 0) | FLAG_DONT_SPLIT | (LZ4_CODE << 5);
  // One output buffer: header, block starts, then each block (size + data); a chunk that would
  // not shrink becomes a "memcpyed" chunk below instead.
  const tableEnd = 16 + 4 * nblocks;
  const bound = Math.max(16 + nbytes, tableEnd + 4 * nblocks + nbytes);
  const out = output && output.byteLength >= bound ? Buffer.from(output.buffer, output.byteOffset, output.byteLength) : Buffer.allocUnsafe(bound);
  out.fill(0, 0, 16);
  out[0] = 2;
  out[1] = 1;
  out[3] = ts;
  out.writeUInt32LE(nbytes, 4);
  out.writeUInt32LE(blocksize, 8);
  let offset = tableEnd;
  if (flags & FLAG_SHUFFLE && (scratchBuffer?.length ?? 0) < blocksize) scratchBuffer = Buffer.allocUnsafe(BLOCK_BYTES);
  const scratch = flags & FLAG_SHUFFLE ? scratchBuffer! : null;
  for (let b = 0; b < nblocks && offset < 16 + nbytes; b++) {
    const block = data.subarray(b * blocksize, Math.min(nbytes, (b + 1) * blocksize));
    let input: Buffer;
    if (scratch) {
      input = scratch.subarray(0, block.length);
      shuffle(block, input, ts);
    } else {
      input = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    }
    // lz4-napi prefixes the raw LZ4 block with its uncompressed size (4 bytes): drop it.
    const compressed = codec.compressSync(input).subarray(4);
    const stored = compressed.length < input.length ? compressed : input;
    out.writeUInt32LE(offset, 16 + 4 * b);
    out.writeInt32LE(stored.length, offset);
    out.set(stored, offset + 4);
    offset += 4 + stored.length;
  }
  if (offset >= nbytes + 16) {
    // Not worth it: c-blosc's "memcpyed" chunk, the data after the header as is.
    out[2] = (flags | FLAG_MEMCPYED) & ~FLAG_SHUFFLE;
    out.writeUInt32LE(16 + nbytes, 12);
    out.set(data, 16);
    return new Uint8Array(out.buffer, out.byteOffset, 16 + nbytes);
  }
  out[2] = flags;
  out.writeUInt32LE(offset, 12);
  return new Uint8Array(out.buffer, out.byteOffset, offset);
}
