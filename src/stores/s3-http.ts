/**
 * S3's GET and HEAD over node:http(s), signed with SigV4 (s3-sign.ts): the read path of the s3
 * store (whole objects, byte ranges, streams, sizes), without loading the AWS SDK. A sliced fetch
 * makes a handful of small requests; loading the SDK took longer than all of them.
 *
 * It is used only when the credentials are static (the store's access_key/secret_key, or
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): anything else (profiles, SSO, instance roles) is the
 * SDK's credential chain, and the store sends those reads through the SDK as before.
 *
 * Failures are shaped as the SDK shapes them (`name`, `$metadata.httpStatusCode`, Node's `code`
 * for network errors, `TimeoutError` for the two deadlines), so one translation and one retry
 * rule (s3-errors.ts) serve both paths.
 */
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type { S3StoreSpec, Timeouts } from "../config/types.js";
import { isAwsHost } from "./s3-sdk.js";
import { encodeKeyPath, signS3Request, type S3Credentials } from "./s3-sign.js";

export interface S3Response {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, to read or to destroy; for HEAD, an empty stream. */
  body: IncomingMessage;
}

/** An S3 failure as the SDK reports it, so translateS3Error reads both alike. */
export class S3HttpError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  constructor(name: string, message: string, status?: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * Static credentials, from the store or the environment, exactly when the SDK would use these
 * same ones (reads and writes must run as one identity); undefined when only the SDK's chain
 * can find them. The SDK skips the environment's keys when AWS_PROFILE is set.
 */
export function staticCredentials(spec: S3StoreSpec, env: NodeJS.ProcessEnv = process.env): S3Credentials | undefined {
  if (spec.access_key) return { accessKeyId: spec.access_key, secretAccessKey: spec.secret_key ?? "" };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !env.AWS_PROFILE) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  }
  return undefined;
}

/** A bucket name AWS serves as `{bucket}.{host}` (the SDK's rule; names with dots go path-style). */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const STATUS_NAMES: Record<number, string> = { 301: "PermanentRedirect", 400: "BadRequest", 403: "Forbidden", 404: "NotFound", 416: "InvalidRange" };

export class S3HttpReader {
  /** node:http or node:https and one keep-alive agent, loaded with the first request. */
  private transport: Promise<{ agent: HttpAgent; request: typeof import("node:http").request }> | null = null;
  private readonly url: URL;
  private readonly virtualHost: boolean;

  constructor(
    endpoint: string,
    private readonly bucket: string,
    private readonly credentials: S3Credentials,
    private readonly region: string,
    private readonly timeouts: Timeouts,
  ) {
    this.url = new URL(endpoint);
    // The SDK's addressing, kept the same: path-style for custom endpoints, virtual-hosted on AWS.
    this.virtualHost = isAwsHost(this.url.hostname) && VIRTUAL_HOSTABLE.test(bucket);
  }

  private get https(): boolean {
    return this.url.protocol === "https:";
  }

  private getTransport() {
    this.transport ??= (async () => {
      const { Agent, request } = this.https ? await import("node:https") : await import("node:http");
      return { agent: new Agent({ keepAlive: true, maxSockets: 32 }), request: request as typeof import("node:http").request };
    })();
    return this.transport;
  }

