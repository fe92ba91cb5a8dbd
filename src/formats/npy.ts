/**
 * NumPy `.npy` files: header parsing (versions 1.0, 2.0, 3.0) and NumPy 2.x's exact header
 * bytes for writing; the data is read by range and streamed, never loaded whole.
 */
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { CodecError, InputError } from "./errors.js";
import { numpyDtype } from "./dtype.js";
import { PyLiteralError, parsePyLiteral, type PyValue } from "./py-literal.js";
import type { DType, NdArraySource } from "./ndarray.js";

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

/** NumPy's `max_header_size`: `np.load` refuses longer headers (they may not be safe to evaluate). */
export const NPY_MAX_HEADER_CHARS = 10000;
/** The most bytes NPY_MAX_HEADER_CHARS characters can take (UTF-8 in format 3.0). */
const NPY_MAX_HEADER_BYTES = NPY_MAX_HEADER_CHARS * 4;

const npyError = (where: string, why: string) => new InputError(`${where}: not a valid .npy file: ${why}`, { code: "input.npy" });

/**
 * The length of the whole header (magic to the end of the dict) from its first 12 bytes, or an
 * InputError when the length field promises more than NumPy would read — checked before anything
 * is allocated for it, so a length of 4 GiB is an error, not an allocation.
 */
export function npyHeaderLength(prefix: Uint8Array, where: string): number {
  checkPrefix(prefix, where);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lenSize = prefix[6] === 1 ? 2 : 4;
  const headerLen = lenSize === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > NPY_MAX_HEADER_BYTES) {
    throw npyError(where, `the header length field says ${headerLen} bytes; NumPy reads headers of at most ${NPY_MAX_HEADER_CHARS} characters`);
  }
  return 8 + lenSize + headerLen;
}

function checkPrefix(bytes: Uint8Array, where: string): void {
  if (bytes.length === 0) throw npyError(where, "the file is empty");
  if (bytes.length < 8) throw npyError(where, "the file ends inside the header");
  if (!Buffer.from(bytes.subarray(0, 6)).equals(MAGIC)) throw npyError(where, "bad magic (expected \\x93NUMPY)");
  const [major, minor] = [bytes[6]!, bytes[7]!];
  if (![1, 2, 3].includes(major) || minor !== 0) throw npyError(where, `unsupported format version ${major}.${minor} (NumPy reads 1.0, 2.0 and 3.0)`);
  if (bytes.length < (major === 1 ? 10 : 12)) throw npyError(where, "the file ends inside the header");
}

