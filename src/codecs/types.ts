/**
 * The codec API for built-in codecs and plugin packages (re-exported from `src/index.ts`).
 *
 * A codec turns an input value into what is stored — a database column value plus, for store
 * codecs, objects in a store — and back. Codecs chain like DataJoint's: `getDtype()` may name
 * another codec (`<hash>`), whose encoder then receives this codec's output.
 */
import type { DjErrorOptions, ErrorKind } from "../errors.js";
import type { NdArraySource } from "../formats/ndarray.js";
import type { Store } from "../stores/types.js";

/** The codec API version this build of dj implements. Plugins declare the one they target. */
export const CODEC_API_VERSION = 1;

export type KeyValue = string | number | bigint | boolean | Date | null;

/** What a user hands to `dj insert` for one attribute. */
export type InputValue =
  | { kind: "ndarray"; array: NdArraySource; sourcePath?: string }
  | { kind: "file"; path: string }
  | { kind: "directory"; path: string }
  | { kind: "bytes"; data: Uint8Array; ext?: string }
  /** A store-relative path (for `<filepath@>`). */
  | { kind: "storePath"; path: string }
  /** Any structured value (numbers, strings, dicts as plain objects, arrays of values). */
  | { kind: "value"; value: unknown };

/** What a decoder hands back to `dj fetch`. */
export type DecodedValue =
  | { kind: "ndarray"; array: NdArraySource }
  | { kind: "file"; name: string; data: Uint8Array }
  | { kind: "bytes"; data: Uint8Array }
  /** A tree of objects in a store (a Zarr array, an `<object@>` directory): copy as is. */
  | { kind: "tree"; store: Store; prefix: string; format?: string; array?: NdArraySource }
  | { kind: "objectRef"; store: Store; path: string; isDir: boolean; size: number | null; ext: string | null }
  | { kind: "value"; value: unknown };

/**
 * Raising dj errors from a plugin, with no runtime dependency on dj: the exit code follows the
 * kind ("input" 7, "codec" 6, "store" 5, "config" 3, ...). These replace the undocumented
 * `Object.assign(new Error(m), {_dj: true, kind})` shape, which dj still recognises for plugins
 * written before them.
 */
export interface ErrorHelpers {
  /** Throw a typed dj error. */
  fail<K extends ErrorKind>(kind: K, message: string, options?: DjErrorOptions<K>): never;
  /** The same error, returned instead of thrown (to throw later, reject a promise, destroy a stream). */
  error<K extends ErrorKind>(kind: K, message: string, options?: DjErrorOptions<K>): Error;
}

/**
 * Context passed to `encode`: where the value goes. Mirrors DataJoint's `key` dict, typed. It
 * carries what a codec needs — its own options, the store, the object path, `fail` — and
 * deliberately not the resolved configuration (which holds the database password and every
 * store's keys).
 */
export interface EncodeContext extends ErrorHelpers {
  schema: string;
  /** SQL table name including its tier prefix, e.g. `__recording`. */
  table: string;
  field: string;
  primaryKey: Record<string, KeyValue>;
  /** The resolved store (null for in-table values). */
  store: Store | null;
  /** Concrete store name, `@` already resolved to `stores.default` (datajoint-compat §15.1). */
  storeName: string | null;
  /** `config.codecs[<name>]`, the per-codec options. */
  options: Record<string, unknown>;
  /** Called with every schema-addressed object or folder written, so a failed insert can remove it. */
  onObjectWritten(key: string, store: Store): void;
  /** Resolve another configured store by name (null/"" → default). */
  getStore(name: string | null): Promise<Store>;
  /**
   * A new schema-addressed key for this value in `store`:
   * `{schema_prefix}/{partition…}/{schema}/{table}/{pk=v…}/{field}_{token}{ext}` (DataJoint's layout).
   */
  objectPath(ext?: string | null): string;
  /**
   * The content-addressed key of bytes with this digest (`contentHash`, 43 base32 characters)
   * in `store`: `{hash_prefix}/{schema}/{fold…}/{digest}` (DataJoint's `_hash` layout, deduplicated
   * per schema). Optional so that a plugin also runs under a dj without it.
   */
  contentPath?(digest: string): string;
  /**
   * The sections of `store` that DataJoint manages (`hash_prefix`, `schema_prefix`) and the one
   * users' own files must sit under (`filepath_prefix`, null when unset); null without a store.
   * Optional so that a plugin also runs under a dj without it.
   */
  storeSections?: Readonly<{ hash_prefix: string; schema_prefix: string; filepath_prefix: string | null }> | null;
  /** The running dj's version, for provenance metadata. */
  djVersion: string;
  signal?: AbortSignal;
  /**
   * Report figures measured while encoding (e.g. `<photon@>`'s worst reconstruction error in
   * noise units); `dj insert --json` shows them under `measured.<attribute>`. Optional so that a
   * plugin also runs under a dj without it: call it as `ctx.report?.({...})`.
   */
  report?(figures: MeasuredFigures): void;
}

/** Figures a codec measured while encoding one value (see `EncodeContext.report`). */
export type MeasuredFigures = Record<string, number | string | boolean>;

