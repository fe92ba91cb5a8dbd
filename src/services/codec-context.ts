/**
 * Building codec contexts and running codec chains (encode outermost → innermost, decode the
 * other way), shared by insert and fetch. Store names are resolved here: `@` → `stores.default`
 * (`<filepath@>` → `stores.filepath_default`), and the concrete name is what codecs record.
 */
import type { CodecRegistry, ResolvedChain } from "../codecs/registry.js";
import type { Codec, DecodeContext, DecodedValue, EncodeContext, InputValue, KeyValue, MeasuredFigures } from "../codecs/types.js";
import { getStoreSpec } from "../config/store-spec.js";
import type { ResolvedConfig, StoreSpec } from "../config/types.js";
import { errorHelpers } from "../codecs/context-internals.js";
import { CodecError, isDjError, makeError } from "../errors.js";
import type { Attribute } from "../schema/heading.js";
import { hashPath, schemaPath } from "../stores/addressing.js";
import { openResolvedStore, openStore } from "../stores/open.js";
import { djPackage } from "../package-info.js";
import type { Store } from "../stores/types.js";
import { pythonJsonDumps } from "./json-text.js";

export const fail = errorHelpers.fail;

export interface WrittenObject {
  store: Store;
  key: string;
}

export interface ResolvedAttributeCodec {
  chain: ResolvedChain;
  /**
   * The concrete store the attribute writes to, its spec resolved here once (`@` → the
   * default); encoding opens the store and builds the context from this, never by name again.
   */
  store: { name: string; spec: StoreSpec } | null;
}

/** The codec chain of an attribute and the concrete store it writes to. */
export async function resolveAttributeCodec(registry: CodecRegistry, config: ResolvedConfig, attr: Attribute): Promise<ResolvedAttributeCodec> {
  const chain = await registry.resolveChain(attr.type);
  if (chain.store === null) return { chain, store: null };
  const filepath = (chain.chain[0] as Codec & { storeDefault?: string }).storeDefault === "filepath";
  return { chain, store: getStoreSpec(config, chain.store, { filepath }) };
}

/**
 * What an insert watches while a chain encodes (src/services/insert-guard.ts): every store a codec
 * gets is wrapped, so the insert's intent names each path before it is written or reused.
 */
export interface EncodeGuard {
  wrap(store: Store): Store;
  /** A codec announced a schema-addressed object or folder (onObjectWritten). */
  announce(key: string, store: Store): void;
  /** The chain starts encoding one attribute. */
  begin(label: string): void;
  /** The chain's final stored value, checked against what the attribute wrote. */
  encoded(last: Codec, stored: unknown): void;
}

export interface EncodeRequest {
  config: ResolvedConfig;
  schema: string;
  table: string;
  attr: Attribute;
  primaryKey: Record<string, KeyValue>;
  resolved: ResolvedAttributeCodec;
  written: WrittenObject[];
  signal?: AbortSignal;
  /** Receives what the codecs report with `ctx.report` (figures they measured). */
  onReport?: (figures: MeasuredFigures) => void;
  guard?: EncodeGuard;
}

