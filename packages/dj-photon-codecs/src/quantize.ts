/**
 * The quantised Anscombe transform of the `anscombe-transform` package's codec `anscombe-v1`
 * (its documented algorithm): raw values x with a zero level z and a conversion gain g (units per
 * photon) become integer codes spaced β noise standard deviations apart —
 *
 *   x_norm = (x − z) / g,  s = 1 / (β·√(3/8)),  offset = z·s / g
 *   code   = round(offset + x_norm·s)                              for x_norm < 0 (linear)
 *   code   = round(offset + (2/β)·(√(x_norm + 3/8) − √(3/8)))      otherwise
 *
 * and decode to the centre of their interval (the exact inverse of the formula at the code).
 * Codes are uint8 when the movie's largest value fits, else uint16.
 */
import type { DType } from "dj-cli";
import { numericArrayType, numericView } from "./anscombe.js";

export interface AnscombeParams {
  zeroLevel: number;
  conversionGain: number;
  /** Quantisation step in noise standard deviations (the package's default, 0.5). */
  beta: number;
}

const ROOT_3_8 = Math.sqrt(3 / 8);

/** The slope s of the linear branch and the code of the zero level (`offset`). */
function linearPart(p: AnscombeParams): { slope: number; offset: number } {
  const slope = 1 / (p.beta * ROOT_3_8);
  return { slope, offset: (p.zeroLevel * slope) / p.conversionGain };
}

/** The unrounded code of a raw value. */
export function anscombeCode(x: number, p: AnscombeParams): number {
  const { slope, offset } = linearPart(p);
  const xn = (x - p.zeroLevel) / p.conversionGain;
  return xn < 0 ? offset + xn * slope : offset + (2 / p.beta) * (Math.sqrt(xn + 3 / 8) - ROOT_3_8);
}

/** The raw value a code stands for (inverse of anscombeCode). */
export function anscombeValue(code: number, p: AnscombeParams): number {
  const { slope, offset } = linearPart(p);
  if (code < offset) return ((code - offset) / slope) * p.conversionGain + p.zeroLevel;
  const root = ((code - offset) * p.beta) / 2 + ROOT_3_8;
  return p.zeroLevel + p.conversionGain * (root * root - 3 / 8);
}

export const U8: DType = { descr: "|u1", byteOrder: "|", kind: "u", itemsize: 1, name: "uint8" };
export const U16: DType = { descr: "<u2", byteOrder: "<", kind: "u", itemsize: 2, name: "uint16" };

/** The narrowest code type for a movie whose values reach `max`, or null when 16 bits are not enough. */
export function codeDtype(max: number, p: AnscombeParams): DType | null {
  const top = Math.round(anscombeCode(max, p));
  return top <= 0xff ? U8 : top <= 0xffff ? U16 : null;
}

/** Codes of raw values (little-endian bytes of `codes`' dtype). */
export function encodeCodes(x: Float64Array, p: AnscombeParams, codes: DType): Uint8Array {
  const max = codes.itemsize === 1 ? 0xff : 0xffff;
  const out = new (numericArrayType(codes)!)(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.round(anscombeCode(x[i]!, p));
    out[i] = c < 0 ? 0 : c > max ? max : c;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Codes straight from a block of 8- or 16-bit integers through a table of every possible value
 * (the "Anscombe LUT"); null for other dtypes (then encodeCodes on the numbers).
 */
export function integerEncoder(d: DType, p: AnscombeParams, codes: DType): ((block: Uint8Array) => Uint8Array) | null {
  if ((d.kind !== "u" && d.kind !== "i") || d.itemsize > 2 || d.byteOrder === ">") return null;
  // Every value of the dtype, indexed by its bit pattern read as unsigned.
  const size = d.itemsize === 1 ? 0x100 : 0x10000;
  const Values = numericArrayType(d)!;
  const every = new Values(size);
  for (let raw = 0; raw < size; raw++) every[raw] = raw; // wraps to the signed value for int8/int16
  const table = numericView(encodeCodes(Float64Array.from(every), p, codes), codes)!;
  const unsigned: DType = { ...d, kind: "u" };
  const Codes = numericArrayType(codes)!;
  return (block) => {
    const bits = numericView(block, unsigned)!;
    const out = new Codes(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
    return new Uint8Array(out.buffer);
  };
}

/** A lookup table from every code to its value in the decoded dtype. */
export function decodeTable(codes: DType, p: AnscombeParams, decoded: DType): Float64Array {
  const n = codes.itemsize === 1 ? 0x100 : 0x10000;
  const table = new Float64Array(n);
  const integer = decoded.kind === "u" || decoded.kind === "i";
  const [lo, hi] = integer ? integerRange(decoded) : [-Infinity, Infinity];
  for (let c = 0; c < n; c++) {
    const v = anscombeValue(c, p);
    table[c] = integer ? Math.min(hi, Math.max(lo, Math.round(v))) : v;
  }
  return table;
}

function integerRange(d: DType): [number, number] {
  const bits = d.itemsize * 8;
  return d.kind === "u" ? [0, 2 ** bits - 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}

/** Values as little-endian bytes of an integer or float32/float64 dtype. */
export function fromNumbers(values: Float64Array, d: DType): Uint8Array {
  const Ctor = numericArrayType(d);
  if (Ctor) {
    const out = new Ctor(values.length);
    out.set(values);
    return new Uint8Array(out.buffer);
  }
  if (d.itemsize === 8 && (d.kind === "u" || d.kind === "i")) {
    const out = d.kind === "u" ? new BigUint64Array(values.length) : new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
    return new Uint8Array(out.buffer);
  }
  throw new Error(`cannot write ${d.name} values`);
}

/** Dtypes the quantised mode decodes to (float16 has no typed array in Node 20). */
export function quantisable(d: DType): boolean {
  return d.kind === "u" || d.kind === "i" || (d.kind === "f" && d.itemsize >= 4);
}
