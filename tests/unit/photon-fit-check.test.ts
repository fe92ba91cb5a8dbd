/**
 * The quantised photon mode's fit check (dj-photon-codecs/fit-check.ts) on its own, with noise
 * profiles built here: a model that matches the measured noise passes with the error half a code
 * step predicts; a zero level far below zero, a model that overstates the noise, clamped codes and
 * a saturated movie are each named.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkFit, LIMITS } from "../../packages/dj-photon-codecs/dist/fit-check.js";
import { U16, U8 } from "../../packages/dj-photon-codecs/dist/quantize.js";

const UINT16 = { descr: "<u2", byteOrder: "<", kind: "u", itemsize: 2, name: "uint16" } as const;
const params = { zeroLevel: 100, conversionGain: 2.5, beta: 0.5 };

/** Every integer value from `lo` to `hi`, as a movie's sample. */
function stats(lo: number, hi: number, atMax = 1) {
  const sample = Float64Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return { sample, min: lo, max: hi, atMax, total: sample.length };
}

/** Poisson noise through gain g above zero level z (plus read noise): σ² = g·(m − z) + r². */
function profile(lo: number, hi: number, p: { zeroLevel: number; conversionGain: number }, scale = 1, read = 1) {
  const out = [];
  for (let m = lo; m <= hi; m += 8) out.push({ mean: m, sigma: scale * Math.sqrt(Math.max(0, p.conversionGain * (m - p.zeroLevel)) + read * read) });
  return out;
}

describe("photon fit check", () => {
  test("a model that matches the measured noise passes: error within a quarter σ plus the integer rounding", () => {
    const { figures, problems } = checkFit(stats(95, 900), profile(95, 900, params), params, U8, UINT16);
    assert.deepEqual(problems, []);
    // Half a code step is β/2 = 0.25 σ; rounding to an integer adds at most 0.5 unit (σ ≥ 1 here).
    assert.ok(figures.worstErrorNoiseUnits > 0 && figures.worstErrorNoiseUnits <= 0.25 + 0.5, `${figures.worstErrorNoiseUnits}`);
    assert.equal(figures.clampedFraction, 0);
  });

  test("a zero level far below zero clamps every code and is named, with the error", () => {
    const bad = { zeroLevel: -5000, conversionGain: 1, beta: 0.5 };
    const { figures, problems } = checkFit(stats(3000, 3400), profile(3000, 3400, { zeroLevel: 0, conversionGain: 1 }), bad, U8, UINT16);
    assert.equal(figures.clampedFraction, 1);
    assert.ok(figures.worstErrorNoiseUnits > 10);
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems[0]!, /^worst reconstruction error [\d.]+ noise σ at value \d+ \(limit 1\)$/);
    assert.match(problems[1]!, /^zero level -5000 is below 0 by more than 3× the noise of the darkest pixels/);
    assert.match(problems[2]!, /^100\.0% of the sample clamped to the code range/);
  });

  test("a model that overstates the measured noise sixfold is refused by its reconstruction error", () => {
    const { figures, problems } = checkFit(stats(200, 4000), profile(200, 4000, params, 1 / 6, 0), params, U16, UINT16);
    assert.ok(figures.worstErrorNoiseUnits > LIMITS.worstError, `${figures.worstErrorNoiseUnits}`);
    assert.equal(problems.length, 1);
  });

  test("a saturated movie is named by the fraction at its largest value", () => {
    const s = stats(100, 1000, 600);
    const { problems } = checkFit({ ...s, total: 1000 }, profile(100, 1000, params), params, U8, UINT16);
    assert.deepEqual(problems, ["60.0% of the movie sits at its largest value 1000, saturated (limit 1.0%)"]);
  });
});