/** Parse the header as NumPy's `_read_array_header` does (a Python dict literal, checked key by key). */
export function parseNpyHeader(bytes: Uint8Array, where: string): NpyHeader {
  const fail = (why: string) => npyError(where, why);
  const dataOffset = npyHeaderLength(bytes, where);
  const major = bytes[6]!;
  if (bytes.length < dataOffset) throw fail("the file ends inside the header");
  const raw = bytes.subarray(major === 1 ? 10 : 12, dataOffset);
  let text: string;
  try {
    text = major === 3 ? new TextDecoder("utf-8", { fatal: true }).decode(raw) : Buffer.from(raw).toString("latin1");
  } catch (err) {
    if (!(err instanceof TypeError)) throw err; // a fatal TextDecoder says invalid UTF-8 with a TypeError
    throw fail("the header is not valid UTF-8 (format 3.0 headers are UTF-8)");
  }
  if (text.length > NPY_MAX_HEADER_CHARS) throw fail(`the header is ${text.length} characters; NumPy reads headers of at most ${NPY_MAX_HEADER_CHARS}`);
  let dict: PyValue;
  try {
    dict = parsePyLiteral(text, { allowLongSuffix: major <= 2 });
  } catch (err) {
    if (!(err instanceof PyLiteralError)) throw err;
    throw fail(`the header is not a Python literal: ${err.message}`);
  }
  if (dict.t !== "dict") throw fail("the header is not a dictionary");
  // A Python dict keeps the last value of a repeated key; so does dj, as NumPy reads it.
  const entries = new Map<string, PyValue>();
  for (const [k, v] of dict.entries) {
    if (k.t !== "str") throw fail("the header has a key that is not a string (NumPy needs exactly 'descr', 'fortran_order' and 'shape')");
    entries.set(k.value, v);
  }
  const keys = [...entries.keys()].sort();
  if (keys.join() !== "descr,fortran_order,shape") throw fail(`the header has the keys ${JSON.stringify(keys)} (NumPy needs exactly 'descr', 'fortran_order' and 'shape')`);
  const shapeValue = entries.get("shape")!;
  const fortranValue = entries.get("fortran_order")!;
  const descrValue = entries.get("descr")!;
  // NumPy's header check lets True/False through, then fails to read such a file: refused too.
  if (shapeValue.t !== "tuple" || !shapeValue.items.every((d) => d.t === "int")) throw fail("shape is not a tuple of integers");
  if (fortranValue.t !== "bool") throw fail("fortran_order is not True or False");
  if (descrValue.t === "list") throw new InputError(`${where}: structured dtypes are not supported (a plain numeric array is needed)`, { code: "input.dtype" });
  if (descrValue.t === "tuple") throw new InputError(`${where}: sub-array dtypes are not supported (a plain numeric array is needed)`, { code: "input.dtype" });
  if (descrValue.t !== "str") throw fail("descr is not a dtype string");
  const dtype = numpyDtype(descrValue.value, where);
  const shape = shapeValue.items.map((d) => {
    const n = (d as { value: bigint }).value;
    if (n < 0n) throw fail(`negative dimension ${n} in shape`);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`dimension ${n} in shape is larger than 2^53 - 1`);
    return Number(n);
  });
  const dataBytes = shape.reduce((a, d) => a * BigInt(d), 1n) * BigInt(dtype.itemsize);
  if (dataBytes > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`shape ${pyShape(shape)} of ${dtype.descr} is ${dataBytes} bytes, more than 2^53 - 1`);
  return {
    version: [major, 0],
    dtype,
    fortranOrder: fortranValue.value,
    shape,
    dataOffset,
    dataBytes: Number(dataBytes),
  };
}

function pyShape(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** The header bytes NumPy 2.x writes (`np.save`), padding and growth room included. */
export function npyHeaderBytes(dtype: DType, shape: number[], fortranOrder: boolean): Uint8Array {
  // A shape that is not exact integers would write a header no reader (NumPy or dj) accepts.
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new CodecError(`cannot write a .npy header for shape ${JSON.stringify(shape)}: dimensions must be integers from 0 to 2^53 - 1`, { code: "codec.shape" });
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
    const info = await handle.stat();
    if (!info.isFile()) throw new InputError(`${path}: ${info.isDirectory() ? "is a directory" : "is not a regular file"}: arrays are read from .npy files by range`, { code: "input.file" });
    const size = info.size;
    const head = Buffer.alloc(Math.min(size, 12));
    await handle.read(head, 0, head.length, 0);
    let headerBytes: Uint8Array = head;
    if (size >= 10 && head.subarray(0, 6).equals(MAGIC) && [1, 2, 3].includes(head[6]!) && head[7] === 0 && (head[6] === 1 || size >= 12)) {
      const full = Buffer.alloc(Math.min(size, npyHeaderLength(head, path)));
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
    if (available > header.dataBytes) {
      // NumPy would ignore the extra bytes; dj refuses them: a header that does not describe the
      // whole file (a wrong shape, a repeated key) is the likelier explanation than trailing data.
      throw new InputError(`${path}: the header describes ${header.dataBytes} bytes of ${header.dtype.descr} data ${JSON.stringify(header.shape)}, but ${available} follow it`, {
        hint: "the shape in the header does not match the data; re-save the array with numpy.save",
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