  /**
   * One signed request; resolves once the response headers arrive with a 2xx status (the body is
   * the caller's), rejects with an S3HttpError for any other status, and with a TimeoutError when
   * a deadline passes: no connection within `connect`, or `idle` with no byte either way (this
   * one also covers a body that stops mid-way: the body stream then fails with it).
   */
  async send(method: "GET" | "HEAD", fullKey: string, opts: { range?: string; signal?: AbortSignal } = {}): Promise<S3Response> {
    const { agent, request } = await this.getTransport();
    // The Host header keeps an IPv6 address in brackets; the socket is opened without them.
    const hostname = this.virtualHost ? `${this.bucket}.${this.url.hostname}` : this.url.hostname;
    const host = this.url.port ? `${hostname}:${this.url.port}` : hostname;
    const address = hostname.replace(/^\[(.*)\]$/, "$1");
    const base = this.url.pathname.replace(/\/+$/, "");
    const path = `${base}${this.virtualHost ? "" : `/${encodeKeyPath(this.bucket)}`}/${encodeKeyPath(fullKey)}`;
    const headers = signS3Request({ method, host, path, headers: opts.range ? { range: opts.range } : {}, region: this.region, credentials: this.credentials });
    const { connectMs, idleMs } = this.timeouts;
    return new Promise<S3Response>((resolve, reject) => {
      const req = request({ protocol: this.url.protocol, hostname: address, port: this.url.port || undefined, method, path, headers, agent, signal: opts.signal });
      let connectTimer: NodeJS.Timeout | undefined;
      req.on("socket", (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => req.destroy(timeoutError(`could not establish a connection within ${connectMs} ms`)), connectMs);
        socket.once(this.https ? "secureConnect" : "connect", () => clearTimeout(connectTimer));
      });
      let response: IncomingMessage | undefined;
      req.setTimeout(idleMs, () => {
        const err = timeoutError(`no data after ${idleMs} ms of inactivity`);
        if (response) response.destroy(err);
        req.destroy(err);
      });
      req.on("error", (err) => {
        clearTimeout(connectTimer);
        reject(err);
      });
      req.on("response", (res) => {
        response = res;
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // A body that fails before the caller reads it (a reset right after the headers) must
          // not be an unhandled error: it stays on the stream (res.errored), and reading it or
          // finished() reports it.
          res.on("error", () => {});
          return resolve({ status, headers: res.headers, body: res });
        }
        readErrorBody(res).then(
          (xml) => reject(s3Error(status, xml)),
          (err) => reject(err),
        );
      });
      req.end();
    });
  }

  /** The object or a byte range in memory; undefined when missing, empty for a range past its end. */
  async getBytes(fullKey: string, range?: string): Promise<Uint8Array | undefined> {
    const res = await this.sendOrMissing("GET", fullKey, range);
    if (!res) return range ? new Uint8Array() : undefined;
    if (res === "missing") return undefined;
    const parts: Buffer[] = [];
    for await (const chunk of res.body) parts.push(chunk as Buffer);
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return range && res.status !== 206 ? wholeToRange(bytes, range) : bytes;
  }

  async getStream(fullKey: string, signal?: AbortSignal): Promise<Readable | undefined> {
    const res = await this.sendOrMissing("GET", fullKey, undefined, signal);
    return res && res !== "missing" ? res.body : undefined;
  }

  /** Content length, or undefined when missing. A HEAD answer has no body to name a missing bucket, so that reads as missing too, as on the SDK path. */
  async size(fullKey: string): Promise<number | undefined> {
    const res = await this.sendOrMissing("HEAD", fullKey);
    if (!res || res === "missing") return undefined;
    res.body.resume();
    return Number(res.headers["content-length"] ?? 0);
  }

  /** "missing" for a missing object; undefined for a range that starts past the end. */
  private async sendOrMissing(method: "GET" | "HEAD", fullKey: string, range?: string, signal?: AbortSignal): Promise<S3Response | "missing" | undefined> {
    try {
      return await this.send(method, fullKey, { range, signal });
    } catch (err) {
      const name = (err as { name?: string }).name;
      // A 404 without S3's XML (some servers, some proxies) is a missing object too, as on the SDK path.
      if (err instanceof S3HttpError && (name === "NoSuchKey" || name === "NotFound")) return "missing";
      if (err instanceof S3HttpError && range && name === "InvalidRange") return undefined;
      throw err;
    }
  }

  close(): void {
    if (this.transport) void this.transport.then((t) => t.agent.destroy());
  }
}

/**
 * A server that ignores Range answers 200 with the whole object: the range is cut from it here,
 * never returned as if it were the range.
 */
export function wholeToRange(whole: Uint8Array, range: string): Uint8Array {
  const m = /^bytes=(\d+)-(\d+)$/.exec(range);
  if (!m) throw new Error(`unexpected range ${range}`);
  return whole.subarray(Math.min(Number(m[1]), whole.byteLength), Math.min(Number(m[2]) + 1, whole.byteLength));
}

function timeoutError(message: string): Error {
  const err = new Error(message);
  err.name = "TimeoutError";
  return err;
}

/** Up to 64 KiB of an error response (S3's XML `<Error>`); HEAD answers have none. */
async function readErrorBody(res: Readable): Promise<string> {
  let text = "";
  for await (const chunk of res) {
    if (text.length < 65536) text += String(chunk);
  }
  return text;
}

function s3Error(status: number, xml: string): S3HttpError {
  const tag = (name: string) => xml.match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1];
  const code = tag("Code") ?? STATUS_NAMES[status] ?? (status >= 500 ? "InternalError" : `HTTP${status}`);
  return new S3HttpError(code, tag("Message") ?? `HTTP ${status}`, status);
}
