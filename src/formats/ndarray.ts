/**
 * N-dimensional array descriptions shared by the `.npy` reader/writer, the built-in array codecs
 * and the plugin codecs. An `NdArraySource` describes an array without holding it: codecs pull
 * its bytes in ranges, so arrays larger than memory stream through.
 */

/** Byte order as NumPy writes it: `<` little, `>` big, `|` not applicable (1-byte types). */
export type ByteOrder = "<" | ">" | "|";
export type DTypeKind = "b" | "i" | "u" | "f" | "c";

export interface DType {
  /** NumPy's array-protocol string, e.g. `<f4`, `>i8`, `|b1`, `<c16`. */
  descr: string;
  byteOrder: ByteOrder;
  kind: DTypeKind;
  /** Bytes per element (complex64 → 8). */
  itemsize: number;
  /** NumPy's dtype name: `float32`, `int16`, `bool`, `complex64` (endianness not included). */
  name: string;
}

export type Order = "C" | "F";

export interface NdArraySource {
  dtype: DType;
  shape: number[];
  /** Layout of the bytes `read`/`chunks` return. */
  order: Order;
  /** Total data bytes = product(shape) * itemsize. */
  byteLength: number;
  /** Read `length` bytes of raw data starting at byte `offset` (in `order` layout). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Fill `into` with raw data starting at byte `offset` (optional): lets a consumer reuse its
   * buffers instead of allocating one per read — large arrays stream with no garbage.
   */
  readInto?(offset: number, into: Uint8Array): Promise<void>;
  /** Stream the raw data in `order` layout, in pieces of about `pieceBytes`. */
  chunks(pieceBytes?: number): AsyncIterable<Uint8Array>;
  /**
   * Read one box of the array, `start[i] <= index[i] < stop[i]` on every axis, as C-order bytes
   * in the dtype's byte order (optional). A chunked source reads only the chunks (or byte ranges)
   * the box intersects; `dj fetch --slice` falls back to `read` when a source has no `readBox`.
   */
  readBox?(start: readonly number[], stop: readonly number[]): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** Number of elements of a shape (1 for 0-d). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** A small array held in memory (blob values), data in C order with the dtype's byte order. */
export interface InMemoryArray {
  kind: "ndarray";
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

/** An NdArraySource over bytes already in memory. */
export function sourceFromMemory(a: { dtype: DType; shape: number[]; data: Uint8Array }, order: Order = "C"): NdArraySource {
  return {
    dtype: a.dtype,
    shape: a.shape,
    order,
    byteLength: a.data.byteLength,
    read: async (offset, length) => a.data.subarray(offset, offset + length),
    async *chunks(pieceBytes = 4 << 20) {
      for (let at = 0; at < a.data.byteLength; at += pieceBytes) yield a.data.subarray(at, Math.min(a.data.byteLength, at + pieceBytes));
    },
  };
}

/** Read a whole (small) array into memory. */
export async function readAll(source: NdArraySource): Promise<Uint8Array> {
  return source.byteLength === 0 ? new Uint8Array() : new Uint8Array(await source.read(0, source.byteLength));
}

/**
 * Reorder element bytes between C (row-major) and F (column-major) layouts. `toF` converts a
 * C-ordered buffer to F order; false converts F to C.
 */
export function reorder(data: Uint8Array, shape: number[], itemsize: number, toF: boolean): Uint8Array {
  const n = elementCount(shape);
  if (shape.length <= 1 || n === 0) return data;
  const out = new Uint8Array(data.byteLength);
  const nd = shape.length;
  const cStrides = new Array<number>(nd);
  const fStrides = new Array<number>(nd);
  let c = 1;
  let f = 1;
  for (let i = nd - 1; i >= 0; i--) {
    cStrides[i] = c;
    c *= shape[i]!;
  }
  for (let i = 0; i < nd; i++) {
    fStrides[i] = f;
    f *= shape[i]!;
  }
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < n; k++) {
    let ci = 0;
    let fi = 0;
    for (let d = 0; d < nd; d++) {
      ci += idx[d]! * cStrides[d]!;
      fi += idx[d]! * fStrides[d]!;
    }
    const [from, to] = toF ? [ci, fi] : [fi, ci];
    out.set(data.subarray(from * itemsize, from * itemsize + itemsize), to * itemsize);
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}
