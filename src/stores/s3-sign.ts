/**
 * AWS Signature Version 4 for S3 requests without a body (GET, HEAD): the one piece of the AWS
 * SDK dj's read path needs. Why not the SDK: loading @aws-sdk/client-s3 costs a few hundred
 * milliseconds of module loading, more than a sliced fetch spends on the network (see
 * docs/decisions.md, "S3 reads over signed HTTP"). Checked against the SDK's own signer and the
 * example in the S3 documentation (tests/unit/s3-sign.test.ts).
 */
import { createHash, createHmac } from "node:crypto";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: "GET" | "HEAD";
  /** Host header value: `host` or `host:port` when the port is not the scheme's default. */
  host: string;
  /** The request path exactly as sent, already percent-encoded (see encodeKeyPath). */
  path: string;
  /** Extra headers to send and sign (lower-case names), e.g. `range`. */
  headers?: Record<string, string>;
  region: string;
  credentials: S3Credentials;
  now?: Date;
}

/** SHA-256 of the empty body, the payload hash of every request signed here. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** RFC 3986 encoding of each segment of an object key, keeping `/` (S3's canonical URI). */
export function encodeKeyPath(path: string): string {
  return path
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");

/** The headers to send: the given ones plus host, x-amz-date, x-amz-content-sha256, authorization. */
export function signS3Request(input: SignInput): Record<string, string> {
  const stamp = (input.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, ""); // 20130524T000000Z
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.host,
    "x-amz-content-sha256": EMPTY_SHA256,
    "x-amz-date": stamp,
  };
  if (input.credentials.sessionToken) headers["x-amz-security-token"] = input.credentials.sessionToken;
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]!.trim().replace(/\s+/g, " ")}\n`).join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [input.method, input.path, "", canonicalHeaders, signedHeaders, EMPTY_SHA256].join("\n");
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, "s3", "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
