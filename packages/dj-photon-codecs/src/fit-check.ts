/**
 * Does the photon-noise model fit the movie? The quantised mode is lossy by design — each value
 * comes back within half a code step, a quarter of its photon noise — but only while the gain and
 * zero level describe the movie. A bright movie whose intensities span a narrow range can give
 * the photon-transfer fit a zero level far below zero; every code is then clamped to 0 and the
 * movie comes back constant. So before anything is written the codes of a sample of the movie
 * are decoded again and compared with the movie's own measured noise, and three things must hold:
 *
 * - the worst reconstruction error of the sample is at most `LIMITS.worstError` noise standard
 *   deviations (the noise measured from consecutive frames at that intensity, not the model's —
 *   a model that overstates the noise would otherwise excuse its own errors);
 * - the zero level is plausible: not below zero by more than `LIMITS.zeroBelowNoise` times the
 *   noise of the darkest pixels (counts are never negative, so a reading of no photons cannot be
 *   far below 0), and not above the movie's largest value;
 * - at most `LIMITS.clamped` of the sample is clamped to the code range, and at most
 *   `LIMITS.saturated` of the movie sits at its largest value (a saturated sensor: those pixels
 *   have no photon noise, and their codes would move them).
 */
import { anscombeCode, decodeTable, encodeCodes, type AnscombeParams } from "./quantize.js";
import type { DType } from "dj-cli";

export const LIMITS = { worstError: 1, zeroBelowNoise: 3, clamped: 0.01, saturated: 0.01 } as const;
/** Integer data cannot be measured finer than its unit: noise below this is taken as this. */
const NOISE_FLOOR = 0.5;

/** What the check measured, reported by `dj insert --json` and in a refusal. */
export interface FitFigures {
  /** Largest |decoded − original| over the sample, in standard deviations of the measured noise. */
  worstErrorNoiseUnits: number;
  /** The sample value where that error occurred. */
  worstErrorAt: number;
  /** Fraction of the sample whose code fell outside the code range. */
  clampedFraction: number;
  /** Fraction of the movie at its largest value. */
  saturatedFraction: number;
  /** Measured noise (standard deviation) of the darkest pixels. */
  darkNoise: number;
  sampled: number;
}

export interface MovieStats {
  /** Evenly spaced values of the movie. */
  sample: Float64Array;
  min: number;
  max: number;
  /** How many values equal `max`, and how many there are. */
  atMax: number;
  total: number;
}

/** Measured noise by intensity, sorted by mean (PhotonTransfer.noiseProfile). */
export type NoiseProfile = ReadonlyArray<{ mean: number; sigma: number }>;

/** The measured noise at value x: the profile's nearest bin, else the model's (no frame pairs). */
function noiseFunction(profile: NoiseProfile, p: AnscombeParams): (x: number) => number {
  if (profile.length === 0) {
    return (x) => Math.max(NOISE_FLOOR, p.conversionGain * Math.sqrt(Math.max(0, (x - p.zeroLevel) / p.conversionGain) + 3 / 8));
  }
  return (x) => {
    let lo = 0;
    let hi = profile.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (profile[mid]!.mean <= x) lo = mid;
      else hi = mid;
    }
    const near = Math.abs(profile[lo]!.mean - x) <= Math.abs(profile[hi]!.mean - x) ? profile[lo]! : profile[hi]!;
    return Math.max(NOISE_FLOOR, near.sigma);
  };
}

/** The figures of the check and, when the model does not fit, what is wrong (empty when it does). */
export function checkFit(stats: MovieStats, profile: NoiseProfile, p: AnscombeParams, codes: DType, decoded: DType): { figures: FitFigures; problems: string[] } {
  const noise = noiseFunction(profile, p);
  const maxCode = codes.itemsize === 1 ? 0xff : 0xffff;
  const table = decodeTable(codes, p, decoded);
  const encoded = encodeCodes(stats.sample, p, codes);
  const view = codes.itemsize === 1 ? encoded : new Uint16Array(encoded.buffer, encoded.byteOffset, stats.sample.length);
  let worst = 0;
  let worstAt = NaN;
  let clamped = 0;
  for (let i = 0; i < stats.sample.length; i++) {
    const x = stats.sample[i]!;
    const raw = Math.round(anscombeCode(x, p));
    if (raw < 0 || raw > maxCode) clamped++;
    const error = Math.abs(table[view[i]!]! - x) / noise(x);
    if (error > worst || Number.isNaN(error)) {
      worst = error;
      worstAt = x;
    }
  }
  const figures: FitFigures = {
    worstErrorNoiseUnits: worst,
    worstErrorAt: worstAt,
    clampedFraction: stats.sample.length ? clamped / stats.sample.length : 0,
    saturatedFraction: stats.total && stats.max > 0 ? stats.atMax / stats.total : 0,
    darkNoise: noise(stats.min),
    sampled: stats.sample.length,
  };
  const problems: string[] = [];
  const pct = (f: number) => `${(100 * f).toFixed(f < 0.01 ? 2 : 1)}%`;
  if (!(worst <= LIMITS.worstError)) {
    problems.push(`worst reconstruction error ${fmt(worst)} noise σ at value ${fmt(worstAt)} (limit ${LIMITS.worstError})`);
  }
  if (p.zeroLevel < -LIMITS.zeroBelowNoise * figures.darkNoise) {
    problems.push(`zero level ${fmt(p.zeroLevel)} is below 0 by more than ${LIMITS.zeroBelowNoise}× the noise of the darkest pixels (σ ${fmt(figures.darkNoise)})`);
  } else if (p.zeroLevel > stats.max) {
    problems.push(`zero level ${fmt(p.zeroLevel)} is above the movie's largest value ${fmt(stats.max)}`);
  }
  if (figures.clampedFraction > LIMITS.clamped) problems.push(`${pct(figures.clampedFraction)} of the sample clamped to the code range (limit ${pct(LIMITS.clamped)})`);
  if (figures.saturatedFraction > LIMITS.saturated) {
    problems.push(`${pct(figures.saturatedFraction)} of the movie sits at its largest value ${fmt(stats.max)}, saturated (limit ${pct(LIMITS.saturated)})`);
  }
  return { figures, problems };
}

/** A figure for a message: 4 significant digits. */
function fmt(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}
