/**
 * NumPy dtype descriptors for Zarr: v2 writes them as is (`<f4`), v3 uses names (`float32`).
 * (The plugin has no runtime dependency on dj, so it keeps this small table of its own.)
 */
import type { DType } from "dj-cli";

const NAMES: Record<string, string> = {
  b1: "bool", i1: "int8", i2: "int16", i4: "int32", i8: "int64",
  u1: "uint8", u2: "uint16", u4: "uint32", u8: "uint64",
  f2: "float16", f4: "float32", f8: "float64", c8: "complex64", c16: "complex128",
};

export function dtypeFromDescr(descr: string): DType | null {
  const m = /^([<>|=])?([biufc])(\d+)$/.exec(descr);
  if (!m) return null;
  const code = m[2]! + m[3]!;
  const name = NAMES[code];
  if (!name) return null;
  const itemsize = Number(m[3]);
  const byteOrder = itemsize === 1 ? "|" : m[1] === ">" ? ">" : "<";
  return { descr: `${byteOrder}${code}`, byteOrder, kind: m[2] as DType["kind"], itemsize, name };
}

export function dtypeFromName(name: string): DType | null {
  const code = Object.entries(NAMES).find(([, n]) => n === name)?.[0];
  return code ? dtypeFromDescr((code.endsWith("1") && code.length === 2 ? "|" : "<") + code) : null;
}

export function littleEndian(d: DType): DType {
  return d.byteOrder === ">" ? dtypeFromDescr("<" + d.descr.slice(1))! : d;
}

/** Swap each element's bytes in place (complex numbers: each half). */
export function byteSwap(data: Uint8Array, d: DType): void {
  const w = d.kind === "c" ? d.itemsize / 2 : d.itemsize;
  if (w === 1) return;
  for (let i = 0; i + w <= data.length; i += w) {
    for (let a = i, b = i + w - 1; a < b; a++, b--) {
      const t = data[a]!;
      data[a] = data[b]!;
      data[b] = t;
    }
  }
}
