/**
 * The `s3` store. Object key = `{location}/{key}` inside `bucket` (DataJoint's layout). Reads
 * (GET, range GET, HEAD) go over signed HTTP when the credentials are static (s3-http.ts);
 * everything else goes through the AWS SDK v3 (s3-sdk.ts), loaded on first use, so a command
 * that only reads never pays for loading it.
 *
 * Deadlines (config `timeouts`): a connection must be made within `connect`, and no request may
 * go `idle` without a byte either way (a socket inactivity timeout on both paths, which also
 * covers a response body that stops mid-way). The SDK's own retries are off: dj retries only idempotent
 * requests whose body it holds (see src/retry.ts); streamed and multipart uploads are tried once.
 */
import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { ConflictError, StoreError } from "../errors.js";
import { DEFAULT_TIMEOUTS } from "../config/timeouts.js";
import type { S3StoreSpec, Timeouts } from "../config/types.js";
import { withRetry } from "../retry.js";
import { checkKey } from "./addressing.js";
import { isTransientS3Error, translateS3Error } from "./s3-errors.js";
import { S3HttpReader, staticCredentials, wholeToRange } from "./s3-http.js";
import { awsRegion, endpointUrl, openSdkClient, type SDK } from "./s3-sdk.js";
import type { Leftover, ObjectInfo, PutOptions, RangeQuery, Store } from "./types.js";

export const PART_SIZE = 8 * 1024 * 1024;
export const PARTS_IN_FLIGHT = 4;

export class S3Store implements Store {
  readonly protocol = "s3";
  readonly root: string;
  private readonly prefix: string;
  private sdk: Promise<{ sdk: SDK; client: S3Client }> | null = null;
  /** Reads (GET, range GET, HEAD) without the SDK, when the credentials are static (s3-http.ts). */
  private readonly reader: S3HttpReader | null;
  /** A true private field: the spec holds the secret key, and a codec receives this store. */
  readonly #spec: S3StoreSpec;

  constructor(
    readonly name: string,
    spec: S3StoreSpec,
    private readonly timeouts: Timeouts = DEFAULT_TIMEOUTS,
  ) {
    this.#spec = spec;
    this.prefix = spec.location.replace(/^\/+|\/+$/g, "");
    this.root = `s3://${spec.bucket}/${this.prefix}`;
    const credentials = staticCredentials(spec);
    this.reader = credentials ? new S3HttpReader(endpointUrl(spec), spec.bucket, credentials, awsRegion(), timeouts) : null;
  }

  private get spec(): S3StoreSpec {
    return this.#spec;
  }

  private connect(): Promise<{ sdk: SDK; client: S3Client }> {
    this.sdk ??= openSdkClient(this.spec, this.timeouts);
    return this.sdk;
  }

