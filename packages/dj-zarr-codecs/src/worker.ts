/** Worker thread: compresses chunks with numcodecs' WASM codecs (one instance per config). */
import { parentPort } from "node:worker_threads";
import { encodeBloscLz4 } from "./blosc-lz4.js";
import { loadWasmCodec, type CompressorConfig } from "./compressors.js";

type Encoder = { encode(d: Uint8Array): Uint8Array | Promise<Uint8Array> };
const codecs = new Map<string, Promise<Encoder>>();

parentPort!.on("message", async (m: { op: string; config: CompressorConfig; data: Uint8Array; typesize?: number }) => {
  try {
    if (m.op === "blosc-lz4" && m.config.id === "blosc") {
      const out = encodeBloscLz4(m.data, m.typesize ?? 1, m.config.shuffle === 1);
      const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
      parentPort!.postMessage({ ok: true, data: owned }, [owned.buffer as ArrayBuffer]);
      return;
    }
    const key = JSON.stringify(m.config);
    let codec = codecs.get(key);
    if (!codec) {
      codec = loadWasmCodec(m.config) as Promise<Encoder>;
      codecs.set(key, codec);
    }
    const out = new Uint8Array(await (await codec).encode(m.data));
    const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    parentPort!.postMessage({ ok: true, data: owned }, [owned.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).message });
  }
});
