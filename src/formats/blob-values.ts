/**
 * The value model of DataJoint's blob format (blob.ts), shared by the packer and the unpacker:
 * the JS form of each Python value, the type ids of numeric arrays, and the byte helpers both
 * sides use.
 */
import { elementCount, reorder, type InMemoryArray } from "./ndarray.js";

export class BlobTuple {
  constructor(readonly items: BlobValue[]) {}
}
export class BlobComplex {
  constructor(readonly re: number, readonly im: number) {}
}
export class BlobUuid {
  constructor(readonly hex: string) {}
}
export class BlobDecimal {
  constructor(readonly text: string) {}
}
export interface BlobStringArray {
  kind: "strarray";
  shape: number[];
  /** C order. */
  values: string[];
}

export type BlobValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | BlobValue[]
  | BlobTuple
  | BlobComplex
  | BlobUuid
  | BlobDecimal
  | Set<BlobValue>
  | Map<BlobValue, BlobValue>
  | InMemoryArray
  | BlobStringArray
  | { [key: string]: BlobValue };

export const TYPE_IDS: Record<string, number> = { b: 3, f8: 6, f4: 7, i1: 8, u1: 9, i2: 10, u2: 11, i4: 12, u4: 13, i8: 14, u8: 15 };
export const DESCR_BY_ID: Record<number, string> = { 3: "|b1", 6: "<f8", 7: "<f4", 8: "|i1", 9: "|u1", 10: "<i2", 11: "<u2", 12: "<i4", 13: "<u4", 14: "<i8", 15: "<u8" };

export const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

export function isArray(v: unknown): v is InMemoryArray {
  return typeof v === "object" && v !== null && (v as InMemoryArray).kind === "ndarray" && (v as InMemoryArray).data instanceof Uint8Array;
}
export function isStrArray(v: unknown): v is BlobStringArray {
  return typeof v === "object" && v !== null && (v as BlobStringArray).kind === "strarray";
}

/** C-order indices listed in column-major order. */
export function reorderIndices(shape: number[]): number[] {
  const n = elementCount(shape);
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const bytes = new Uint8Array(idx.buffer);
  return [...new Uint32Array(reorder(bytes, shape, 4, true).buffer)];
}
