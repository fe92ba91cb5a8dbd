/** Chunk shapes and n-dimensional region copies between C-ordered buffers. */
import type { DType } from "dj-cli";
import { byteSwap } from "./dtype.js";

/** The number of elements of a shape (of chunks in a grid). */
export const product = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);

/**
 * Chunks of about `targetBytes`, split along the first axis first: whole trailing dimensions
 * are kept as long as they fit, so a chunk of a C-ordered array is one contiguous range.
 */
export function defaultChunks(shape: number[], itemsize: number, targetBytes: number): number[] {
  const dims = shape.map((s) => Math.max(1, s));
  for (let k = 0; k < dims.length; k++) {
    const inner = product(dims.slice(k + 1)) * itemsize;
    if (inner <= targetBytes) {
      const here = Math.min(dims[k]!, Math.max(1, Math.floor(targetBytes / inner)));
      return dims.map((d, i) => (i < k ? 1 : i === k ? here : d));
    }
  }
  return dims.map(() => 1);
}

export function gridShape(shape: number[], chunks: number[]): number[] {
  return shape.map((s, i) => Math.max(1, Math.ceil(s / chunks[i]!)));
}

/** Every index of an n-d grid, in C order. */
export function* gridIndices(grid: number[]): Generator<number[]> {
  if (grid.length === 0) {
    yield [];
    return;
  }
  const idx = grid.map(() => 0);
  for (;;) {
    yield [...idx];
    let d = grid.length - 1;
    while (d >= 0 && ++idx[d]! >= grid[d]!) idx[d--] = 0;
    if (d < 0) return;
  }
}

/**
 * Copy the box `count` from `src` (C order, shape `srcShape`, at `srcStart`) into `dst`
 * (C order, shape `dstShape`, at `dstStart`). The innermost dimension is copied as one run.
 */
export function copyRegion(
  src: Uint8Array, srcShape: number[], srcStart: number[],
  dst: Uint8Array, dstShape: number[], dstStart: number[],
  count: number[], itemsize: number,
): void {
  const nd = count.length;
  if (nd === 0) {
    dst.set(src.subarray(0, itemsize), 0);
    return;
  }
  if (count.some((c) => c <= 0)) return;
  const stride = (shape: number[]) => {
    const s = new Array<number>(nd);
    let acc = itemsize;
    for (let i = nd - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i]!;
    }
    return s;
  };
  const ss = stride(srcShape);
  const ds = stride(dstShape);
  // Trailing axes copied whole on both sides are one contiguous run with the axis before them
  // (a box of whole rows is then one copy per chunk, not one per row).
  let last = nd - 1;
  while (last > 0 && srcStart[last] === 0 && dstStart[last] === 0 && count[last] === srcShape[last] && count[last] === dstShape[last]) last--;
  const run = count[last]! * ss[last]!;
  const outer = count.slice(0, last);
  for (const idx of gridIndices(outer.length ? outer : [])) {
    let so = srcStart[last]! * ss[last]!;
    let doff = dstStart[last]! * ds[last]!;
    for (let d = 0; d < last; d++) {
      so += (srcStart[d]! + idx[d]!) * ss[d]!;
      doff += (dstStart[d]! + idx[d]!) * ds[d]!;
    }
    dst.set(src.subarray(so, so + run), doff);
  }
}

/** One element holding the fill value, in the dtype's byte order. */
export function fillElement(d: DType, fill: number | bigint | boolean | [number, number]): Uint8Array {
  const out = new Uint8Array(d.itemsize);
  const v = new DataView(out.buffer);
  const le = true;
  const num = Array.isArray(fill) ? fill[0] : fill;
  if (d.kind === "b") out[0] = num ? 1 : 0;
  else if (d.kind === "f" && d.itemsize === 4) v.setFloat32(0, Number(num), le);
  else if (d.kind === "f" && d.itemsize === 8) v.setFloat64(0, Number(num), le);
  else if (d.kind === "c") {
    const half = d.itemsize / 2;
    const [re, im] = Array.isArray(fill) ? fill : [Number(fill), 0];
    if (half === 4) (v.setFloat32(0, re, le), v.setFloat32(4, im, le));
    else (v.setFloat64(0, re, le), v.setFloat64(8, im, le));
  } else if (d.kind === "i" || d.kind === "u") {
    let x = BigInt.asUintN(d.itemsize * 8, BigInt(typeof num === "boolean" ? Number(num) : num));
    for (let i = 0; i < d.itemsize; i++) {
      out[i] = Number(x & 0xffn);
      x >>= 8n;
    }
  } else if (d.kind === "f" && d.itemsize === 2 && Number.isNaN(Number(num))) {
    v.setUint16(0, 0x7e00, le);
  }
  if (d.byteOrder === ">") byteSwap(out, d);
  return out;
}

export function filled(bytes: number, element: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  if (element.every((b) => b === 0)) return out;
  for (let i = 0; i < bytes; i += element.length) out.set(element, i);
  return out;
}

/** Convert a chunk stored in F order to C order. */
export function fToC(data: Uint8Array, shape: number[], itemsize: number): Uint8Array {
  const nd = shape.length;
  if (nd <= 1) return data;
  const out = new Uint8Array(data.length);
  const fStride = new Array<number>(nd);
  let acc = 1;
  for (let i = 0; i < nd; i++) {
    fStride[i] = acc;
    acc *= shape[i]!;
  }
  let c = 0;
  for (const idx of gridIndices(shape)) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d]! * fStride[d]!;
    out.set(data.subarray(f * itemsize, f * itemsize + itemsize), c * itemsize);
    c++;
  }
  return out;
}

/**
 * Undo a Zarr v3 transpose: `data` is `chunk.transpose(perm)` in C order (shape
 * `perm.map(p => shape[p])`), the result the chunk of `shape` in C order. The full reversal of
 * the axes is Fortran order (fToC).
 */
export function untranspose(data: Uint8Array, shape: number[], perm: number[], itemsize: number): Uint8Array {
  const nd = shape.length;
  if (perm.every((a, i) => a === nd - 1 - i)) return fToC(data, shape, itemsize);
  // Stored strides (in elements) of the stored shape, then the stride each original axis has there.
  const stored = perm.map((p) => shape[p]!);
  const storedStride = new Array<number>(nd);
  let acc = 1;
  for (let k = nd - 1; k >= 0; k--) {
    storedStride[k] = acc;
    acc *= stored[k]!;
  }
  const strideOf = new Array<number>(nd);
  perm.forEach((axis, k) => (strideOf[axis] = storedStride[k]!));
  const out = new Uint8Array(data.length);
  let c = 0;
  for (const idx of gridIndices(shape)) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d]! * strideOf[d]!;
    out.set(data.subarray(f * itemsize, f * itemsize + itemsize), c * itemsize);
    c++;
  }
  return out;
}
