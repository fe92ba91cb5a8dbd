/**
 * NumPy dtype descriptors (`<f4`, `>i8`, `|b1`, `<c16`) ↔ DType, limited to what `dj` stores:
 * bool, signed/unsigned integers, floats and complex numbers. Object, structured, string and
 * date-time dtypes are refused with a reason.
 */
import { InputError } from "./errors.js";
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
  // `|` on a multi-byte type means "not specified", which NumPy reads as native order.
  if (order === "=" || order === "|") order = itemsize === 1 ? "|" : hostLittle ? "<" : ">";
  if (itemsize === 1) order = "|";
  return { descr: `${order}${code}`, byteOrder: order, kind: m[2] as DTypeKind, itemsize, name };
}

/** NumPy's one-character type codes (`np.dtype('d')`), with a 64-bit Linux's C type sizes. */
const CHAR_CODES: Record<string, string> = { "?": "b1", b: "i1", B: "u1", h: "i2", H: "u2", i: "i4", I: "u4", l: "i8", L: "u8", q: "i8", Q: "u8", p: "i8", P: "u8", n: "i8", N: "u8", e: "f2", f: "f4", d: "f8", F: "c8", D: "c16" };
/** NumPy's type names beyond NAMES (`np.dtype('double')`); names take no byte-order character. */
const ALIASES: Record<string, string> = { bool_: "b1", byte: "i1", ubyte: "u1", short: "i2", ushort: "u2", intc: "i4", uintc: "u4", int: "i8", uint: "u8", long: "i8", ulong: "u8", longlong: "i8", ulonglong: "u8", intp: "i8", uintp: "u8", half: "f2", single: "f4", double: "f8", float: "f8", csingle: "c8", cdouble: "c16", complex: "c16" };
const SIZES: Record<string, number[]> = { b: [1], i: [1, 2, 4, 8], u: [1, 2, 4, 8], f: [2, 4, 8], c: [8, 16] };

/**
 * A dtype string as `np.dtype(text)` reads it, for the numeric types dj stores: `<f8`, `f8`,
 * `|f8` and `=f8` (native order), `i08`, one-character codes (`d`, `<h`, `?`) and names
 * (`float64`, `double`). Everything else goes through parseDescr, which names what it refuses.
 */
export function numpyDtype(text: string, where = "array"): DType {
  const named = Object.entries(NAMES).find(([, n]) => n === text)?.[0] ?? ALIASES[text];
  if (named) return parseDescr(named, where);
  const m = /^([<>|=])?(?:([?bBhHiIlLqQpPnNeEfdFD])|([biufc])(\d+))$/.exec(text);
  if (m?.[2] && CHAR_CODES[m[2]]) return parseDescr((m[1] ?? "") + CHAR_CODES[m[2]], where);
  if (m?.[3] && SIZES[m[3]]!.includes(Number(m[4]))) return parseDescr((m[1] ?? "") + m[3] + Number(m[4]), where);
  return parseDescr(text, where);
}

/** NumPy's `str(dtype)`: the name for native little-endian types, the descr otherwise (`>f8`). */
export function numpyDtypeString(d: DType): string {
  return d.byteOrder === ">" ? d.descr : d.name;
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
