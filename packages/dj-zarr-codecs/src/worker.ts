/**
 * Worker thread: encodes chunks (zstd-napi, dj's WASM Blosc-lz4 writer, or numcodecs' WASM
 * codecs) and decodes them (zstd-napi, the lz4-napi Blosc reader where it applies, else WASM),
 * one codec instance per config.
 */
import { parentPort } from "node:worker_threads";
import { decodeBloscLz4 } from "./blosc-decode.js";
import { encodeBloscLz4 } from "./blosc-lz4.js";
import { loadWasmCodec, zlibDeflate, type CompressorConfig, type PortableCodec } from "./compressors.js";
import type { WorkerTask } from "./worker-pool.js";

const codecs = new Map<string, Promise<PortableCodec>>();

function wasm(config: CompressorConfig): Promise<PortableCodec> {
  const key = JSON.stringify(config);
  let codec = codecs.get(key);
  if (!codec) {
    codec = loadWasmCodec(config);
    codecs.set(key, codec);
  }
  return codec;
}

/** numcodecs' results are fresh Uint8Arrays already: `new Uint8Array(x)` would copy 4 MiB again. */
const bytes = (x: Uint8Array) => (x instanceof Uint8Array ? x : new Uint8Array(x));

async function run(m: WorkerTask): Promise<Uint8Array> {
  if (m.op === "blosc-lz4" && m.config.id === "blosc") {
    const { clevel, shuffle, blocksize } = m.config;
    return encodeBloscLz4(m.data, { typesize: m.typesize ?? 1, clevel, shuffle: shuffle === 1 ? 1 : 0, blocksize }, m.output);
  }
  if (m.op === "decode") {
    const fast = m.config.id === "blosc" ? decodeBloscLz4(m.data, m.expectedBytes) : null;
    return fast ?? bytes(await (await wasm(m.config)).decode(m.data, m.expectedBytes));
  }
  if (m.config.id === "zlib") return zlibDeflate(m.data, m.config.level);
  return bytes(await (await wasm(m.config)).encode(m.data));
}

parentPort!.on("message", async (m: WorkerTask) => {
  try {
    const out = await run(m);
    // The result's memory moves to the main thread (no copy); a small view of Node's shared
    // Buffer pool cannot move, so it is copied.
    const movable = out.byteLength === out.buffer.byteLength || out.buffer.byteLength > 64 * 1024 ? out : out.slice();
    const input = m.returnInput && m.data.buffer !== movable.buffer ? m.data : undefined;
    parentPort!.postMessage({ ok: true, data: movable, input }, input ? [movable.buffer as ArrayBuffer, input.buffer as ArrayBuffer] : [movable.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).message });
  }
});
