/**
 * `dj show`: what each stored value is — shape, dtype, layout, chunks, compressor, stored bytes,
 * path and store — from metadata alone: the row's column, a `.npy` header, a Zarr metadata
 * document, and object sizes from a listing. No chunk and no array data is read, so it answers
 * for terabyte arrays as fast as for small ones (and for an array that lost a chunk).
 */
import type { Codec } from "../codecs/types.js";
import { numpyDtypeString } from "../formats/dtype.js";
import { npyHeaderLength, parseNpyHeader } from "../formats/npy.js";
import { zarrInfo, type ZarrInfo } from "../formats/zarr-info.js";
import type { Heading } from "../schema/heading.js";
import type { Store } from "../stores/types.js";
import { decodeValue } from "./codec-context.js";
import { valueTargets, type ValueQuery } from "./one-value.js";
import type { Session, SessionOptions } from "./session.js";

export interface ValueInfo {
  attr: string;
  key: Record<string, unknown>;
  /** The attribute's type as declared: `<zarr@>`, `<blob>`. */
  type: string;
  dtype?: string;
  shape?: number[];
  /** Memory layout of a `.npy` file: C or F. */
  order?: string;
  chunks?: number[];
  compressor?: string;
  filters?: string[];
  zarrFormat?: number;
  /** Bytes the value takes where it is stored (objects in the store, or the column). */
  storedBytes?: number;
  objects?: number;
  path?: string;
  store?: string;
  /** A referenced object or folder that is not in the store. */
  missing?: boolean;
}

async function zarrDoc(store: Store, prefix: string): Promise<ZarrInfo | undefined> {
  const v2 = await store.get(`${prefix}/.zarray`);
  if (v2) return zarrInfo(new TextDecoder().decode(v2), 2);
  const v3 = await store.get(`${prefix}/zarr.json`);
  return v3 ? zarrInfo(new TextDecoder().decode(v3), 3) : undefined;
}

/** The header of a `.npy` object (its first bytes only). */
async function npyDoc(store: Store, path: string): Promise<Partial<ValueInfo>> {
  const prefix = await store.getRange(path, { offset: 0, length: 12 });
  if (!prefix) return {};
  const header = parseNpyHeader((await store.getRange(path, { offset: 0, length: npyHeaderLength(prefix, path) }))!, path);
  return { dtype: numpyDtypeString(header.dtype), shape: header.shape, order: header.fortranOrder ? "F" : "C" };
}

async function storedObject(session: Session, path: string, storeName: string | null): Promise<Partial<ValueInfo>> {
  const { openStore } = await import("../stores/open.js");
  const store = await openStore(session.config, storeName);
  const size = await store.size(path);
  if (size !== undefined) return { path, store: store.name, storedBytes: size, objects: 1, ...(path.endsWith(".npy") ? await npyDoc(store, path) : {}) };
  // A folder: a Zarr array, an <object@> directory. Sizes come from one listing.
  let bytes = 0;
  let objects = 0;
  for await (const o of store.list(path.replace(/\/+$/, "") + "/")) {
    bytes += o.size;
    objects++;
  }
  if (objects === 0) return { path, store: store.name, missing: true };
  const z = await zarrDoc(store, path.replace(/\/+$/, ""));
  return { path, store: store.name, storedBytes: bytes, objects, ...(z ?? {}) };
}

export async function showValues(session: Session, heading: Heading, q: ValueQuery): Promise<ValueInfo[]> {
  const { result, targets } = await valueTargets(session, heading, q);
  const out: ValueInfo[] = [];
  for (const { row, attr } of targets) {
    const raw = row.raw[attr.name];
    const info: ValueInfo = { attr: attr.name, key: row.key, type: attr.type };
    const codec = result.codecs.get(attr.name);
    if (!codec) {
      // A plain attribute named with --attr: it lives in the table, as what it is.
      out.push({ ...info, store: "(in table)", ...(Buffer.isBuffer(raw) || typeof raw === "string" ? { storedBytes: Buffer.byteLength(raw as Buffer) } : {}) });
      continue;
    }
    if (codec instanceof Error) throw codec;
    const chain = codec.chain;
    if (chain.finalDtype !== "json") {
      // In the table: the column is all there is; a blob's header is decoded in memory.
      info.storedBytes = Buffer.isBuffer(raw) ? raw.length : undefined;
      info.store = "(in table)";
      if (chain.store === null) {
        const decoded = await decodeValue(raw, chain, session.config);
        if (decoded.kind === "ndarray") Object.assign(info, { dtype: numpyDtypeString(decoded.array.dtype), shape: decoded.array.shape });
      }
      out.push(info);
      continue;
    }
    const meta = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, unknown>;
    const inner = chain.chain[chain.chain.length - 1] as Codec;
    const refs = inner.referencedPaths?.(meta) ?? [];
    // One object or folder per value for every codec dj knows; several are summed.
    for (const ref of refs) {
      const part = await storedObject(session, ref.path, ref.store);
      if (refs.length === 1) Object.assign(info, part);
      else Object.assign(info, { storedBytes: (info.storedBytes ?? 0) + (part.storedBytes ?? 0), objects: (info.objects ?? 0) + (part.objects ?? 0), store: part.store, path: info.path ?? part.path });
    }
    // The row's dtype and shape win over the Zarr document's (`float64`, not `<f8`), as fetch shows them.
    if (typeof meta.dtype === "string") info.dtype = meta.dtype;
    if (Array.isArray(meta.shape)) info.shape = meta.shape as number[];
    out.push(info);
  }
  return out;
}

/** `dj show TABLE`: the table's values described from metadata alone. */
export async function showTable(where: SessionOptions, target: { ref: string; schema?: string }, q: ValueQuery): Promise<{ table: string; values: ValueInfo[] }> {
  const { openTable } = await import("./session.js");
  const { session, heading } = await openTable(where, target.ref, target.schema);
  return { table: `${heading.schema}.${heading.table}`, values: await showValues(session, heading, q) };
}
