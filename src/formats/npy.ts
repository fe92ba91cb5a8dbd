/**
 * NumPy `.npy` files: header parsing (versions 1.0, 2.0, 3.0) and NumPy 2.x's exact header
 * bytes for writing; the data is read by range and streamed, never loaded whole.
 */
import { open, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { InputError } from "../errors.js";
import { parseDescr } from "./dtype.js";
import { elementCount, type DType, type NdArraySource } from "./ndarray.js";

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

export interface NpyHeader {
  version: [number, number];
  dtype: DType;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
  /** Bytes of data the header promises. */
  dataBytes: number;
}

/** Bytes needed before the header dict can be read: magic + version + length field. */
export function npyPrefixLength(prefix: Uint8Array): number {
  return prefix[6] === 1 ? 10 : 12;
}

export function parseNpyHeader(bytes: Uint8Array, where: string): NpyHeader {
  const fail = (why: string) => new InputError(`${where}: not a valid .npy file: ${why}`, { code: "input.npy" });
  if (bytes.length === 0) throw fail("the file is empty");
  if (bytes.length < 10) throw fail("the file ends inside the header");
  if (!Buffer.from(bytes.subarray(0, 6)).equals(MAGIC)) throw fail("bad magic (expected \\x93NUMPY)");
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) throw fail(`unsupported format version ${major}.${minor}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenSize) throw fail("the file ends inside the header");
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lenSize + headerLen;
  if (bytes.length < dataOffset) throw fail("the file ends inside the header");
  const text = Buffer.from(bytes.subarray(8 + lenSize, dataOffset)).toString(major === 3 ? "utf8" : "latin1");
  const descr = /'descr'\s*:\s*('([^']*)'|"([^"]*)"|\[)/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw fail(`the header dict is malformed: ${JSON.stringify(text.trim())}`);
  if (descr[1] === "[") throw new InputError(`${where}: structured dtypes are not supported (a plain numeric array is needed)`, { code: "input.dtype" });
  const dtype = parseDescr(descr[2] ?? descr[3]!, where);
  const dims = shape[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw fail(`bad shape (${shape[1]})`);
  const dimsN = dims.map((d) => Number(d.replace("L", "")));
  return {
    version: [major, minor],
    dtype,
    fortranOrder: fortran[1] === "True",
    shape: dimsN,
    dataOffset,
    dataBytes: elementCount(dimsN) * dtype.itemsize,
  };
}

function pyShape(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** The header bytes NumPy 2.x writes (`np.save`), padding and growth room included. */
export function npyHeaderBytes(dtype: DType, shape: number[], fortranOrder: boolean): Uint8Array {
  let dict = `{'descr': '${dtype.descr}', 'fortran_order': ${fortranOrder ? "True" : "False"}, 'shape': ${pyShape(shape)}, }`;
  if (shape.length > 0) dict += " ".repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[fortranOrder ? shape.length - 1 : 0]).length);
  for (const [major, lenSize] of [[1, 2], [2, 4]] as const) {
    const hlen = Buffer.byteLength(dict, "latin1") + 1;
    const padlen = ALIGN - ((8 + lenSize + hlen) % ALIGN);
    const total = hlen + padlen;
    if (major === 1 && total > 0xffff) continue; // version 2.0 only when 1.0 cannot hold it
    const out = Buffer.alloc(8 + lenSize + total, 0x20);
    MAGIC.copy(out, 0);
    out[6] = major;
    out[7] = 0;
    if (major === 1) out.writeUInt16LE(total, 8);
    else out.writeUInt32LE(total, 8);
    out.write(dict, 8 + lenSize, "latin1");
    out[out.length - 1] = 0x0a;
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  throw new Error("unreachable");
}

/** An NdArraySource over a range-readable byte source (a file, a store object). */
export function npySource(
  header: NpyHeader,
  readAt: (offset: number, length: number) => Promise<Uint8Array>,
  close?: () => Promise<void>,
  readIntoAt?: (offset: number, into: Uint8Array) => Promise<void>,
): NdArraySource {
  const check = (offset: number, length: number) => {
    if (offset < 0 || offset + length > header.dataBytes) throw new RangeError(`read ${offset}+${length} beyond ${header.dataBytes} bytes`);
  };
  const read = async (offset: number, length: number) => {
    check(offset, length);
    return readAt(header.dataOffset + offset, length);
  };
  const readInto = readIntoAt
    ? async (offset: number, into: Uint8Array) => {
        check(offset, into.byteLength);
        await readIntoAt(header.dataOffset + offset, into);
      }
    : undefined;
  return {
    ...(readInto ? { readInto } : {}),
    dtype: header.dtype,
    shape: header.shape,
    order: header.fortranOrder ? "F" : "C",
    byteLength: header.dataBytes,
    read,
    async *chunks(pieceBytes = 4 << 20) {
      const step = Math.max(header.dtype.itemsize, pieceBytes - (pieceBytes % header.dtype.itemsize));
      for (let at = 0; at < header.dataBytes; at += step) yield await read(at, Math.min(step, header.dataBytes - at));
    },
    close,
  };
}

/** Open a `.npy` file: the header is parsed and checked against the file size; data stays on disk. */
export async function openNpy(path: string): Promise<NdArraySource & { header: NpyHeader }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new InputError(`cannot open ${path}: ${(err as Error).message}`, { code: "input.file" });
  }
  try {
    const size = (await stat(path)).size;
    const head = Buffer.alloc(Math.min(size, 12));
    await handle.read(head, 0, head.length, 0);
    let headerBytes: Uint8Array = head;
    if (size >= 10 && head.subarray(0, 6).equals(MAGIC)) {
      const lenSize = head[6] === 1 ? 2 : 4;
      const hlen = lenSize === 2 ? head.readUInt16LE(8) : size >= 12 ? head.readUInt32LE(8) : 0;
      const full = Buffer.alloc(Math.min(size, 8 + lenSize + hlen));
      await handle.read(full, 0, full.length, 0);
      headerBytes = full;
    }
    const header = parseNpyHeader(headerBytes, path);
    const available = size - header.dataOffset;
    if (available < header.dataBytes) {
      throw new InputError(`${path}: truncated .npy file: the header promises ${header.dataBytes} bytes of ${header.dtype.descr} data ${JSON.stringify(header.shape)}, the file holds ${available}`, {
        code: "input.npy",
      });
    }
    const h = handle;
    const readIntoAt = async (offset: number, into: Uint8Array) => {
      let filled = 0;
      while (filled < into.byteLength) {
        const { bytesRead } = await h.read(into, filled, into.byteLength - filled, offset + filled);
        if (bytesRead === 0) throw new InputError(`${path}: the file shrank while being read`, { code: "input.npy" });
        filled += bytesRead;
      }
    };
    const readAt = async (offset: number, length: number) => {
      const buf = new Uint8Array(length);
      await readIntoAt(offset, buf);
      return buf;
    };
    return { ...npySource(header, readAt, () => h.close(), readIntoAt), header };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The `.npy` bytes of an array as a stream: NumPy's header, then the data in its own order. */
export function npyStream(array: NdArraySource, pieceBytes = 4 << 20): Readable {
  const header = npyHeaderBytes(array.dtype, array.shape, array.order === "F");
  async function* body() {
    yield header;
    for await (const chunk of array.chunks(pieceBytes)) yield chunk;
  }
  return Readable.from(body(), { objectMode: false, highWaterMark: 2 });
}

export function npyByteLength(array: NdArraySource): number {
  return npyHeaderBytes(array.dtype, array.shape, array.order === "F").byteLength + array.byteLength;
}
