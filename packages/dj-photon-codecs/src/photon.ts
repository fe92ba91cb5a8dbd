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
import { littleEndian, PyFloat, readMeta, verifyZarr, writeZarr, zarrSource, type ArrayMeta } from "dj-zarr-codecs";
import { forward, inverseAlgebraic, inverseUnbiased, numericView, toNumbers } from "./anscombe.js";
import { assertNonNegative, BETA, djError, planQuantised, quantiseOptions, type QuantisedPlan } from "./plan.js";
import { decodeTable, encodeCodes, fromNumbers, integerEncoder, quantisable, U16, U8 } from "./quantize.js";

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
    // A box read by the Zarr source (only the chunks it meets), inverted like everything else.
    readBox: src.readBox ? async (lo, hi) => apply(await src.readBox!(lo, hi)) : undefined,
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
    if (plan) {
      ctx.report?.({
        worst_error_noise_units: Number(plan.fit.worstErrorNoiseUnits.toFixed(4)),
        conversion_gain: plan.params.conversionGain,
        zero_level: plan.params.zeroLevel,
        gain_and_zero_level: plan.estimated ? "measured" : "configured",
        clamped_fraction: plan.fit.clampedFraction,
        saturated_fraction: plan.fit.saturatedFraction,
        sampled_values: plan.fit.sampled,
      });
    }
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
  /**
   * The Zarr checks of dj-zarr-codecs; every chunk must exist for quantised movies (only dj writes
   * them), and `--deep` decodes the codes too.
   */
  async verify(stored, ctx) {
    const storeName = typeof stored.store === "string" && stored.store !== "" ? stored.store : null;
    const store = await ctx.getStore(storeName);
    // Metadata that cannot be read leaves no filters to apply; verifyZarr reads the same
    // metadata and reports the problem itself (the failure is not dropped, it is told once).
    const meta = await readMeta(store, stored.path).catch(() => null);
    const filters = meta ? { "anscombe-v1": anscombeFilter(meta) } : undefined;
    const allChunksWritten = stored.transform === "anscombe-quantized";
    return verifyZarr(store, stored.path, { storeName, shape: stored.shape, dtype: stored.dtype, allChunksWritten, deep: ctx.deep, filters });
  },
};

export default photon;
