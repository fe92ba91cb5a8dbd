/**
 * A slice of an NdArraySource, read as little as the source allows: the bounding box of the
 * selection through `source.readBox` when the source has one (a chunked source then reads only
 * the chunks the box meets), else through `source.read` ranges (readBoxByRanges). The box is then
 * gathered by the selection's steps. The result is C order in the source's dtype (byte order
 * kept, except for NumPy scalars), with integer-indexed axes dropped as NumPy drops them.
 */
import { byteSwap, littleEndian } from "./dtype.js";
import { readBoxByRanges } from "./box-ranges.js";
import { gather } from "./gather.js";
import type { InMemoryArray, NdArraySource } from "./ndarray.js";
import { boundingBox, type Selection } from "./slice.js";

export async function readSelection(source: NdArraySource, sel: Selection): Promise<InMemoryArray> {
  const result = (data: Uint8Array): InMemoryArray => {
    if (!sel.scalar || source.dtype.byteOrder !== ">") return { kind: "ndarray", dtype: source.dtype, shape: sel.shape, data };
    // A NumPy scalar: native (little-endian) byte order whatever the array's.
    const swapped = new Uint8Array(data);
    byteSwap(swapped, source.dtype);
    return { kind: "ndarray", dtype: littleEndian(source.dtype), shape: sel.shape, data: swapped };
  };
  const box = boundingBox(sel);
  if (!box) return result(new Uint8Array());
  const data = source.readBox ? await source.readBox(box.lo, box.hi) : await readBoxByRanges(source, box.lo, box.hi);
  const boxShape = box.hi.map((h, d) => h - box.lo[d]!);
  const strides = new Array<number>(boxShape.length);
  let acc = 1;
  for (let d = boxShape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= boxShape[d]!;
  }
  // Nothing to gather when the box is the selection (steps of 1): the box is the answer.
  if (sel.axes.every((a) => a.step === 1)) return result(data);
  const axes = sel.axes.map((a, d) => ({ start: a.start - box.lo[d]!, step: a.step, count: a.count }));
  return result(gather(data, strides, source.dtype.itemsize, axes));
}