/** Context passed to `decode`. DataJoint passes no primary key at decode; no configuration either. */
export interface DecodeContext extends ErrorHelpers {
  options: Record<string, unknown>;
  /** Resolve the store named in stored metadata (null/"" → default). */
  getStore(name: string | null): Promise<Store>;
  /** Decoding options from the command line, e.g. `{inverse: "algebraic"}` for photon. */
  fetchOptions: Record<string, unknown>;
}

/** Context passed to `verify` (`dj verify`); like the others, it carries no configuration. */
export interface VerifyContext extends ErrorHelpers {
  options: Record<string, unknown>;
  /** Resolve the store named in stored metadata (null/"" → default). */
  getStore(name: string | null): Promise<Store>;
  /** `dj verify --deep`: also read and decode the contents (every Zarr chunk decodes). */
  deep: boolean;
}

/** One thing wrong with the objects of a stored value, found by a codec's `verify`. */
export interface VerifyProblem {
  /** The store path concerned: the object, the folder or the chunk. */
  path: string;
  /** The store it is in, as recorded in the value (null: the default store). */
  store: string | null;
  /** What is wrong, in a user's words: `missing`, `size 10 bytes, the row records 4096`. */
  problem: string;
}

/**
 * One object (or folder of objects) a stored value references: a store-relative `path` and the
 * store's name as recorded in the value (`null`/`""` → `stores.default`). A folder path covers
 * every object under it (`path/...`) and its sidecar `path.manifest.json`.
 */
export interface ReferencedPath {
  path: string;
  store: string | null;
}

export interface Codec<Stored = unknown> {
  /** The name used in definitions: `<name>`, `<name@>`, `<name@store>`. */
  readonly name: string;
  readonly description?: string;
  /**
   * The stored type: `"bytes"`, `"json"`, or another codec (`"<hash>"`). `isStore` is true for
   * `<name@…>`. Throw a CodecError when the form is not allowed (`<npy>` without `@`).
   */
  getDtype(isStore: boolean, helpers?: ErrorHelpers): string;
  /** Which inputs this codec takes (routes `--from FILE` to an attribute). */
  readonly accepts: ReadonlyArray<InputValue["kind"]>;
  /**
   * What this installation of the codec runs on, shown by `dj codecs list --verify` (e.g. which
   * native libraries it found). Optional; keep it one short line.
   */
  runtime?(): string;
  /**
   * True for codecs whose objects live at schema-addressed paths. Only used to count references
   * in `dj gc`'s report; what gc may delete depends on `referencedPaths` alone.
   */
  readonly schemaAddressed?: boolean;
  /** Runs on the outermost codec only, before anything is written. Throw an InputError. */
  validate?(value: InputValue, ctx: EncodeContext): void | Promise<void>;
  /** For chained codecs the inner codec receives `{kind: "bytes"}` or `{kind: "value"}`. */
  encode(value: InputValue, ctx: EncodeContext): Promise<Stored>;
  decode(stored: Stored, ctx: DecodeContext): Promise<DecodedValue>;
  /**
   * The references contract. Every object this stored value references, for `dj gc`.
   *
   * REQUIRED when the codec is the last of a store chain (`<name@…>` whose `getDtype(true)` is
   * `"json"`/`"bytes"`, not another codec): it must name every object `encode` wrote or reused
   * (directly, or through a folder path that holds them). A store codec that writes nothing
   * returns `[]`. Chained codecs (`getDtype(true)` = `"<hash>"`) leave it to the last codec.
   *
   * Enforced on both sides: `dj insert` refuses (exit 6, nothing kept) a value whose codec wrote
   * an object this list does not cover, or that has no `referencedPaths`; `dj gc` treats a store
   * codec without it as a scan error and deletes nothing. Must be pure (no I/O) and must not
   * throw on values the codec wrote; a throw is a scan error too.
   *
   * Write objects through `ctx.store`/`ctx.getStore()` only (dj names each path in the insert's
   * intent before the write, so a concurrent gc never deletes it), and call
   * `ctx.onObjectWritten(folder)` before filling a folder so one intent entry covers it.
   */
  referencedPaths?(stored: Stored): ReferencedPath[];
  /**
   * Audit one stored value against its objects (`dj verify`): they exist, with the sizes,
   * content hashes, `.npy` headers or Zarr metadata the value records; with `ctx.deep`, their
   * contents decode. Returns every problem found (empty when the value is intact) rather than
   * throwing; a throw (an unreachable store, unreadable metadata) is reported as one problem of
   * the value. Like `referencedPaths`, it runs on the innermost codec of a chain (the one whose
   * output is the column: `<hash>` for `<blob@>`). A store codec without it is checked generically:
   * every path `referencedPaths` names must exist.
   */
  verify?(stored: Stored, ctx: VerifyContext): Promise<VerifyProblem[]>;
}

/** A parsed `<name@store>` type spec: store is null (no `@`), "" (bare `@`) or a name. */
export interface CodecTypeSpec {
  name: string;
  store: string | null;
}
