/**
 * Chunk compressors: gzip through Node's zlib (its thread pool already spreads them over the
 * cores); zlib through pako on the worker threads (numcodecs' exact bytes); zstd and blosc
 * through the native addon when it is installed (native.ts: c-blosc and libzstd on libuv's
 * thread pool), else through zstd-napi (zstd-portable.ts), dj's WASM Blosc-lz4 writer
 * (blosc-lz4.ts), the lz4-napi Blosc reader (blosc-decode.ts) or numcodecs' WASM builds, in a
 * pool of worker threads, one per core. Either way
 * (de)compression runs in parallel with reading and writing.
 */
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { createRequire } from "node:module";
import { gunzip, gzip, inflate } from "node:zlib";
import { nativeCodecs, withSlot } from "./native.js";
import { WorkerPool } from "./worker-pool.js";
import { napiZstdCodec, zstdNapiState } from "./zstd-portable.js";

export type CompressorConfig =
  | { id: "zlib"; level: number }
  | { id: "gzip"; level: number }
  | { id: "zstd"; level: number; checksum?: boolean }
  | { id: "blosc"; cname: string; clevel: number; shuffle: number; blocksize: number };

const inflateAsync = promisify(inflate);
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const BIG_CHUNK = 32 << 20;

let pool: WorkerPool | null = null;
let holds = 0;

/**
 * Keep the worker threads up between the chunks of one array (a write, a streamed read) however
 * long the store takes; the returned function lets them go idle again.
 */
export function holdCompressors(): () => void {
  holds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds === 0) pool?.scheduleShutdown();
  };
}

function workers(): WorkerPool {
  if (!pool || pool.isClosed) {
    const created = new WorkerPool(new URL("./worker.js", import.meta.url), Math.max(1, Math.min(4, availableParallelism())));
    created.keepAlive = () => holds > 0;
    created.onClosed = () => {
      if (pool === created) pool = null;
    };
    pool = created;
  }
  return pool;
}

/** Stop the worker threads (the process can then exit). */
export async function closeCompressors(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.close();
}

/**
 * The shuffle dj's WASM Blosc-lz4 writer (blosc-lz4.ts) applies, when it takes this config
 * without dj-zarr-native: lz4, clevel 0-9, a blocksize that is a C int (numcodecs refuses
 * others), no or byte shuffle, or numcodecs' AUTOSHUFFLE (-1), which is byte shuffle for
 * elements wider than a byte. Else null: numcodecs' WASM takes it.
 */
export function portableBloscLz4Shuffle(config: CompressorConfig, typesize: number): 0 | 1 | null {
  if (config.id !== "blosc" || config.cname !== "lz4") return null;
  if (!Number.isInteger(config.clevel) || config.clevel < 0 || config.clevel > 9) return null;
  if (!Number.isInteger(config.blocksize) || config.blocksize < -(2 ** 31) || config.blocksize > 2 ** 31 - 1) return null;
  if (config.shuffle === 0 || config.shuffle === 1) return config.shuffle;
  return config.shuffle === -1 && typesize > 1 ? 1 : null;
}

/**
 * Whether compress() leaves its input buffer usable (the caller may then reuse it once the
 * promise settles). The worker-thread fallback moves the buffer to the worker instead.
 */
export function compressKeepsInput(config: CompressorConfig | null): boolean {
  if (!config || config.id === "gzip") return true;
  if (config.id === "zlib") return false;
  return nativeCodecs() !== null;
}

/**
 * Whether compress() can write into a caller's `output` buffer (see encodedBound): the native
 * encoders, and the WASM Blosc-lz4 writer (the buffer then moves to a worker thread and comes
 * back as the result's memory).
 */
export function compressFillsOutput(config: CompressorConfig | null, typesize: number): boolean {
  if (config?.id !== "zstd" && config?.id !== "blosc") return false;
  return nativeCodecs() !== null || portableBloscLz4Shuffle(config, typesize) !== null;
}

/**
 * Encode one chunk. `output`, when compressFillsOutput(config, typesize), receives the encoded bytes (the
 * result is then a view of it), so a stream of chunks can reuse a few buffers. Where the input
 * moves to a worker thread (not compressKeepsInput), `recycle` gets it back once it is encoded.
 */
export async function compress(config: CompressorConfig | null, data: Uint8Array, typesize = 1, output?: Uint8Array, recycle?: (input: Uint8Array) => void): Promise<Uint8Array> {
  if (!config) return data;
  switch (config.id) {
    case "zlib":
      // numcodecs' bytes (CPython's zlib 1.2.x): pako with legacyHash on the worker threads.
      // Node's zlib is a fork whose deflate gives other bytes (docs/decisions.md).
      if (data.byteLength === 0) return zlibDeflate(data, config.level);
      return workers().run({ op: "encode", config, data }, recycle);
    case "gzip":
      return new Uint8Array(await gzipAsync(data, { level: config.level }));
    default: {
      const native = nativeCodecs();
      if (native && config.id === "zstd") return withSlot(() => native.zstdEncode(data, config.level, config.checksum ?? false, output));
      if (native && config.id === "blosc") {
        // A chunk this big is compressed nearly alone (the writer bounds bytes in flight), so
        // c-blosc splits its blocks over the cores instead.
        const threads = data.byteLength >= BIG_CHUNK ? availableParallelism() : 1;
        // numcodecs' AUTOSHUFFLE (-1), which c-blosc itself refuses: bit-shuffle for bytes, else byte shuffle.
        const shuffle = config.shuffle === -1 ? (typesize > 1 ? 1 : 2) : config.shuffle;
        return withSlot(() => native.bloscEncode(data, config.cname, config.clevel, shuffle, typesize, config.blocksize, output, threads));
      }
      const shuffle = portableBloscLz4Shuffle(config, typesize);
      if (data.byteLength > 0 && shuffle !== null && config.id === "blosc") return workers().run({ op: "blosc-lz4", config: { ...config, shuffle }, data, typesize, ...(output ? { output } : {}) }, recycle);
      return workers().run({ op: "encode", config, data }, recycle);
    }
  }
}

