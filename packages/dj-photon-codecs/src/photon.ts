/**
 * `<photon@store>`: photon-count movies `(time, height, width, …)` stored as DataJoint's Python
 * photon codec stores them — the Anscombe transform as float64 in Zarr v2 with blosc-zstd-5
 * bit-shuffle, chunks `[min(100, T), H, W, …]`, the codec's `.zattrs` — so both tools read each
 * other's movies. Column JSON: {"path","store","codec_version","shape","dtype","transform"}.
 * Fetch returns the transformed values; `--inverse algebraic|unbiased` inverts them.
 */
import { readFileSync } from "node:fs";
import type { Codec, DType, NdArraySource } from "dj-cli";
import { readMeta, writeZarr, zarrSource } from "dj-zarr-codecs";
import { forward, inverseAlgebraic, inverseUnbiased, toNumbers } from "./anscombe.js";

export const VERSION: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
const CODEC_VERSION = "1.0";
const F8: DType = { descr: "<f8", byteOrder: "<", kind: "f", itemsize: 8, name: "float64" };
const COMPRESSOR = { id: "blosc" as const, cname: "zstd", clevel: 5, shuffle: 2, blocksize: 0 };

interface PhotonMetadata {
  path: string;
  store: string;
  codec_version: string;
  shape: number[];
  dtype: string;
  transform: string;
}

function djError(kind: "codec" | "input", message: string): Error {
  return Object.assign(new Error(message), { _dj: true, kind });
}

/** Little-endian copy of a piece (the movie may be big-endian). */
function leNumbers(piece: Uint8Array, d: DType): Float64Array {
  if (d.byteOrder !== ">") return toNumbers(piece.slice(), d);
  const copy = piece.slice();
  for (let i = 0; i < copy.length; i += d.itemsize) copy.subarray(i, i + d.itemsize).reverse();
  return toNumbers(copy, { ...d, byteOrder: "<", descr: "<" + d.descr.slice(1) });
}

/** Photon counts cannot be negative: checked on the whole movie before anything is written. */
async function assertNonNegative(src: NdArraySource): Promise<void> {
  if (src.dtype.kind === "u") return;
  for await (const piece of src.chunks(4 << 20)) {
    const x = leNumbers(piece, src.dtype);
    for (let i = 0; i < x.length; i++) {
      if (!(x[i]! >= 0)) throw djError("input", `<photon>: photon counts cannot be negative (found ${x[i]})`);
    }
  }
}

function inverted(src: NdArraySource, kind: string): NdArraySource {
  const inverse = kind === "unbiased" ? inverseUnbiased : inverseAlgebraic;
  const apply = (bytes: Uint8Array) => {
    const y = toNumbers(bytes.slice(), F8);
    return new Uint8Array(inverse(y).buffer);
  };
  return {
    ...src,
    read: async (offset, length) => apply(await src.read(offset, length)),
    async *chunks(pieceBytes) {
      for await (const c of src.chunks(pieceBytes)) yield apply(c);
    },
  };
}

const photon: Codec<PhotonMetadata> = {
  name: "photon",
  description: "photon-count movies, Anscombe-transformed, as Zarr v2 (DataJoint's layout)",
  accepts: ["ndarray"],
  schemaAddressed: true,
  getDtype(isStore) {
    if (!isStore) throw djError("codec", "<photon> requires @ (store only): write <photon@> or <photon@store>");
    return "json";
  },
  async validate(value, ctx) {
    if (value.kind !== "ndarray") return ctx.fail("input", `<photon> requires a movie array (a .npy file), got ${value.kind}`);
    const a = value.array;
    if (a.shape.length < 3) ctx.fail("input", `<photon> requires at least 3 dimensions (time, height, width), got shape [${a.shape.join(", ")}]`);
    if (a.dtype.kind === "c" || a.dtype.kind === "b") ctx.fail("input", `<photon> requires real numeric photon counts, got ${a.dtype.name}`);
    if (a.shape[0] === 0) ctx.fail("input", "<photon> requires at least one frame");
    await assertNonNegative(a);
  },
  async encode(value, ctx) {
    if (value.kind !== "ndarray") return ctx.fail("input", "<photon> requires a movie array");
    if (!ctx.store || !ctx.storeName) return ctx.fail("codec", "<photon> requires @ (store only)");
    const src = value.array;
    const path = ctx.objectPath(".zarr");
    ctx.onObjectWritten(path, ctx.store);
    await writeZarr(ctx.store, path, src, {
      format: 2,
      chunks: [Math.min(100, src.shape[0]!), ...src.shape.slice(1)],
      compressor: COMPRESSOR,
      attributes: {
        anscombe_gain: 1.0,
        anscombe_offset: 0.0,
        anscombe_variance: 0.0,
        codec_name: "photon",
        codec_version: CODEC_VERSION,
        original_dtype: src.dtype.name,
      },
      transform: {
        dtype: F8,
        apply: (block, d) => new Uint8Array(forward(toNumbers(block, d)).buffer),
      },
      signal: ctx.signal,
    });
    return { path, store: ctx.storeName, codec_version: CODEC_VERSION, shape: src.shape, dtype: "float64", transform: "anscombe" };
  },
  async decode(stored, ctx) {
    const store = await ctx.getStore(typeof stored.store === "string" && stored.store !== "" ? stored.store : null);
    const meta = await readMeta(store, stored.path);
    if (!meta) return ctx.fail("store", `Missing external file ${store.root}/${stored.path}`);
    const array = zarrSource(store, stored.path, meta);
    const inverse = ctx.fetchOptions.inverse;
    if (inverse !== undefined && inverse !== "algebraic" && inverse !== "unbiased") ctx.fail("input", `--inverse must be algebraic or unbiased`);
    return { kind: "ndarray", array: inverse ? inverted(array, String(inverse)) : array };
  },
  referencedPaths(stored) {
    return [{ path: stored.path, store: typeof stored.store === "string" ? stored.store : null }];
  },
};

export default photon;
