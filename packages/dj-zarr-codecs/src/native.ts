/**
 * The optional native codecs (the `dj-zarr-native` package: c-blosc and libzstd, the libraries
 * Python's numcodecs uses). When it is installed and built, every Blosc and Zstandard chunk goes
 * through it; otherwise the portable encoders (numcodecs' WASM, lz4-napi) take over. Setting
 * DJ_ZARR_NATIVE=0 forces the portable path (tests compare both; users can rule out the addon).
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";

export interface NativeCodecs {
  bloscEncode(data: Uint8Array, cname: string, clevel: number, shuffle: number, typesize: number, blocksize: number, output?: Uint8Array | null, threads?: number): Promise<Uint8Array>;
  bloscDecode(data: Uint8Array, limit?: number): Promise<Uint8Array>;
  zstdEncode(data: Uint8Array, level: number, checksum: boolean, output?: Uint8Array): Promise<Uint8Array>;
  zstdDecode(data: Uint8Array, limit?: number): Promise<Uint8Array>;
  readonly bloscVersion: string;
  readonly zstdVersion: string;
}

/**
 * Room for any native encoding of `n` bytes: Blosc adds at most 16 bytes, Zstandard's bound is
 * n + n/256 + (up to 64 bytes for n < 128 KiB) — rounded up generously.
 */
export function encodedBound(n: number): number {
  return n + (n >>> 8) + 1024;
}

let loaded: NativeCodecs | null | undefined;

export function nativeCodecs(): NativeCodecs | null {
  if (loaded === undefined) {
    if (process.env.DJ_ZARR_NATIVE === "0") loaded = null;
    else {
      try {
        loaded = createRequire(import.meta.url)("dj-zarr-native") as NativeCodecs;
      } catch {
        loaded = null;
      }
    }
  }
  return loaded;
}

// Native work runs on libuv's thread pool (4 threads), which file reads and writes share: at most
// one job per core runs at once so a write is never stuck behind a queue of compressions.
const slots = Math.max(1, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

export async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}
