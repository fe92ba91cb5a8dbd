/**
 * DataJoint's blob format (datajoint-compat.md §5.2), byte for byte: `mYm\0` for plain numeric
 * arrays, `dj0\0` once anything else is packed, column-major array data, and the `ZL123\0`
 * zlib wrapper for blobs over 1000 bytes that compress. Content hashes — and so deduplication —
 * depend on identical bytes.
 *
 * Value model (Python → JS): None → null, bool → boolean, int → bigint, float → number,
 * complex → BlobComplex, str → string, bytes → Uint8Array, list → array, tuple → BlobTuple,
 * set → Set, dict → Map (or a plain object when writing), ndarray → InMemoryArray (or
 * BlobStringArray for unicode arrays), UUID → BlobUuid, Decimal → BlobDecimal.
 */
import { kMaxLength } from "node:buffer";
import { createRequire } from "node:module";
import { inflateSync } from "node:zlib";
import { CodecError, InputError } from "./errors.js";
import { byteSwap, parseDescr } from "./dtype.js";
import { elementCount, reorder, type DType, type InMemoryArray } from "./ndarray.js";

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

const TYPE_IDS: Record<string, number> = { b: 3, f8: 6, f4: 7, i1: 8, u1: 9, i2: 10, u2: 11, i4: 12, u4: 13, i8: 14, u8: 15 };
const DESCR_BY_ID: Record<number, string> = { 3: "|b1", 6: "<f8", 7: "<f4", 8: "|i1", 9: "|u1", 10: "<i2", 11: "<u2", 12: "<i4", 13: "<u4", 14: "<i8", 15: "<u8" };

const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

function isArray(v: unknown): v is InMemoryArray {
  return typeof v === "object" && v !== null && (v as InMemoryArray).kind === "ndarray" && (v as InMemoryArray).data instanceof Uint8Array;
}
function isStrArray(v: unknown): v is BlobStringArray {
  return typeof v === "object" && v !== null && (v as BlobStringArray).kind === "strarray";
}

class Writer {
  /** Switches to dj0 when anything outside MATLAB's subset is packed. */
  dj0 = false;

  value(v: BlobValue): Buffer {
    if (isArray(v)) return this.array(v);
    this.dj0 = true;
    if (v === null) return Buffer.from([0xff]);
    if (typeof v === "boolean") return Buffer.from([0x0b, v ? 1 : 0]);
    if (typeof v === "bigint") return this.int(v);
    if (typeof v === "number") {
      const b = Buffer.alloc(9);
      b[0] = 0x0d;
      b.writeDoubleLE(v, 1);
      return b;
    }
    if (typeof v === "string") return this.str(v);
    if (v instanceof Uint8Array) return Buffer.concat([Buffer.from([0x06]), u64(v.byteLength), v]);
    if (v instanceof BlobComplex) {
      const b = Buffer.alloc(17);
      b[0] = 0x0c;
      b.writeDoubleLE(v.re, 1);
      b.writeDoubleLE(v.im, 9);
      return b;
    }
    if (v instanceof BlobUuid) return Buffer.concat([Buffer.from("u"), Buffer.from(v.hex.replace(/-/g, ""), "hex")]);
    if (v instanceof BlobDecimal) return Buffer.concat([Buffer.from("d"), u64(Buffer.byteLength(v.text)), Buffer.from(v.text)]);
    if (v instanceof BlobTuple) return this.sequence(0x01, v.items);
    if (Array.isArray(v)) return this.sequence(0x02, v);
    if (v instanceof Set) return this.sequence(0x03, [...v]);
    if (isStrArray(v)) return this.strArray(v);
    const entries: Array<[BlobValue, BlobValue]> = v instanceof Map ? [...v.entries()] : Object.entries(v);
    const parts: Buffer[] = [Buffer.from([0x04]), u64(entries.length)];
    for (const [k, val] of entries) {
      const kb = this.value(k);
      const vb = this.value(val);
      parts.push(u64(kb.length), kb, u64(vb.length), vb);
    }
    return Buffer.concat(parts);
  }

