/**
 * The portable Blosc-lz4 encoder: c-blosc 1.21's choices around liblz4 1.9.4, compiled to
 * WebAssembly (../wasm/blosc_lz4.c, built by scripts/build-blosc-wasm.sh and committed), so it
 * runs on every platform with no system library and no native build, and writes the bytes
 * Debian's numcodecs writes on one thread. Runs on the worker threads (worker.ts); one instance
 * per thread. Bit-shuffle and other cnames go to numcodecs' WASM Blosc.
 *
 * Chunk layout (c-blosc 1.x, format version 2): 16-byte header
 *   [0] 2 (format)  [1] 1 (lz4 format version)  [2] flags  [3] typesize
 *   [4..8) nbytes   [8..12) blocksize   [12..16) cbytes   (little-endian uint32)
 * flags: 0x1 byte-shuffled, 0x2 stored uncompressed (memcpy), 0x10 blocks not split into
 * per-byte streams, compressor code << 5 (lz4 = 1). Then one int32 start offset per block, then
 * each block as `typesize` streams (one when not split), each an int32 size and LZ4 data (a
 * stream that does not shrink is stored raw, its size equal to the stream's).
 */
import { readFileSync } from "node:fs";

/** c-blosc refuses larger buffers (BLOSC_MAX_BUFFERSIZE). */
const BLOSC_MAX_BUFFER = 2 ** 31 - 1 - 16;
const PAGE = 65536;

// The few WebAssembly types used here (the project compiles without the DOM library, which has them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Exports {
  memory: WasmMemory;
  __heap_base: { value: number };
  blocksize(nbytes: number, typesize: number, clevel: number, forced: number): number;
  encode(src: number, nbytes: number, typesize: number, clevel: number, shuffle: number, forced: number, dest: number, tmp: number): number;
}

let loaded: Exports | null = null;

function instance(): Exports {
  if (!loaded) {
    const bytes = readFileSync(new URL("../wasm/blosc-lz4.wasm", import.meta.url));
    loaded = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Exports;
  }
  return loaded;
}

/** wasm32 addresses 4 GiB; the encoder holds a chunk, its output and a block there. */
const MAX_MEMORY = 2 ** 32;

export interface BloscLz4Options {
  typesize: number;
  clevel: number;
  /** 0 none, 1 byte shuffle. */
  shuffle: 0 | 1;
  /** The config's blocksize; 0 lets c-blosc's rule choose. */
  blocksize: number;
}

/** The block size c-blosc 1.21 (and so this encoder) chooses for a chunk; `forced` is the config's blocksize. */
export function bloscLz4Blocksize(nbytes: number, typesize: number, clevel: number, forced: number): number {
  return instance().blocksize(nbytes, typesize, clevel, forced);
}

/** The most bytes encodeBloscLz4 writes for `nbytes` of input (its `output` must hold this many). */
export function bloscLz4Bound(nbytes: number): number {
  return nbytes + 16;
}

/**
 * One Blosc chunk; with `output` (at least bloscLz4Bound bytes) the chunk is written there and the
 * result is a view of it, so a writer can reuse a few buffers instead of faulting in new pages.
 */
export function encodeBloscLz4(data: Uint8Array, opts: BloscLz4Options, output?: Uint8Array): Uint8Array {
  const nbytes = data.byteLength;
  if (nbytes > BLOSC_MAX_BUFFER) throw new RangeError(`a Blosc chunk holds at most ${BLOSC_MAX_BUFFER} bytes, this one ${nbytes}`);
  const wasm = instance();
  const base = wasm.__heap_base.value;
  const blockBytes = wasm.blocksize(nbytes, opts.typesize, opts.clevel, opts.blocksize);
  // Linear memory after the stack: the input, the chunk (nbytes + 16), one shuffled block.
  const src = base;
  const dest = src + nbytes;
  const tmp = dest + nbytes + 16;
  const need = tmp + blockBytes;
  if (need > wasm.memory.buffer.byteLength) {
    const tooLarge = `a ${nbytes}-byte chunk is too large for the portable Blosc-lz4 encoder (it needs ${need} bytes of WebAssembly memory); use smaller chunks (codecs.zarr.chunks) or dj-zarr-native`;
    if (need > MAX_MEMORY) throw new RangeError(tooLarge);
    try {
      wasm.memory.grow(Math.ceil((need - wasm.memory.buffer.byteLength) / PAGE));
    } catch (err) {
      throw new RangeError(`${tooLarge}: ${(err as Error).message}`);
    }
  }
  new Uint8Array(wasm.memory.buffer, src, nbytes).set(data);
  const length = wasm.encode(src, nbytes, opts.typesize, opts.clevel, opts.shuffle, opts.blocksize, dest, tmp);
  if (length < 16) throw new Error("LZ4 failed to compress a Blosc block");
  const chunk = new Uint8Array(wasm.memory.buffer, dest, length);
  if (output && output.byteLength >= bloscLz4Bound(nbytes)) {
    output.set(chunk);
    return output.subarray(0, length);
  }
  return chunk.slice();
}
