/**
 * `<blob>` / `<blob@store>`: any value in DataJoint's blob format — in the table (longblob) or,
 * with `@store`, through `<hash>` (content-addressed, deduplicated). Arrays from `.npy` files
 * and JSON values (`--set params='{"a": 1}'`) are packed as Python would pack them. A value
 * is packed in memory: at most BLOB_MAX_BYTES (1 GiB); larger arrays go to `<npy@>`/`<zarr@>`.
 */
import { CodecError, InputError } from "../../errors.js";
import { packBlob, unpackBlob, type BlobValue } from "../../formats/blob.js";
import { readAll, sourceFromMemory, type InMemoryArray } from "../../formats/ndarray.js";
import type { Codec, InputValue } from "../types.js";
import { BLOB_MAX_BYTES, tooLarge } from "./limits.js";

/** JSON → the Python value json.loads would give: integers are ints, other numbers floats. */
export function blobValueFromJson(v: unknown): BlobValue {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(blobValueFromJson);
  if (typeof v === "object") return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, blobValueFromJson(x)]));
  throw new InputError(`<blob> cannot store a ${typeof v}`, { code: "input.value" });
}

async function toBlobValue(value: InputValue): Promise<BlobValue> {
  if (value.kind === "ndarray") {
    const a = value.array;
    // Checked before a byte is read: the array would be held in memory (twice, with the packing).
    if (a.byteLength > BLOB_MAX_BYTES) throw tooLarge("blob", "this array", a.byteLength, BLOB_MAX_BYTES, "<npy@> or <zarr@>");
    let data = await readAll(a);
    if (a.order === "F") {
      const { reorder } = await import("../../formats/ndarray.js");
      data = reorder(data, a.shape, a.dtype.itemsize, false);
    }
    return { kind: "ndarray", dtype: a.dtype, shape: a.shape, data } satisfies InMemoryArray;
  }
  if (value.kind === "value") return blobValueFromJson(value.value);
  if (value.kind === "bytes") {
    if (value.data.byteLength > BLOB_MAX_BYTES) throw tooLarge("blob", "this value", value.data.byteLength, BLOB_MAX_BYTES, "<object@> or <hash@>");
    return value.data;
  }
  throw new InputError(`<blob> expects an array or a value, got ${value.kind}`, { code: "input.value" });
}

const blob: Codec<Uint8Array> = {
  name: "blob",
  description: "any value in DataJoint's blob format",
  accepts: ["ndarray", "value", "bytes"],
  getDtype: (isStore) => (isStore ? "<hash>" : "bytes"),
  async encode(value) {
    const packed = packBlob(await toBlobValue(value));
    if (packed.byteLength > BLOB_MAX_BYTES) throw tooLarge("blob", "the packed value", packed.byteLength, BLOB_MAX_BYTES, "<npy@> or <zarr@> for arrays, <object@> for files");
    return packed;
  },
  async decode(stored) {
    if (!(stored instanceof Uint8Array)) throw new CodecError("<blob>: stored value is not bytes", { code: "codec.decode" });
    const value = unpackBlob(stored);
    if (typeof value === "object" && value !== null && (value as InMemoryArray).kind === "ndarray") {
      return { kind: "ndarray", array: sourceFromMemory(value as InMemoryArray) };
    }
    return { kind: "value", value };
  },
};

export default blob;