  private fullKey(key: string): string {
    const problem = checkKey(key);
    if (problem) throw new StoreError(`store "${this.name}": refusing ${problem}: ${JSON.stringify(key)}`, { code: "store.key" });
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private relKey(full: string): string {
    return this.prefix ? full.slice(this.prefix.length + 1) : full;
  }

  private fail(err: unknown, op: string, key: string): never {
    throw translateS3Error(err, { store: this.name, bucket: this.spec.bucket, endpoint: endpointUrl(this.spec), op, key, timeouts: this.timeouts });
  }

  /** An idempotent read over the signed-HTTP path, retried like the SDK path's. */
  private retried<T>(run: () => Promise<T>): Promise<T> {
    return withRetry(run, { retries: this.timeouts.retries }, isTransientS3Error);
  }

  /** One request; an idempotent one is retried with backoff on transient failures. */
  private async request<T>(idempotent: boolean, run: (sdk: SDK, client: S3Client) => Promise<T>): Promise<T> {
    const { sdk, client } = await this.connect();
    return withRetry(() => run(sdk, client), { retries: idempotent ? this.timeouts.retries : 0 }, isTransientS3Error);
  }

  private async sendGet(sdk: SDK, client: S3Client, key: string, range?: RangeQuery) {
    try {
      return await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.spec.bucket,
          Key: this.fullKey(key),
          Range: range ? rangeHeader(range) : undefined,
        }),
      );
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === "NoSuchKey" || name === "NotFound") return undefined;
      if (range && name === "InvalidRange") return { Body: undefined };
      throw err;
    }
  }

  /** The whole object (or a range) in memory: the request and the body read are retried together. */
  private async readBytes(key: string, range?: RangeQuery): Promise<Uint8Array | undefined> {
    try {
      const { reader } = this;
      if (reader) return await this.retried(() => reader.getBytes(this.fullKey(key), range && rangeHeader(range)));
      return await this.request(true, async (sdk, client) => {
        const out = await this.sendGet(sdk, client, key, range);
        if (!out) return undefined;
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
        // No Content-Range: the server ignored the Range and sent the whole object.
        return range && out.Body && !("ContentRange" in out && out.ContentRange) ? wholeToRange(bytes, rangeHeader(range)) : bytes;
      });
    } catch (err) {
      this.fail(err, "read", key);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.readBytes(key);
  }

  async getRange(key: string, range: RangeQuery): Promise<Uint8Array | undefined> {
    if (range.length === 0) return (await this.exists(key)) ? new Uint8Array() : undefined;
    return this.readBytes(key, range);
  }

  async getStream(key: string, opts: { signal?: AbortSignal } = {}): Promise<Readable | undefined> {
    let body: Readable | undefined;
    try {
      const { reader } = this;
      if (reader) body = await this.retried(() => reader.getStream(this.fullKey(key), opts.signal));
      else body = (await this.request(true, (sdk, client) => this.sendGet(sdk, client, key)))?.Body as Readable | undefined;
    } catch (err) {
      this.fail(err, "read", key);
    }
    if (!body) return undefined;
    // A body that stops mid-way fails with the store's own error; finished() also reports one
    // that failed before this point (not pipeline(): it passes the raw error on first).
    const { PassThrough, finished } = await import("node:stream");
    const pass = new PassThrough({ highWaterMark: 1 << 20 });
    const source = body;
    finished(source, (err) => {
      if (err && !pass.destroyed) pass.destroy(translateS3Error(err, { store: this.name, bucket: this.spec.bucket, endpoint: endpointUrl(this.spec), op: "read", key, timeouts: this.timeouts }));
    });
    pass.once("close", () => source.destroy()); // a consumer that stops early releases the connection
    source.pipe(pass);
    return pass;
  }

  async set(key: string, value: Uint8Array, opts: PutOptions = {}): Promise<void> {
    const { sdk } = await this.connect();
    if (opts.ifAbsent && (await this.exists(key))) {
      throw new ConflictError(`store "${this.name}": object ${key} already exists`, { code: "store.exists" });
    }
    if (value.byteLength > PART_SIZE) {
      const { Readable } = await import("node:stream");
      return this.setStream(key, Readable.from([value]), { ...opts, ifAbsent: false, size: value.byteLength });
    }
    try {
      // A PUT of bytes in memory can be sent again with the same effect: idempotent.
      await this.request(true, (_sdk, c) =>
        c.send(new sdk.PutObjectCommand({ Bucket: this.spec.bucket, Key: this.fullKey(key), Body: value, ContentLength: value.byteLength }), {
          abortSignal: opts.signal,
        }),
      );
    } catch (err) {
      this.fail(err, "write", key);
    }
  }

  async setStream(key: string, body: Readable, opts: PutOptions & { size?: number } = {}): Promise<void> {
    const { client } = await this.connect();
    if (opts.ifAbsent && (await this.exists(key))) {
      body.destroy();
      throw new ConflictError(`store "${this.name}": object ${key} already exists`, { code: "store.exists" });
    }
    const { Upload } = await import("@aws-sdk/lib-storage");
    // Parts of PART_SIZE, PARTS_IN_FLIGHT at a time; a failed multipart upload is aborted
    // (leavePartsOnError: false), so no invisible parts are left to pay for.
    const upload = new Upload({
      client,
      params: { Bucket: this.spec.bucket, Key: this.fullKey(key), Body: body },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      this.fail(err, "write", key);
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  async putFile(key: string, localPath: string, opts: PutOptions = {}): Promise<void> {
    const { createReadStream } = await import("node:fs");
    const { stat } = await import("node:fs/promises");
    const size = (await stat(localPath)).size;
    await this.setStream(key, createReadStream(localPath, { highWaterMark: PART_SIZE }), { ...opts, size });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const { reader } = this;
      if (reader) return await this.retried(() => reader.size(this.fullKey(key)));
      const out = await this.request(true, (sdk, client) => client.send(new sdk.HeadObjectCommand({ Bucket: this.spec.bucket, Key: this.fullKey(key) })));
      return Number(out.ContentLength ?? 0);
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === "NotFound" || e.name === "NoSuchKey" || (e.$metadata?.httpStatusCode === 404 && e.name !== "NoSuchBucket")) {
        return undefined;
      }
      this.fail(err, "stat", key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = prefix === "" ? (this.prefix ? this.prefix + "/" : "") : this.fullKey(prefix);
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.request(true, (sdk, client) => client.send(new sdk.ListObjectsV2Command({ Bucket: this.spec.bucket, Prefix: full, ContinuationToken: token })));
      } catch (err) {
        this.fail(err, "list", prefix);
      }
      for (const o of out.Contents ?? []) {
        if (!o.Key) continue;
        // A prefix "a/b" must not match "a/bc": keep the key itself or what is under "a/b/".
        if (prefix !== "" && o.Key !== full && !o.Key.startsWith(full.endsWith("/") ? full : full + "/")) continue;
        yield { key: this.relKey(o.Key), size: Number(o.Size ?? 0), modified: o.LastModified ?? new Date(0) };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.request(true, (sdk, client) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.spec.bucket, Key: this.fullKey(key) })));
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") return;
      this.fail(err, "delete", key);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys: string[] = [];
    for await (const o of this.list(prefix)) keys.push(o.key);
    // One request per object keeps this working on servers without multi-object delete.
    for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((k) => this.delete(k)));
    return keys.length;
  }

  /** Unfinished multipart uploads under `prefix` (what a killed upload leaves, billed but invisible). */
  async *listLeftovers(prefix: string): AsyncIterable<Leftover> {
    const { sdk, client } = await this.connect();
    const full = this.fullKey(prefix.replace(/\/+$/, "")) + "/";
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let out;
      try {
        out = await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: this.spec.bucket, Prefix: full, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      } catch (err) {
        this.fail(err, "list unfinished uploads under", prefix);
      }
      for (const u of out.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        yield { kind: "multipart-upload", key: this.relKey(u.Key), size: 0, modified: u.Initiated ?? new Date(0), uploadId: u.UploadId };
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
    } while (keyMarker);
  }

  async removeLeftover(leftover: Leftover): Promise<void> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: this.spec.bucket, Key: this.fullKey(leftover.key), UploadId: leftover.uploadId }));
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchUpload") return;
      this.fail(err, "abort the unfinished upload of", leftover.key);
    }
  }

  async close(): Promise<void> {
    this.reader?.close();
    if (this.sdk) (await this.sdk).client.destroy();
  }
}

function rangeHeader(range: RangeQuery): string {
  return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}
