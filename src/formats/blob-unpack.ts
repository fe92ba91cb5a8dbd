/**
 * Unpacking DataJoint's blob format (blob.ts): every count is checked against the bytes left
 * before anything is allocated for it, and every byte must be used.
 */
import { kMaxLength } from "node:buffer";
import { inflateSync } from "node:zlib";
import { CodecError } from "./errors.js";
import { parseDescr } from "./dtype.js";
import { elementCount, reorder, type DType } from "./ndarray.js";
import { BlobComplex, BlobDecimal, BlobTuple, BlobUuid, DESCR_BY_ID, reorderIndices, type BlobValue } from "./blob-values.js";

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
