/**
 * NumPy dtype descriptors (`<f4`, `>i8`, `|b1`, `<c16`) ↔ DType, limited to what `dj` stores:
 * bool, signed/unsigned integers, floats and complex numbers. Object, structured, string and
 * date-time dtypes are refused with a reason.
 */
import { InputError } from "../errors.js";
import type { ByteOrder, DType, DTypeKind } from "./ndarray.js";

const NAMES: Record<string, string> = {
  b1: "bool",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
  c8: "complex64",
  c16: "complex128",
};

const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function parseDescr(descr: string, where = "array"): DType {
  const m = /^([<>|=])?([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) {
    const why = /^\|?O/.test(descr) ? "object arrays (pickled Python objects) are not supported" : /^\[|^\(/.test(descr) ? "structured dtypes are not supported" : `unsupported dtype ${descr}`;
    throw new InputError(`${where}: ${why}`, { code: "input.dtype" });
  }
  const code = m[2]! + m[3]!;
  const name = NAMES[code];
  if (!name) {
    const kind = m[2]!;
    const why = kind === "U" || kind === "S" ? "string dtypes are not supported" : kind === "M" || kind === "m" ? "date-time dtypes are not supported" : kind === "V" ? "void/structured dtypes are not supported" : `unsupported dtype ${descr}`;
    throw new InputError(`${where}: ${why}`, { code: "input.dtype" });
  }
  const itemsize = Number(m[3]);
  let order = (m[1] ?? "=") as ByteOrder | "=";
  if (order === "=") order = itemsize === 1 ? "|" : hostLittle ? "<" : ">";
  if (itemsize === 1) order = "|";
  return { descr: `${order}${code}`, byteOrder: order, kind: m[2] as DTypeKind, itemsize, name };
}

/** NumPy's `str(dtype)`: the name for native little-endian types, the descr otherwise (`>f8`). */
export function numpyDtypeString(d: DType): string {
  return d.byteOrder === ">" ? d.descr : d.name;
}

/** From NumPy's dtype name (`float32`) or a descr (`<f4`, `>f8`). */
export function dtypeFromString(s: string): DType {
  const byName = Object.entries(NAMES).find(([, n]) => n === s);
  if (byName) return parseDescr((byName[0].length === 2 && byName[0].endsWith("1") ? "|" : "<") + byName[0]);
  return parseDescr(s);
}

export function littleEndian(d: DType): DType {
  return d.byteOrder === ">" ? parseDescr("<" + d.descr.slice(1)) : d;
}

/** Swap the byte order of every element in place (complex: each half separately). */
export function byteSwap(data: Uint8Array, d: DType): void {
  const width = d.kind === "c" ? d.itemsize / 2 : d.itemsize;
  if (width === 1) return;
  for (let i = 0; i + width <= data.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = data[a]!;
      data[a] = data[b]!;
      data[b] = t;
    }
  }
}
