/**
 * `<photon@store>`: photon-count movies `(time, height, width, …)` stored as DataJoint's Python
 * photon codec stores them — the Anscombe transform as float64 in Zarr v2 with blosc-zstd-5
 * bit-shuffle, chunks `[min(100, T), H, W, …]`, the codec's `.zattrs` — so both tools read each
 * other's movies. Column JSON: {"path","store","codec_version","shape","dtype","transform"}.
 * Fetch returns the transformed values; `--inverse algebraic|unbiased` inverts them.
 *
 * With `codecs.photon.quantize: true` (an option no Python tool offers; the default stays
 * DataJoint's layout) the movie is stored as quantised Anscombe codes instead (quantize.ts), with
 * the gain and zero level measured from the movie itself (photon-transfer.ts) unless the config
 * gives them; fetch then returns the movie in its own units and dtype, within half a code step.
 */
import { readFileSync } from "node:fs";
import type { Codec, DType, NdArraySource } from "dj-cli";
import { byteSwap, littleEndian, PyFloat, readMeta, writeZarr, zarrSource, type ArrayMeta } from "dj-zarr-codecs";
import { forward, inverseAlgebraic, inverseUnbiased, numericView, toNumbers } from "./anscombe.js";
import { PhotonTransfer } from "./photon-transfer.js";
import { codeDtype, decodeTable, encodeCodes, fromNumbers, integerEncoder, quantisable, U16, U8, type AnscombeParams } from "./quantize.js";

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

function djError(kind: "codec" | "input" | "config", message: string): Error {
  return Object.assign(new Error(message), { _dj: true, kind });
}

