/**
 * The object-store seam. Keys are store-relative POSIX paths such as `_hash/lab/lvauak…`
 * (never starting with `/`); each backend joins them under its `location` (and bucket).
 * Shaped like zarrita's stores: a missing object is `undefined`, never an exception, so a Zarr
 * codec can use a prefixed view (`zarrView(store, prefix)`) directly.
 */
import type { Readable } from "node:stream";

export interface RangeQuery {
  offset: number;
  length: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
  /** Last modification time, for `dj gc --min-age`. */
  modified: Date;
}

export interface PutOptions {
  /** Fail with a ConflictError instead of replacing an existing object. */
  ifAbsent?: boolean;
  signal?: AbortSignal;
}

export interface Store {
  /** The configured store name (used in messages and in codec JSON `"store"`). */
  readonly name: string;
  readonly protocol: string;
  /** Human-readable root, e.g. `/data/dj-store` or `s3://bucket/location`. */
  readonly root: string;

  get(key: string, opts?: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  getRange(key: string, range: RangeQuery, opts?: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  /** A readable stream of the object, or undefined when missing. */
  getStream(key: string, opts?: { signal?: AbortSignal }): Promise<Readable | undefined>;

  set(key: string, value: Uint8Array, opts?: PutOptions): Promise<void>;
  /** Upload from a stream; large objects go multipart on S3. `size` when known helps S3. */
  setStream(key: string, body: Readable, opts?: PutOptions & { size?: number }): Promise<void>;

  /** Upload a local file as one object; a file store copies it in the kernel (copy_file_range). */
  putFile?(key: string, localPath: string, opts?: PutOptions): Promise<void>;

  exists(key: string): Promise<boolean>;
  /** Size in bytes, or undefined when missing. */
  size(key: string): Promise<number | undefined>;
  /** Recursive listing of every object whose key starts with `prefix` (a folder or ''). */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Delete one object; missing objects are not an error. */
  delete(key: string): Promise<void>;
  /** Delete every object under a folder prefix (Zarr arrays, object directories). */
  deletePrefix(prefix: string): Promise<number>;

  close?(): Promise<void>;

  /** Refresh an object's modification time (so `--min-age` protects a reused object); false when missing. */
  touch?(key: string): Promise<boolean>;
  /** What dj's interrupted writes left under `prefix`: temporary files, unfinished multipart uploads. */
  listLeftovers?(prefix: string): AsyncIterable<Leftover>;
  removeLeftover?(leftover: Leftover): Promise<void>;
}

export interface Leftover {
  kind: "temp-file" | "multipart-upload";
  key: string;
  size: number;
  /** When it was last written (temp file) or started (multipart upload). */
  modified: Date;
  uploadId?: string;
}
