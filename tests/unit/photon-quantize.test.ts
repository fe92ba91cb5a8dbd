/**
 * The quantised Anscombe codes (dj-photon-codecs/quantize.ts) and the photon-transfer fit
 * (photon-transfer.ts) on their own: exact inverses, the lookup-table encoder agreeing with the
 * formula for every 8/16-bit value, and the fit recovering a known gain and zero level.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { anscombeCode, anscombeValue, codeDtype, decodeTable, encodeCodes, integerEncoder, U16, U8 } from "../../packages/dj-photon-codecs/dist/quantize.js";
import { PhotonTransfer } from "../../packages/dj-photon-codecs/dist/photon-transfer.js";

const params = { zeroLevel: 100, conversionGain: 2.5, beta: 0.5 };
const I16 = { descr: "<i2", byteOrder: "<", kind: "i", itemsize: 2, name: "int16" } as const;

/** A seeded Poisson sampler (Knuth's method for small rates, normal approximation above 30). */
function poisson(seed: number) {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return (lambda: number) => {
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())));
    const limit = Math.exp(-lambda);
    let k = 0;
    for (let p = uniform(); p > limit; p *= uniform()) k++;
    return k;
  };
}

describe("anscombe-v1 codes", () => {
  test("raw 0 is code 0, the zero level is the offset, and value(code(x)) = x on both branches", () => {
    assert.equal(anscombeCode(0, params), 0);
    const offset = 100 / (2.5 * 0.5 * Math.sqrt(3 / 8));
    assert.ok(Math.abs(anscombeCode(100, params) - offset) < 1e-9);
    for (const x of [0, 3, 50, 99.9, 100, 100.1, 140, 1000, 20000]) {
      assert.ok(Math.abs(anscombeValue(anscombeCode(x, params), params) - x) < 1e-6 * Math.max(1, x), `x = ${x}`);
    }
  });

  test("codes grow by 1/β per noise standard deviation (locally, with 3/8 photon of bias)", () => {
    for (const photons of [10, 100, 1000]) {
      const x = 100 + 2.5 * photons;
      const sigma = 2.5 * Math.sqrt(photons);
      const h = 1e-3;
      const perSigma = ((anscombeCode(x + h, params) - anscombeCode(x - h, params)) / (2 * h)) * sigma;
      assert.ok(Math.abs(perSigma - 2) < 0.05, `${photons} photons: ${perSigma} codes per σ`);
    }
  });

  test("the lookup-table encoder gives the formula's codes for every uint16 and int16 value", () => {
    const codes = codeDtype(65535, params)!;
    assert.equal(codes, U16);
    const all = new Uint16Array(65536).map((_, i) => i);
    const viaTable = integerEncoder(U16, params, codes)!(new Uint8Array(all.buffer));
    const viaFormula = encodeCodes(Float64Array.from(all), params, codes);
    assert.deepEqual(viaTable, viaFormula);
    const signed = new Int16Array(all.buffer);
    assert.deepEqual(integerEncoder(I16, params, codes)!(new Uint8Array(all.buffer)), encodeCodes(Float64Array.from(signed), params, codes));
    assert.equal(integerEncoder({ descr: "<f4", byteOrder: "<", kind: "f", itemsize: 4, name: "float32" }, params, codes), null);
  });

  test("uint8 codes when the brightest value fits, uint16 above, none past 16 bits", () => {
    assert.equal(codeDtype(1000, params), U8);
    assert.equal(codeDtype(60000, params), U16);
    assert.equal(codeDtype(1e12, { ...params, conversionGain: 0.001 }), null);
  });

  test("decoding rounds and clips to integer dtypes", () => {
    const table = decodeTable(U8, params, U16);
    assert.equal(table[0], 0);
    assert.ok(table.every((v) => Number.isInteger(v) && v >= 0 && v <= 65535));
    for (let c = 1; c < 256; c++) assert.ok(table[c]! >= table[c - 1]!, "monotonic");
  });
});

describe("photon-transfer fit", () => {
  test("recovers gain and zero level from consecutive frames of a static Poisson scene", () => {
    const draw = poisson(7);
    const fit = new PhotonTransfer();
    const rates = Array.from({ length: 4000 }, (_, i) => 0.5 + (i % 400));
    let previous = rates.map((r) => 100 + 2.5 * draw(r));
    for (let t = 1; t < 30; t++) {
      const frame = rates.map((r) => 100 + 2.5 * draw(r));
      frame.forEach((v, i) => fit.add(previous[i]!, v));
      previous = frame;
    }
    const result = fit.fit();
    assert.ok(typeof result !== "string", String(result));
    assert.ok(Math.abs(result.conversionGain - 2.5) < 0.1, `gain ${result.conversionGain}`);
    assert.ok(Math.abs(result.zeroLevel - 100) < 5, `zero level ${result.zeroLevel}`);
  });

  test("a wide intensity range merges bins instead of growing without bound", () => {
    const draw = poisson(11);
    const fit = new PhotonTransfer();
    for (let i = 0; i < 200_000; i++) {
      const rate = (i % 5000) * 40; // up to 200 000 photons
      fit.add(10 + 3 * draw(rate), 10 + 3 * draw(rate));
    }
    const result = fit.fit();
    assert.ok(typeof result !== "string", String(result));
    assert.ok(result.bins <= 512);
    assert.ok(Math.abs(result.conversionGain - 3) < 0.3, `gain ${result.conversionGain}`);
  });

  test("no pairs, or no intensity spread, is a reason rather than a number", () => {
    assert.match(String(new PhotonTransfer().fit()), /single frame/);
    const flat = new PhotonTransfer();
    for (let i = 0; i < 1000; i++) flat.add(7, 7);
    assert.match(String(flat.fit()), /usable bin/);
  });
});