/** Decode one chunk; `expectedBytes` (when known) bounds what a corrupt header can make us allocate. */
export async function decompress(config: CompressorConfig | null, data: Uint8Array, expectedBytes?: number): Promise<Uint8Array> {
  if (!config) return data;
  switch (config.id) {
    case "zlib":
      return new Uint8Array(await inflateAsync(data));
    case "gzip":
      return new Uint8Array(await gunzipAsync(data));
    default: {
      const native = nativeCodecs();
      if (native && config.id === "zstd") return withSlot(() => native.zstdDecode(data, expectedBytes));
      if (native && config.id === "blosc") return withSlot(() => native.bloscDecode(data, expectedBytes));
      // Portable: on the worker threads, so chunks decode on every core while the main thread
      // reads and writes. The bytes move to the worker (the caller does not reuse them).
      if (data.byteLength === 0) return data;
      return workers().run({ op: "decode", config, data, ...(expectedBytes === undefined ? {} : { expectedBytes }) });
    }
  }
}

type Pako = { deflate(data: Uint8Array, options: Record<string, unknown>): Uint8Array };
let pako: Pako | null = null;

/**
 * zlib's deflate as CPython's zlib 1.2.x (and so numcodecs' Zlib) does it at `level`: window 15,
 * memLevel 8, default strategy. pako matches it only with `legacyHash`.
 */
export function zlibDeflate(data: Uint8Array, level: number): Uint8Array {
  pako ??= createRequire(import.meta.url)("pako") as Pako;
  return pako.deflate(data, { level, windowBits: 15, memLevel: 8, strategy: 0, legacyHash: true });
}

/**
 * The levels at which zstd-napi's libzstd (1.5.7) writes the frames Debian's numcodecs (libzstd
 * 1.5.4) writes; at 3 and 4 only the WASM build does, and above 4 neither (the test in
 * tests/integration/zarr-portable.test.ts holds both to this). Level 1 is dj's default.
 */
const NAPI_ZSTD_LEVELS = new Set([1, 2]);

/** A portable chunk codec, and which encoder it runs (for tests and `DJ_ZSTD_NAPI=0` comparisons). */
export interface PortableCodec {
  readonly encoder: "zstd-napi" | "wasm";
  encode(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** `expectedBytes`, when known, bounds what a damaged frame can make zstd-napi allocate. */
  decode(data: Uint8Array, expectedBytes?: number): Uint8Array | Promise<Uint8Array>;
}

/**
 * The portable codec for zstd or blosc: zstd-napi where it is installed (encoding only at the
 * levels where its bytes are numcodecs'; decoding at any level), else numcodecs' WASM builds.
 */
export async function loadWasmCodec(config: CompressorConfig): Promise<PortableCodec> {
  if (config.id === "zstd") {
    const { napi } = zstdNapiState();
    const fast = napi ? napiZstdCodec(napi, config.level, config.checksum ?? false) : null;
    if (fast && NAPI_ZSTD_LEVELS.has(config.level)) return { encoder: "zstd-napi", encode: fast.encode, decode: fast.decode };
    const { default: Zstd } = await import("numcodecs/zstd");
    const wasm = Zstd.fromConfig({ id: "zstd", level: config.level });
    return { encoder: "wasm", encode: (d) => wasm.encode(d), decode: fast ? fast.decode : (d) => wasm.decode(d) };
  }
  if (config.id === "blosc") {
    const { default: Blosc } = await import("numcodecs/blosc");
    const wasm = Blosc.fromConfig({ id: "blosc", cname: config.cname, clevel: config.clevel, shuffle: config.shuffle, blocksize: config.blocksize });
    return { encoder: "wasm", encode: (d) => wasm.encode(d), decode: (d) => wasm.decode(d) };
  }
  throw new Error(`unsupported compressor ${(config as { id: string }).id}`);
}

/** A compressor from `codecs.zarr.compressor` options: a name or a numcodecs-style object. */
export function compressorFromOptions(value: unknown, level?: unknown): CompressorConfig | null | string {
  // The default is zarr-python's own (blosc lz4, clevel 5, byte shuffle): the fastest of the
  // measured compressors here at zarr-python's default ratio (README, bench/zarr.mjs).
  if (value === undefined) return { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 };
  if (value === null || value === "none") return null;
  const obj = typeof value === "string" ? { id: value } : (value as Record<string, unknown>);
  const id = String(obj.id ?? obj.name ?? "");
  const lvl = (d: number) => Number(obj.level ?? obj.clevel ?? level ?? d);
  switch (id) {
    case "zlib":
      return { id: "zlib", level: lvl(1) };
    case "gzip":
      return { id: "gzip", level: lvl(5) };
    case "zstd":
      return { id: "zstd", level: lvl(1) };
    case "blosc":
    case "blosc-lz4":
    case "blosc-zstd":
      return {
        id: "blosc",
        cname: String(obj.cname ?? (id === "blosc-zstd" ? "zstd" : "lz4")),
        clevel: Number(obj.clevel ?? level ?? 5),
        shuffle: Number(obj.shuffle ?? 1),
        blocksize: Number(obj.blocksize ?? 0),
      };
    default:
      return `unknown compressor ${JSON.stringify(value)} (use none, zlib, gzip, zstd or blosc)`;
  }
}
