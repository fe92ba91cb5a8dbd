/**
 * `<npy@store>`: an array as a standard NumPy `.npy` file at `…/{field}_{token}.npy`, streamed
 * from the input (the data is never held in memory). Column JSON: {"path","store","dtype","shape"}.
 * Fetching returns a lazy array that reads the stored file by range.
 */
import { CodecError, InputError, StoreError } from "../../errors.js";
import { numpyDtypeString } from "../../formats/dtype.js";
import { open } from "node:fs/promises";
import type { NdArraySource } from "../../formats/ndarray.js";
import { npyByteLength, npyHeaderBytes, npyHeaderLength, npySource, npyStream, parseNpyHeader } from "../../formats/npy.js";
import { readBoxByRanges } from "../../formats/box-ranges.js";
import type { Codec, VerifyProblem } from "../types.js";
import { jsonObject, storeNameOf, storeOf, recordedObject, recordedPath } from "./shared.js";
import { problem } from "./verify-objects.js";

/** True when the file is NumPy's own bytes for this array: the same header, nothing after the data. */
async function isCanonicalNpy(path: string, array: NdArraySource): Promise<boolean> {
  const header = npyHeaderBytes(array.dtype, array.shape, array.order === "F");
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    if (size !== header.byteLength + array.byteLength) return false;
    const head = Buffer.alloc(header.byteLength);
    await handle.read(head, 0, head.length, 0);
    return head.equals(header);
  } finally {
    await handle.close();
  }
}

const npy: Codec = {
  name: "npy",
  description: "an array as a NumPy .npy file",
  accepts: ["ndarray"],
  schemaAddressed: true,
  getDtype(isStore) {
    if (!isStore) throw new CodecError("<npy> requires @ (store only)", { code: "codec.store" });
    return "json";
  },
  validate(value) {
    if (value.kind !== "ndarray") throw new InputError(`<npy> requires an array (a .npy file), got ${value.kind}`, { code: "input.value" });
  },
  async encode(value, ctx) {
    if (value.kind !== "ndarray") throw new InputError(`<npy> requires an array (a .npy file), got ${value.kind}`, { code: "input.value" });
    const { store, name } = storeOf(ctx, "npy");
    const path = ctx.objectPath(".npy");
    ctx.onObjectWritten(path, store);
    const array = value.array;
    if (value.sourcePath && store.putFile && (await isCanonicalNpy(value.sourcePath, array))) {
      // The input already is exactly the file NumPy would write: copy it as is (in the kernel
      // on a file store) instead of re-streaming it through JavaScript.
      await store.putFile(path, value.sourcePath, { ifAbsent: true });
    } else {
      await store.setStream(path, npyStream(array), { ifAbsent: true, size: npyByteLength(array), signal: ctx.signal });
    }
    return { path, store: name, dtype: numpyDtypeString(array.dtype), shape: array.shape };
  },
  async decode(stored, ctx) {
    const meta = jsonObject(stored, "npy");
    const store = await ctx.getStore(storeNameOf(meta));
    const path = String(meta.path);
    const prefix = await store.getRange(path, { offset: 0, length: 12 });
    if (!prefix) throw new StoreError(`Missing external file ${store.root}/${path}`, { code: "store.missing" });
    const where = `${store.name}:${path}`;
    const header = parseNpyHeader((await store.getRange(path, { offset: 0, length: npyHeaderLength(prefix, where) }))!, where);
    const read = async (offset: number, length: number) => {
      const data = await store.getRange(path, { offset, length });
      if (!data || data.byteLength !== length) throw new StoreError(`store "${store.name}": ${path} is shorter than its header says`, { code: "store.corrupt" });
      return data;
    };
    const array = npySource(header, read);
    // A box is a set of byte ranges of the file: range GETs, near ones merged, several in flight.
    const readBox = (lo: readonly number[], hi: readonly number[]) => readBoxByRanges(array, lo, hi, { concurrency: 8 });
    return { kind: "ndarray", array: { ...array, readBox } };
  },
  referencedPaths: (stored) => recordedPath(stored, "npy"),
  /** The file exists, its header gives the row's dtype and shape, and its size is what the header needs. */
  async verify(stored, ctx) {
    const { meta, name, store, path } = await recordedObject(stored, "npy", ctx);
    const size = await store.size(path);
    if (size === undefined) return [problem(name, path, "missing")];
    let header;
    try {
      const prefix = (await store.getRange(path, { offset: 0, length: 12 })) ?? new Uint8Array();
      const length = npyHeaderLength(prefix, path);
      header = parseNpyHeader((await store.getRange(path, { offset: 0, length })) ?? new Uint8Array(), path);
    } catch (err) {
      return [problem(name, path, `not a readable .npy header: ${(err as Error).message.replace(`${path}: `, "")}`)];
    }
    const out: VerifyProblem[] = [];
    const dtype = numpyDtypeString(header.dtype);
    if (typeof meta.dtype === "string" && dtype !== meta.dtype) out.push(problem(name, path, `header dtype ${dtype}, the row records ${meta.dtype}`));
    if (Array.isArray(meta.shape) && header.shape.join(",") !== meta.shape.join(",")) {
      out.push(problem(name, path, `header shape [${header.shape.join(", ")}], the row records [${meta.shape.join(", ")}]`));
    }
    const needed = header.dataOffset + header.dataBytes;
    if (size !== needed) out.push(problem(name, path, `size ${size} bytes, its header needs ${needed}${size < needed ? " (truncated)" : ""}`));
    return out;
  },
};

export default npy;
