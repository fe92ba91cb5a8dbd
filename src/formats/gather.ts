/**
 * Strided gather: the elements `start + i*step` of every axis of a buffer laid out with the given
 * element strides, copied into a new C-order buffer of shape `counts`. Used to apply a slice's
 * steps (negative ones too) to the box that was read, and to transpose an F-order box.
 */
export interface GatherAxis {
  start: number;
  step: number;
  count: number;
}

export function gather(data: Uint8Array, strides: readonly number[], itemsize: number, axes: readonly GatherAxis[]): Uint8Array {
  const nd = axes.length;
  let total = itemsize;
  for (const a of axes) total *= a.count;
  const out = new Uint8Array(total);
  if (total === 0) return out;
  if (nd === 0) {
    out.set(data.subarray(0, itemsize));
    return out;
  }
  const last = axes[nd - 1]!;
  const innerStep = last.step * strides[nd - 1]! * itemsize;
  const innerCount = last.count;
  const contiguous = innerStep === itemsize;
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  let w = 0;
  for (;;) {
    let from = last.start * strides[nd - 1]! * itemsize;
    for (let d = 0; d < nd - 1; d++) from += (axes[d]!.start + idx[d]! * axes[d]!.step) * strides[d]! * itemsize;
    if (contiguous) {
      out.set(data.subarray(from, from + innerCount * itemsize), w);
      w += innerCount * itemsize;
    } else {
      // Byte loops beat subarray/set for single elements.
      for (let i = 0; i < innerCount; i++, from += innerStep) for (let b = 0; b < itemsize; b++) out[w++] = data[from + b]!;
    }
    let d = nd - 2;
    for (; d >= 0; d--) {
      if (++idx[d]! < axes[d]!.count) break;
      idx[d] = 0;
    }
    if (d < 0) return out;
  }
}
