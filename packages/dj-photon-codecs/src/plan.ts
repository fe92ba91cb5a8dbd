/**
 * How a movie is stored in the quantised mode, decided in the validation pass before anything is
 * written: no negative counts, the gain and zero level (measured from the movie, or configured),
 * the code width, and the fit check (fit-check.ts) that refuses a model that would lose data.
 */
import type { DType, NdArraySource } from "dj-cli";
import { byteSwap, littleEndian } from "dj-zarr-codecs";
import { numericView, toNumbers } from "./anscombe.js";
import { checkFit, type FitFigures, type MovieStats } from "./fit-check.js";
import { PhotonTransfer } from "./photon-transfer.js";
import { codeDtype, quantisable, type AnscombeParams } from "./quantize.js";

export const BETA = 0.5; // the anscombe-transform package's default; Python decodes with it
/** Values of the movie whose reconstruction the fit check measures. */
const SAMPLE_SIZE = 65536;

/** A typed dj error without a runtime dependency on dj (recognised by `_dj` and `kind`). */
export function djError(kind: "codec" | "input" | "config", message: string, hint?: string): Error {
  return Object.assign(new Error(message), { _dj: true, kind, ...(hint ? { hint } : {}) });
}

/** Little-endian copy of a piece (the movie may be big-endian). */
function leNumbers(piece: Uint8Array, d: DType): Float64Array {
  if (d.byteOrder !== ">") return toNumbers(piece, d);
  const copy = piece.slice();
  byteSwap(copy, d);
  return toNumbers(copy, littleEndian(d));
}

/** Photon counts cannot be negative: checked on the whole movie before anything is written. */
export async function assertNonNegative(src: NdArraySource): Promise<void> {
  if (src.dtype.kind === "u") return;
  for await (const piece of src.chunks(4 << 20)) {
    const x = leNumbers(piece, src.dtype);
    for (let i = 0; i < x.length; i++) {
      if (!(x[i]! >= 0)) throw djError("input", `<photon>: photon counts cannot be negative (found ${x[i]})`);
    }
  }
}

export interface QuantisedPlan {
  params: AnscombeParams;
  codes: DType;
  estimated: boolean;
  /** What the fit check measured (reported back to `dj insert --json`). */
  fit: FitFigures;
}

/**
 * `codecs.photon` options of the quantised mode: `quantize: true`, and optionally both
 * `conversion_gain` and `zero_level` (else they are measured from the movie).
 */
export function quantiseOptions(options: Record<string, unknown>): { gain?: number; zero?: number } | null {
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

const LOSSLESS_HINT = 'store it losslessly in DataJoint\'s float64 layout with "codecs": {"photon": {"quantize": false}}';

/**
 * One pass over the movie: no negative counts, the largest value and how often it occurs, an
 * evenly spaced sample, and the photon-transfer statistics of consecutive frames (also when the
 * gain is configured: the fit check compares errors with the measured noise) — then the code
 * parameters, the code width and the fit check.
 */
export async function planQuantised(src: NdArraySource, given: { gain?: number; zero?: number }): Promise<QuantisedPlan> {
  if (!quantisable(src.dtype)) throw djError("input", `<photon> quantize: ${src.dtype.name} movies are not supported (use integer, float32 or float64)`);
  const frames = src.shape[0]!;
  const pixels = src.shape.slice(1).reduce((a, b) => a * b, 1);
  const total = frames * pixels;
  const transfer = new PhotonTransfer();
  // C order: the previous frame of element k is k - pixels (kept in a one-frame ring);
  // F order: it is k - 1 within each pixel's run of `frames` values.
  const ring = src.order === "C" ? new Float64Array(pixels) : null;
  // A few million pixel pairs measure the gain well; larger movies are sampled evenly.
  const stride = Math.max(1, Math.floor(((frames - 1) * pixels) / 4_000_000));
  const sampleStride = Math.max(1, Math.ceil(total / SAMPLE_SIZE));
  const sample = new Float64Array(Math.ceil(total / sampleStride));
  let k = 0;
  let min = Infinity;
  let max = 0;
  let atMax = 0;
  let previous = 0;
  for await (const piece of src.chunks(4 << 20)) {
    const x = numericView(piece, src.dtype) ?? leNumbers(piece, src.dtype);
    for (let i = 0; i < x.length; i++, k++) {
      const v = x[i]!;
      if (!(v >= 0)) throw djError("input", `<photon>: photon counts cannot be negative (found ${v})`);
      if (v > max) {
        max = v;
        atMax = 0;
      }
      if (v === max) atMax++;
      if (v < min) min = v;
      if (k % sampleStride === 0) sample[k / sampleStride] = v;
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
  if (given.gain === undefined) {
    const fit = transfer.fit();
    if (typeof fit === "string") {
      throw djError("input", `<photon> quantize: cannot measure the gain of this movie: ${fit}; set codecs.photon.conversion_gain and codecs.photon.zero_level`, LOSSLESS_HINT);
    }
    params = { zeroLevel: fit.zeroLevel, conversionGain: fit.conversionGain, beta: BETA };
  } else params = { zeroLevel: given.zero!, conversionGain: given.gain!, beta: BETA };
  const codes = codeDtype(max, params);
  if (!codes) throw djError("input", `<photon> quantize: values up to ${max} need more than 16-bit codes at gain ${params.conversionGain}`, LOSSLESS_HINT);
  const stats: MovieStats = { sample, min, max, atMax, total };
  const check = checkFit(stats, transfer.noiseProfile(), params, codes, littleEndian(src.dtype));
  if (check.problems.length) {
    const source = given.gain === undefined ? "measured" : "configured";
    throw djError(
      "input",
      `<photon> quantize: the photon-noise model does not fit this movie (${source} gain ${round(params.conversionGain)}, zero level ${round(params.zeroLevel)}): ${check.problems.join("; ")}`,
      `${LOSSLESS_HINT}, or set codecs.photon.conversion_gain and codecs.photon.zero_level from a calibration of the camera`,
    );
  }
  return { params, codes, estimated: given.gain === undefined, fit: check.figures };
}

const round = (v: number) => Number(v.toPrecision(6));
