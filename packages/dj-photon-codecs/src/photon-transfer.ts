/**
 * Conversion gain and zero level of a photon-count movie from its own noise (the photon-transfer
 * method): for every pixel of every pair of consecutive frames, the pair's mean m and half the
 * squared difference v = (a − b)²/2 (an estimate of the variance that a static scene's slow
 * changes do not inflate). Averaged per intensity bin, Poisson statistics give v ≈ g·(m − z) (plus
 * a constant read-noise variance): a robust line through the bins gives the gain g (its slope)
 * and the zero level z (−intercept/slope).
 *
 * One streaming pass, constant memory: bins are kept in a map keyed by floor(m / width); when it
 * grows past MAX_BINS the width doubles and the bins merge.
 */
const MAX_BINS = 512;
/** A bin needs this many samples to count in the fit. */
const MIN_SAMPLES = 32;

interface Bin {
  n: number;
  sumM: number;
  sumV: number;
}

export interface TransferFit {
  conversionGain: number;
  zeroLevel: number;
  /** Bins used in the fit. */
  bins: number;
  /** Pixel pairs (consecutive frames) seen. */
  pairs: number;
}

export class PhotonTransfer {
  private bins = new Map<number, Bin>();
  private width = 1;
  /** Consecutive-frame pairs of one pixel seen. */
  pairs = 0;

  /** One pixel seen in two consecutive frames. */
  add(a: number, b: number): void {
    const m = (a + b) / 2;
    const d = a - b;
    let bin = this.bins.get(Math.floor(m / this.width));
    if (!bin) {
      while (this.bins.size >= MAX_BINS) this.coarsen();
      const key = Math.floor(m / this.width);
      bin = this.bins.get(key);
      if (!bin) this.bins.set(key, (bin = { n: 0, sumM: 0, sumV: 0 }));
    }
    this.pairs++;
    bin.n++;
    bin.sumM += m;
    bin.sumV += (d * d) / 2;
  }

  private coarsen(): void {
    this.width *= 2;
    const merged = new Map<number, Bin>();
    for (const bin of this.bins.values()) {
      const key = Math.floor(bin.sumM / bin.n / this.width);
      const into = merged.get(key);
      if (into) {
        into.n += bin.n;
        into.sumM += bin.sumM;
        into.sumV += bin.sumV;
      } else merged.set(key, { ...bin });
    }
    this.bins = merged;
  }

  /**
   * The measured noise (standard deviation) per intensity, from the bins with enough samples,
   * sorted by mean: what the fit check compares reconstruction errors with.
   */
  noiseProfile(): Array<{ mean: number; sigma: number }> {
    return [...this.bins.values()]
      .filter((b) => b.n >= MIN_SAMPLES)
      .map((b) => ({ mean: b.sumM / b.n, sigma: Math.sqrt(b.sumV / b.n) }))
      .sort((a, b) => a.mean - b.mean);
  }

  /** The fitted gain and zero level, or a reason why the movie does not allow one. */
  fit(): TransferFit | string {
    if (this.pairs === 0) return "it has a single frame (the fit compares consecutive frames)";
    const points = [...this.bins.values()].filter((b) => b.n >= MIN_SAMPLES).map((b) => ({ m: b.sumM / b.n, v: b.sumV / b.n }));
    if (points.length < 3) return `its intensities fall into ${points.length} usable bin(s); at least 3 are needed`;
    const slope = theilSen(points);
    if (!(slope > 0) || !Number.isFinite(slope)) return "its noise does not grow with intensity (no photon-transfer slope)";
    const intercept = median(points.map((p) => p.v - slope * p.m));
    return { conversionGain: slope, zeroLevel: -intercept / slope, bins: points.length, pairs: this.pairs };
  }
}

/** Theil–Sen slope: the median of the slopes between all pairs of points (robust to outlier bins). */
function theilSen(points: { m: number; v: number }[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dm = points[j]!.m - points[i]!.m;
      if (dm !== 0) slopes.push((points[j]!.v - points[i]!.v) / dm);
    }
  }
  return median(slopes);
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