/** Little-endian copy of a piece (the movie may be big-endian). */
function leNumbers(piece: Uint8Array, d: DType): Float64Array {
  if (d.byteOrder !== ">") return toNumbers(piece, d);
  const copy = piece.slice();
  byteSwap(copy, d);
  return toNumbers(copy, littleEndian(d));
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

/** How a movie is stored in the quantised mode, decided before anything is written. */
interface QuantisedPlan {
  params: AnscombeParams;
  codes: DType;
  estimated: boolean;
}

const BETA = 0.5; // the anscombe-transform package's default; Python decodes with it

/**
 * `codecs.photon` options of the quantised mode: `quantize: true`, and optionally both
 * `conversion_gain` and `zero_level` (else they are measured from the movie).
 */
function quantiseOptions(options: Record<string, unknown>): { gain?: number; zero?: number } | null {
  const on = options.quantize ?? options.quantise;
  if (on === undefined || on === false) return null;
  if (on !== true) throw djError("config", `codecs.photon.quantize must be true or false, got ${JSON.stringify(on)}`);
  const gain = options.conversion_gain;
  const zero = options.zero_level;
  if ((gain === undefined) !== (zero === undefined)) {
    throw djError("config", "codecs.photon: give both conversion_gain and zero_level, or neither (then they are measured from the movie)");
  }
  if (gain === undefined) return {};
  if (typeof gain !== "number" || !(gain > 0) || typeof zero !== "number" || !Number.isFinite(zero)) {
    throw djError("config", "codecs.photon.conversion_gain must be a positive number and zero_level a number");
  }
  return { gain, zero };
}

/**
 * One pass over the movie: no negative counts, the largest value, and (unless given) the
 * photon-transfer statistics of consecutive frames — then the code parameters and code width.
 */
async function planQuantised(src: NdArraySource, given: { gain?: number; zero?: number }): Promise<QuantisedPlan> {
  if (!quantisable(src.dtype)) throw djError("input", `<photon> quantize: ${src.dtype.name} movies are not supported (use integer, float32 or float64)`);
  const frames = src.shape[0]!;
  const pixels = src.shape.slice(1).reduce((a, b) => a * b, 1);
  const transfer = given.gain === undefined ? new PhotonTransfer() : null;
  // C order: the previous frame of element k is k - pixels (kept in a one-frame ring);
  // F order: it is k - 1 within each pixel's run of `frames` values.
  const ring = transfer && src.order === "C" ? new Float64Array(pixels) : null;
  // A few million pixel pairs measure the gain well; larger movies are sampled evenly.
  const stride = Math.max(1, Math.floor(((frames - 1) * pixels) / 4_000_000));
  let k = 0;
  let max = 0;
  let previous = 0;
  for await (const piece of src.chunks(4 << 20)) {
    const x = numericView(piece, src.dtype) ?? leNumbers(piece, src.dtype);
    for (let i = 0; i < x.length; i++, k++) {
      const v = x[i]!;
      if (!(v >= 0)) throw djError("input", `<photon>: photon counts cannot be negative (found ${v})`);
      if (v > max) max = v;
      if (!transfer) continue;
      if (ring) {
        const p = k % pixels;
        if (k >= pixels && k % stride === 0) transfer.add(ring[p]!, v);
        ring[p] = v;
      } else {
        if (k % frames !== 0 && k % stride === 0) transfer.add(previous, v);
        previous = v;
      }
    }
  }
  let params: AnscombeParams;
  if (transfer) {
    const fit = transfer.fit();
    if (typeof fit === "string") {
      throw djError("input", `<photon> quantize: cannot measure the gain of this movie: ${fit}; set codecs.photon.conversion_gain and codecs.photon.zero_level`);
    }
    params = { zeroLevel: fit.zeroLevel, conversionGain: fit.conversionGain, beta: BETA };
  } else params = { zeroLevel: given.zero!, conversionGain: given.gain!, beta: BETA };
  const codes = codeDtype(max, params);
  if (!codes) throw djError("input", `<photon> quantize: values up to ${max} need more than 16-bit codes at gain ${params.conversionGain}`);
  return { params, codes, estimated: transfer !== null };
}

const plans = new WeakMap<NdArraySource, QuantisedPlan>();

/** The block transform of the quantised mode: a table lookup for 8/16-bit integers, else the formula. */
function quantiser(plan: QuantisedPlan, d: DType): (block: Uint8Array, source: DType) => Uint8Array {
  const lookup = integerEncoder(d, plan.params, plan.codes);
  return (block, source) => (lookup ? lookup(block) : encodeCodes(toNumbers(block, source), plan.params, plan.codes));
}

function filterConfig(plan: QuantisedPlan, decoded: DType): Record<string, unknown> {
  return {
    id: "anscombe-v1",
    zero_level: plan.params.zeroLevel,
    conversion_gain: plan.params.conversionGain,
    encoded_dtype: plan.codes.name,
    decoded_dtype: decoded.name,
  };
}

/** Decodes `anscombe-v1` chunks (codes) into the array's dtype, one lookup table per config. */
function anscombeFilter(meta: ArrayMeta) {
  const tables = new Map<string, Float64Array>();
  return (config: Record<string, unknown>, encoded: Uint8Array, elements: number): Uint8Array => {
    const codes = config.encoded_dtype === "uint16" ? U16 : config.encoded_dtype === "uint8" || config.encoded_dtype === undefined ? U8 : null;
    if (!codes) throw new Error(`anscombe-v1: unsupported encoded_dtype ${JSON.stringify(config.encoded_dtype)}`);
    if (meta.dtype.byteOrder === ">" || !quantisable(meta.dtype)) throw new Error(`anscombe-v1: cannot decode to ${meta.dtype.descr}`);
    const key = JSON.stringify(config);
    let table = tables.get(key);
    if (!table) {
      const params = { zeroLevel: Number(config.zero_level), conversionGain: Number(config.conversion_gain), beta: Number(config.beta ?? BETA) };
      tables.set(key, (table = decodeTable(codes, params, meta.dtype)));
    }
    if (encoded.byteLength !== elements * codes.itemsize) throw new Error(`anscombe-v1: ${encoded.byteLength} bytes for ${elements} codes`);
    const view = numericView(encoded, codes)!;
    const values = new Float64Array(elements);
    for (let i = 0; i < elements; i++) values[i] = table[view[i]!]!;
    return fromNumbers(values, meta.dtype);
  };
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
  getDtype(isStore, dj) {
    // dj passes its error helpers (older dj versions did not: then the legacy error shape).
    if (!isStore) throw (dj?.error ?? djError)("codec", "<photon> requires @ (store only): write <photon@> or <photon@store>");
    return "json";
  },
  async validate(value, ctx) {
    if (value.kind !== "ndarray") return ctx.fail("input", `<photon> requires a movie array (a .npy file), got ${value.kind}`);
    const a = value.array;
    if (a.shape.length < 3) ctx.fail("input", `<photon> requires at least 3 dimensions (time, height, width), got shape [${a.shape.join(", ")}]`);
    if (a.dtype.kind === "c" || a.dtype.kind === "b") ctx.fail("input", `<photon> requires real numeric photon counts, got ${a.dtype.name}`);
    if (a.shape[0] === 0) ctx.fail("input", "<photon> requires at least one frame");
    const quantise = quantiseOptions(ctx.options);
    if (quantise) plans.set(a, await planQuantised(a, quantise));
    else await assertNonNegative(a);
  },
  async encode(value, ctx) {
    if (value.kind !== "ndarray") return ctx.fail("input", "<photon> requires a movie array");
    if (!ctx.store || !ctx.storeName) return ctx.fail("codec", "<photon> requires @ (store only)");
    const src = value.array;
    const path = ctx.objectPath(".zarr");
    const quantise = quantiseOptions(ctx.options);
    const plan = quantise ? (plans.get(src) ?? (await planQuantised(src, quantise))) : null;
    ctx.onObjectWritten(path, ctx.store);
    const attributes = {
      anscombe_gain: new PyFloat(plan ? plan.params.conversionGain : 1),
      anscombe_offset: new PyFloat(plan ? plan.params.zeroLevel : 0),
      anscombe_variance: new PyFloat(0),
      codec_name: "photon",
      codec_version: CODEC_VERSION,
      original_dtype: src.dtype.name,
    };
    const layout = { format: 2 as const, chunks: [Math.min(100, src.shape[0]!), ...src.shape.slice(1)], compressor: COMPRESSOR, signal: ctx.signal };
    if (plan) {
      const decoded = littleEndian(src.dtype);
      await writeZarr(ctx.store, path, src, {
        ...layout,
        filters: [filterConfig(plan, decoded)],
        arrayDtype: decoded,
        attributes: {
          ...attributes,
          quantization: { beta: new PyFloat(BETA), encoded_dtype: plan.codes.name, gain_and_zero_level: plan.estimated ? "measured" : "configured" },
        },
        transform: { dtype: plan.codes, apply: quantiser(plan, decoded) },
      });
      return { path, store: ctx.storeName, codec_version: CODEC_VERSION, shape: src.shape, dtype: src.dtype.name, transform: "anscombe-quantized" };
    }
    await writeZarr(ctx.store, path, src, {
      ...layout,
      attributes,
      transform: { dtype: F8, apply: (block, d) => new Uint8Array(forward(toNumbers(block, d)).buffer) },
    });
    return { path, store: ctx.storeName, codec_version: CODEC_VERSION, shape: src.shape, dtype: "float64", transform: "anscombe" };
  },
  async decode(stored, ctx) {
    const store = await ctx.getStore(typeof stored.store === "string" && stored.store !== "" ? stored.store : null);
    const meta = await readMeta(store, stored.path);
    if (!meta) return ctx.fail("store", `Missing external file ${store.root}/${stored.path}`);
    const inverse = ctx.fetchOptions.inverse;
    if (inverse !== undefined && inverse !== "algebraic" && inverse !== "unbiased") ctx.fail("input", `--inverse must be algebraic or unbiased`);
    if (meta.filters?.some((f) => f.id === "anscombe-v1")) {
      if (inverse !== undefined) ctx.fail("input", "--inverse does not apply: this movie is stored quantised and fetches in its own units already");
      return { kind: "ndarray", array: zarrSource(store, stored.path, meta, { filters: { "anscombe-v1": anscombeFilter(meta) } }) };
    }
    const array = zarrSource(store, stored.path, meta);
    return { kind: "ndarray", array: inverse ? inverted(array, String(inverse)) : array };
  },
  referencedPaths(stored) {
    return [{ path: stored.path, store: typeof stored.store === "string" ? stored.store : null }];
  },
};

export default photon;
