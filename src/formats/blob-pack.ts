/**
 * Packing a value into DataJoint's blob format (blob.ts), byte for byte as DataJoint for Python
 * writes it: the bytes decide the content hash, and so deduplication.
 */
import { createRequire } from "node:module";
import { InputError } from "./errors.js";
import { byteSwap } from "./dtype.js";
import { elementCount, reorder, type InMemoryArray } from "./ndarray.js";
import { BlobComplex, BlobDecimal, BlobTuple, BlobUuid, isArray, isStrArray, reorderIndices, TYPE_IDS, u32, u64, type BlobStringArray, type BlobValue } from "./blob-values.js";

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
