/**
 * Zstandard without system libraries. zstd-napi, an optional dependency, compiles its own copy
 * of libzstd with node-gyp when it is installed: no -dev package is needed, only the compiler
 * npm already uses for native addons. It encodes a 4 MiB chunk about 3.5 times faster than
 * numcodecs' WASM build (docs/decisions.md) and, at levels 1 and 2, writes the frames Python's
 * numcodecs writes (tests/integration/zarr-portable.test.ts); compressors.ts uses it there. At
 * other levels, and where it is not installed, the WASM build serves.
 * It runs on the worker threads, like the WASM build: a chunk never blocks the main thread.
 */
import { createRequire } from "node:module";

type ZstdNapi = typeof import("zstd-napi");

export interface FrameCodec {
  encode(data: Uint8Array): Uint8Array;
  decode(data: Uint8Array, expectedBytes?: number): Uint8Array;
}

type Binding = { DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number } };

type NapiState = { napi: ZstdNapi | null; off?: true; problem?: string };
let state: NapiState | undefined;

/**
 * zstd-napi when it loads; else null: `off` with DJ_ZSTD_NAPI=0, `problem` when it is installed
 * but fails to load (a broken or missing build). zstd then runs on the WASM build and `dj codecs
 * list --verify` says why.
 */
export function zstdNapiState(): NapiState {
  // Read on every call, not kept: the setting decides per call, the loading is done once.
  if (process.env.DJ_ZSTD_NAPI === "0") return { napi: null, off: true };
  if (!state) {
    try {
      state = { napi: createRequire(import.meta.url)("zstd-napi") as ZstdNapi };
    } catch (err) {
      // "Cannot find module" is also what an installed zstd-napi says when its native part was
      // never built (npm skipped its install script, or node-gyp failed): that is a problem to
      // name, not an absent package. Installed means its package.json resolves.
      let installed = true;
      try {
        createRequire(import.meta.url).resolve("zstd-napi/package.json");
      } catch (resolveErr) {
        installed = (resolveErr as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND";
      }
      const message = String((err as Error).message).split("\n")[0]!;
      const notBuilt = (err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND";
      state = !installed ? { napi: null } : { napi: null, problem: notBuilt ? `installed but not built: ${message}; run npm rebuild zstd-napi` : message };
    }
  }
  return state;
}

/** numcodecs' Zstd(level, checksum): one frame with its content size, the checksum only when asked. */
export function napiZstdCodec(zstd: ZstdNapi, level: number, checksum: boolean): FrameCodec {
  const compressor = new zstd.Compressor();
  compressor.setParameters({ compressionLevel: level, checksumFlag: checksum });
  const decompressor = new zstd.Decompressor();
  // With the chunk's size known, decoding goes into a buffer of that size: a frame header that
  // claims more (a damaged or hostile chunk) fails instead of allocating what it claims.
  const dctx = new (createRequire(import.meta.url)("zstd-napi/binding") as Binding).DCtx();
  return {
    encode: (data) => compressor.compress(data),
    decode: (data, expectedBytes) => {
      if (expectedBytes === undefined) return decompressor.decompress(data);
      const out = Buffer.allocUnsafe(expectedBytes);
      return out.subarray(0, dctx.decompress(out, data));
    },
  };
}