/** Run the chain and return the column value (JSON text for json columns, bytes for longblob). */
export async function encodeValue(value: InputValue, req: EncodeRequest): Promise<string | Buffer> {
  const { chain } = req.resolved;
  const storeName = req.resolved.store?.name ?? null;
  const spec = req.resolved.store?.spec ?? null;
  const guard = req.guard;
  const opened = req.resolved.store ? await openResolvedStore(req.config, req.resolved.store) : null;
  const store = opened && guard ? guard.wrap(opened) : opened;
  guard?.begin(`${req.schema}.${req.table}.${req.attr.name}`);
  // Only what a codec needs; the configuration (database password, store keys) stays out of reach.
  const ctxFor = (codec: Codec): EncodeContext => {
    const ctx: EncodeContext = {
      schema: req.schema,
      table: req.table,
      field: req.attr.name,
      primaryKey: req.primaryKey,
      store,
      storeName,
      options: codecOptions(req.config, codec),
      onObjectWritten: (key, s) => {
        req.written.push({ key, store: s });
        guard?.announce(key, s);
      },
      getStore: async (name) => {
        const s = await openStore(req.config, name);
        return guard ? guard.wrap(s) : s;
      },
      objectPath: (ext) => {
        if (!spec) throw new CodecError(`<${codec.name}> requires @ (store only)`, { code: "codec.store" });
        return schemaPath(spec, { schema: req.schema, table: req.table, primaryKey: Object.entries(req.primaryKey), field: req.attr.name, ext }).path;
      },
      storeSections: spec ? { hash_prefix: spec.hash_prefix, schema_prefix: spec.schema_prefix, filepath_prefix: spec.filepath_prefix } : null,
      contentPath: (digest) => {
        if (!spec) throw new CodecError(`<${codec.name}> requires @ (store only)`, { code: "codec.store" });
        return hashPath(spec, req.schema, digest);
      },
      djVersion: djPackage().version,
      signal: req.signal,
      report: (figures) => req.onReport?.(figures),
      ...errorHelpers,
    };
    return ctx;
  };
  const outer = chain.chain[0]!;
  await wrap(outer, "encode", () => outer.validate?.(value, ctxFor(outer)));
  let current: unknown = value;
  let input: InputValue = value;
  for (const codec of chain.chain) {
    current = await wrap(codec, "encode", () => codec.encode(input, ctxFor(codec)));
    input = current instanceof Uint8Array ? { kind: "bytes", data: current } : { kind: "value", value: current };
  }
  guard?.encoded(chain.chain[chain.chain.length - 1]!, current);
  if (chain.finalDtype === "json") return pythonJsonDumps(current);
  if (current instanceof Uint8Array) return Buffer.from(current.buffer, current.byteOffset, current.byteLength);
  throw new CodecError(`<${outer.name}>: the codec chain produced ${typeof current}, but the column stores ${chain.finalDtype}`, { code: "codec.encode" });
}

/**
 * A codec that raises a dj error (`ctx.fail`) said what is wrong: it keeps its kind. Anything
 * else a codec throws — built-in or plugin — is a bug in that codec, not a property of the data:
 * an internal error (exit 1) naming the codec, with the "please report" hint.
 */
async function wrap<T>(codec: Codec, direction: "encode" | "decode", fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDjError(err)) throw err;
    throw makeError("internal", `<${codec.name}> failed to ${direction}: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
      code: "internal",
      hint: `this is a bug in the codec <${codec.name}>; please report it to its maintainers with the output of --verbose`,
    });
  }
}

export function decodeContext(config: ResolvedConfig, codec: Codec, fetchOptions: Record<string, unknown>): DecodeContext {
  return {
    options: codecOptions(config, codec),
    getStore: (name) => openStore(config, name),
    fetchOptions,
    ...errorHelpers,
  };
}

/** A copy of `codecs.<name>`, so a codec cannot change what the next one reads. */
function codecOptions(config: ResolvedConfig, codec: Codec): Record<string, unknown> {
  const own = config.codecs[codec.name];
  return own ? structuredClone(own) : {};
}

/** Run a chain backwards on a raw column value. */
export async function decodeValue(raw: unknown, chain: ResolvedChain, config: ResolvedConfig, fetchOptions: Record<string, unknown> = {}): Promise<DecodedValue> {
  let stored: unknown = raw;
  if (chain.finalDtype === "json" && typeof raw === "string") stored = JSON.parse(raw);
  if (chain.finalDtype === "bytes" && Buffer.isBuffer(raw)) stored = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  let decoded: DecodedValue | null = null;
  for (const codec of [...chain.chain].reverse()) {
    decoded = await wrap(codec, "decode", () => codec.decode(stored, decodeContext(config, codec, fetchOptions)));
    stored = decoded.kind === "bytes" ? decoded.data : decoded.kind === "value" ? decoded.value : decoded;
  }
  return decoded!;
}

/** Remove what a failed insert wrote (schema-addressed objects and folders); errors are reported, not thrown. */
export async function removeWritten(written: WrittenObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const { store, key } of written.reverse()) {
    try {
      // A key may name a folder (a Zarr array, an object directory) or a single object.
      await store.deletePrefix(key + "/");
      await store.delete(key);
    } catch (err) {
      problems.push(`${store.name}:${key}: ${(err as Error).message}`);
    }
  }
  return problems;
}