  private int(v: bigint): Buffer {
    // Python: n_bytes = bit_length // 8 + 1, little-endian two's complement.
    const bitLength = (v < 0n ? -v - 1n : v).toString(2).length - (v === 0n || v === -1n ? 1 : 0);
    const n = Math.floor(bitLength / 8) + 1;
    const b = Buffer.alloc(3 + n);
    b[0] = 0x0a;
    b.writeUInt16LE(n, 1);
    let x = BigInt.asUintN(n * 8, v);
    for (let i = 0; i < n; i++) {
      b[3 + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    return b;
  }

  private str(s: string): Buffer {
    const bytes = Buffer.from(s, "utf8");
    return Buffer.concat([Buffer.from([0x05]), u64(bytes.length), bytes]);
  }

  private sequence(code: number, items: BlobValue[]): Buffer {
    const parts: Buffer[] = [Buffer.from([code]), u64(items.length)];
    for (const item of items) {
      const b = this.value(item);
      parts.push(u64(b.length), b);
    }
    return Buffer.concat(parts);
  }

  private array(a: InMemoryArray): Buffer {
    if (a.shape.length === 0) this.dj0 = true;
    const key = a.dtype.kind === "b" ? "b" : a.dtype.kind === "c" ? `f${a.dtype.itemsize / 2}` : `${a.dtype.kind}${a.dtype.itemsize}`;
    const typeId = TYPE_IDS[key];
    if (typeId === undefined) throw new InputError(`the blob format cannot hold ${a.dtype.name} arrays`, { code: "input.dtype" });
    const head = Buffer.concat([Buffer.from("A"), u64(a.shape.length), ...a.shape.map((s) => u64(s)), u32(typeId), u32(a.dtype.kind === "c" ? 1 : 0)]);
    let data = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    if (a.dtype.byteOrder === ">") {
      data = Buffer.from(data);
      byteSwap(data, a.dtype);
    }
    if (a.dtype.kind === "c") {
      // Complex: the whole real block, then the whole imaginary block (each column-major).
      const half = a.dtype.itemsize / 2;
      const n = elementCount(a.shape);
      const re = Buffer.alloc(n * half);
      const im = Buffer.alloc(n * half);
      for (let i = 0; i < n; i++) {
        data.copy(re, i * half, i * a.dtype.itemsize, i * a.dtype.itemsize + half);
        data.copy(im, i * half, i * a.dtype.itemsize + half, (i + 1) * a.dtype.itemsize);
      }
      return Buffer.concat([head, Buffer.from(reorder(re, a.shape, half, true)), Buffer.from(reorder(im, a.shape, half, true))]);
    }
    return Buffer.concat([head, Buffer.from(reorder(data, a.shape, a.dtype.itemsize, true))]);
  }

  private strArray(a: BlobStringArray): Buffer {
    this.dj0 = true;
    const parts: Buffer[] = [Buffer.from("A"), u64(a.shape.length), ...a.shape.map((s) => u64(s)), u32(5), u32(0)];
    // Elements in column-major order, each a nested `\x05` string with its length.
    const order = reorderIndices(a.shape);
    for (const i of order) {
      const b = this.str(a.values[i]!);
      parts.push(u64(b.length), b);
    }
    return Buffer.concat(parts);
  }
}

/** C-order indices listed in column-major order. */
function reorderIndices(shape: number[]): number[] {
  const n = elementCount(shape);
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const bytes = new Uint8Array(idx.buffer);
  return [...new Uint32Array(reorder(bytes, shape, 4, true).buffer)];
}

type Pako = typeof import("pako");
let pako: Pako | null = null;

/**
 * `zlib.compress(data)` as CPython does it: zlib 1.2.x deflate at the default level (6),
 * window 15, memLevel 8, default strategy. Node's bundled zlib is a fork whose streams differ
 * from that (same data, other bytes), which would give the same value another `_hash` path
 * than DataJoint for Python gives it. pako reproduces canonical zlib only with `legacyHash`:
 * its default hash (pako 3) matches Node's Chromium zlib instead. Loaded on first use so that
 * commands which never compress a blob do not pay for it at start-up.
 */
function zlibCompress(data: Uint8Array): Uint8Array {
  pako ??= createRequire(import.meta.url)("pako") as Pako;
  return pako.deflate(data, { level: 6, windowBits: 15, memLevel: 8, strategy: 0, legacyHash: true });
}

/** Pack a value as DataJoint does (`blob.pack(value, compress=True)`). */
export function packBlob(value: BlobValue, compress = true): Uint8Array {
  const w = new Writer();
  const body = w.value(value);
  const blob = Buffer.concat([Buffer.from(w.dj0 ? "dj0\0" : "mYm\0", "latin1"), body]);
  if (compress && blob.length > 1000) {
    const z = zlibCompress(blob);
    const wrapped = Buffer.concat([Buffer.from("ZL123\0", "latin1"), u64(blob.length), z]);
    if (wrapped.length < blob.length) return new Uint8Array(wrapped);
  }
  return new Uint8Array(blob);
}

class Reader {
  pos = 0;
  constructor(private readonly b: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new CodecError("blob is truncated", { code: "codec.blob" });
  }
  /** A count read from the blob, checked against the bytes left before anything is allocated for it. */
  count(n: number, bytesEach: number): number {
    if (!Number.isSafeInteger(n) || n * bytesEach > this.b.length - this.pos) throw new CodecError("blob is truncated (a count larger than the blob)", { code: "codec.blob" });
    return n;
  }
  u64(): number {
    this.need(8);
    const v = this.b.readBigUInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  u32(): number {
    this.need(4);
    const v = this.b.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  value(): BlobValue {
    const code = this.bytes(1)[0]!;
    switch (code) {
      case 0x41: // 'A'
        return this.array();
      case 0xff:
        return null;
      case 0x0b:
        return this.bytes(1)[0] !== 0;
      case 0x0a: {
        const n = this.b.readUInt16LE((this.need(2), this.pos));
        this.pos += 2;
        const raw = this.bytes(n);
        let x = 0n;
        for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(raw[i]!);
        return BigInt.asIntN(n * 8, x);
      }
      case 0x0d:
        return this.bytes(8).readDoubleLE(0);
      case 0x0c: {
        const b = this.bytes(16);
        return new BlobComplex(b.readDoubleLE(0), b.readDoubleLE(8));
      }
      case 0x05:
        return this.bytes(this.u64()).toString("utf8");
      case 0x06:
        return new Uint8Array(this.bytes(this.u64()));
      case 0x01:
        return new BlobTuple(this.items());
      case 0x02:
        return this.items();
      case 0x03:
        return new Set(this.items());
      case 0x04: {
        const n = this.count(this.u64(), 18);
        const map = new Map<BlobValue, BlobValue>();
        for (let i = 0; i < n; i++) {
          const k = this.nested();
          map.set(k, this.nested());
        }
        return map;
      }
      case 0x75: // 'u'
        return new BlobUuid(this.bytes(16).toString("hex"));
      case 0x64: // 'd'
        return new BlobDecimal(this.bytes(this.u64()).toString("utf8"));
      default:
        throw new CodecError(`blob holds a value this version of dj cannot read (code 0x${code.toString(16)}: MATLAB structs, cells, records or dates)`, { code: "codec.blob" });
    }
  }

  private nested(): BlobValue {
    const len = this.u64();
    const end = this.pos + len;
    const v = this.value();
    if (this.pos !== end) throw new CodecError("blob item length mismatch", { code: "codec.blob" });
    return v;
  }

  private items(): BlobValue[] {
    const n = this.count(this.u64(), 9);
    return Array.from({ length: n }, () => this.nested());
  }

  private array(): BlobValue {
    const ndim = this.count(this.u64(), 8);
    const shape = Array.from({ length: ndim }, () => this.u64());
    const typeId = this.u32();
    const complex = this.u32() === 1;
    const n = elementCount(shape);
    if (!Number.isSafeInteger(n)) throw new CodecError("blob array shape is too large", { code: "codec.blob" });
    if (typeId === 5) {
      this.count(n, 9);
      const values = Array.from({ length: n }, () => this.nested());
      const cOrder = new Array<string>(n);
      reorderIndices(shape).forEach((cIndex, fPos) => (cOrder[cIndex] = String(values[fPos])));
      return { kind: "strarray", shape, values: cOrder };
    }
    const descr = DESCR_BY_ID[typeId];
    if (!descr) throw new CodecError(`blob array type ${typeId} is not supported`, { code: "codec.blob" });
    const base = parseDescr(descr);
    if (complex) {
      const half = base.itemsize;
      const re = reorder(this.bytes(n * half), shape, half, false);
      const im = reorder(this.bytes(n * half), shape, half, false);
      const data = new Uint8Array(n * half * 2);
      for (let i = 0; i < n; i++) {
        data.set(re.subarray(i * half, (i + 1) * half), i * 2 * half);
        data.set(im.subarray(i * half, (i + 1) * half), i * 2 * half + half);
      }
      const dtype: DType = parseDescr(`<c${half * 2}`);
      return { kind: "ndarray", dtype, shape, data };
    }
    const data = new Uint8Array(reorder(Buffer.from(this.bytes(n * base.itemsize)), shape, base.itemsize, false));
    return { kind: "ndarray", dtype: base, shape, data: data.byteOffset === 0 ? data : new Uint8Array(data) };
  }
}

/** Unpack a blob (`blob.unpack`): inflates the ZL123 wrapper, checks every byte is used. */
export function unpackBlob(bytes: Uint8Array): BlobValue {
  let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.subarray(0, 6).toString("latin1") === "ZL123\0") {
    const expected = Number(b.readBigUInt64LE(6));
    // The stated size bounds the inflated output: a corrupt header cannot make dj inflate without end.
    try {
      b = inflateSync(b.subarray(14), { maxOutputLength: Math.max(1, Math.min(expected, kMaxLength)) });
    } catch (err) {
      throw new CodecError(`blob does not decompress to its stated ${expected} bytes: ${(err as Error).message}`, { code: "codec.blob", cause: err });
    }
    if (b.length !== expected) throw new CodecError(`blob decompressed to ${b.length} bytes, expected ${expected}`, { code: "codec.blob" });
  }
  const header = b.subarray(0, 4).toString("latin1");
  if (header !== "mYm\0" && header !== "dj0\0") throw new CodecError("not a DataJoint blob (no mYm/dj0 header)", { code: "codec.blob" });
  const r = new Reader(b.subarray(4));
  const value = r.value();
  if (r.pos !== b.length - 4) throw new CodecError(`blob has ${b.length - 4 - r.pos} unread bytes`, { code: "codec.blob" });
  return value;
}
