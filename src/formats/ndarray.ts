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
  /** Stream the raw data in `order` layout, in pieces of about `pieceBytes`. */
  chunks(pieceBytes?: number): AsyncIterable<Uint8Array>;
  close?(): Promise<void>;
}

/** Number of elements of a shape (1 for 0-d). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
