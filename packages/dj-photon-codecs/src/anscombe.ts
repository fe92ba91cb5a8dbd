/**
 * The Anscombe variance-stabilising transform for photon counts, as DataJoint's photon codec
 * applies it (gain 1, offset 0, read-noise variance 0): y = 2·sqrt(x + 3/8), and its inverses.
 */
import type { DType } from "dj-cli";

type NumericView = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
type NumericArrayType = { new (length: number): NumericView; new (buffer: ArrayBuffer, offset: number, length: number): NumericView };

/** The typed array of a dtype's elements, or null for those without one (64-bit integers, float16). */
export function numericArrayType(d: DType): NumericArrayType | null {
  const found =
    d.kind === "u" ? [null, Uint8Array, Uint16Array, null, Uint32Array][d.itemsize]
    : d.kind === "i" ? [null, Int8Array, Int16Array, null, Int32Array][d.itemsize]
    : d.kind === "f" ? (d.itemsize === 4 ? Float32Array : d.itemsize === 8 ? Float64Array : null)
    : null;
  return (found ?? null) as NumericArrayType | null;
}

/**
 * The elements of a little-endian block as a typed array of their own type (no conversion; a copy
 * only when the block is not aligned), or null for types without one (64-bit integers, float16).
 */
export function numericView(block: Uint8Array, d: DType): NumericView | null {
  const Ctor = numericArrayType(d);
  if (!Ctor || d.byteOrder === ">") return null;
  const aligned = block.byteOffset % d.itemsize === 0 ? block : block.slice();
  return new Ctor(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / d.itemsize);
}

/** Element values of a little-endian C-ordered block as numbers. */
export function toNumbers(block: Uint8Array, d: DType): Float64Array {
  const view = numericView(block, d);
  if (view) {
    const out = new Float64Array(view.length);
    out.set(view); // a native conversion loop
    return out;
  }
  const n = block.byteLength / d.itemsize;
  const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const out = new Float64Array(n);
  const get: (i: number) => number =
    d.kind === "u" && d.itemsize === 1 ? (i) => v.getUint8(i)
    : d.kind === "i" && d.itemsize === 1 ? (i) => v.getInt8(i)
    : d.kind === "u" && d.itemsize === 2 ? (i) => v.getUint16(i * 2, true)
    : d.kind === "i" && d.itemsize === 2 ? (i) => v.getInt16(i * 2, true)
    : d.kind === "u" && d.itemsize === 4 ? (i) => v.getUint32(i * 4, true)
    : d.kind === "i" && d.itemsize === 4 ? (i) => v.getInt32(i * 4, true)
    : d.kind === "u" && d.itemsize === 8 ? (i) => Number(v.getBigUint64(i * 8, true))
    : d.kind === "i" && d.itemsize === 8 ? (i) => Number(v.getBigInt64(i * 8, true))
    : d.kind === "f" && d.itemsize === 4 ? (i) => v.getFloat32(i * 4, true)
    : d.kind === "f" && d.itemsize === 8 ? (i) => v.getFloat64(i * 8, true)
    : d.kind === "f" && d.itemsize === 2 ? (i) => half(v.getUint16(i * 2, true))
    : () => {
        throw new Error(`unsupported dtype ${d.descr}`);
      };
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

/** IEEE 754 binary16 → number (Node 20 has no Float16Array). */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

export function forward(x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = 2 * Math.sqrt(x[i]! + 3 / 8);
  return x;
}

export function inverseAlgebraic(y: Float64Array): Float64Array {
  for (let i = 0; i < y.length; i++) y[i] = (y[i]! / 2) ** 2 - 3 / 8;
  return y;
}

const R = Math.sqrt(3 / 2);
/** Mäkitalo–Foi closed-form approximation of the exact unbiased inverse. */
export function inverseUnbiased(y: Float64Array): Float64Array {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    y[i] = v === 0 ? -1 / 8 : (v * v) / 4 + (R / 4) / v - (11 / 8) / (v * v) + ((5 / 8) * R) / (v * v * v) - 1 / 8;
  }
  return y;
}
