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

/**
 * Whether the addon runs, and if not, why: turned off, absent (not installed, or installed but
 * not built: the portable encoders are the designed fallback), or present but failing to load,
 * which falls back too but is said (`dj codecs list --verify` shows the reason) rather than hidden.
 */
export type NativeState =
  | { status: "loaded"; codecs: NativeCodecs }
  | { status: "off" | "absent"; reason: string }
  | { status: "failed"; reason: string; error: Error };

/** Load the addon with `load` (a require rooted where dj-zarr-codecs is installed). */
export function loadNative(load: (id: string) => unknown, env: NodeJS.ProcessEnv = process.env): NativeState {
  if (env.DJ_ZARR_NATIVE === "0") return { status: "off", reason: "DJ_ZARR_NATIVE=0 turns dj-zarr-native off" };
  try {
    return { status: "loaded", codecs: load("dj-zarr-native") as NativeCodecs };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const first = String(e.message).split("\n")[0]!;
    if (e.code === "DJ_ZARR_NATIVE_NOT_BUILT") return { status: "absent", reason: "dj-zarr-native is not built" };
    if (e.code === "MODULE_NOT_FOUND" && first.includes("'dj-zarr-native'")) return { status: "absent", reason: "dj-zarr-native is not installed" };
    // An older dj-zarr-native, not built: its index.cjs fails to require the addon file itself.
    if (e.code === "MODULE_NOT_FOUND" && first.includes("dj_zarr_native.node")) return { status: "absent", reason: "dj-zarr-native is not built" };
    return { status: "failed", reason: `dj-zarr-native is installed but failed to load (${first})`, error: e };
  }
}

let state: NativeState | undefined;

export function nativeState(): NativeState {
  state ??= loadNative(createRequire(import.meta.url));
  return state;
}

export function nativeCodecs(): NativeCodecs | null {
  const s = nativeState();
  return s.status === "loaded" ? s.codecs : null;
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
