/**
 * S3 failures → StoreError (exit 5) with the store's name and a message that tells the causes
 * apart: missing bucket, refused credentials, unreachable endpoint, anything else.
 */
import { StoreError } from "../errors.js";

interface Where {
  store: string;
  bucket: string;
  endpoint: string;
  op: string;
  key: string;
}

const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH"]);

export function translateS3Error(err: unknown, where: Where): StoreError {
  if ((err as { _dj?: boolean })._dj) return err as StoreError;
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? "";
  const code = e.code ?? (err as { cause?: { code?: string } }).cause?.code ?? "";
  const status = e.$metadata?.httpStatusCode;
  const s = `store "${where.store}"`;
  if (name === "NoSuchBucket") {
    return new StoreError(`${s}: bucket "${where.bucket}" does not exist at ${where.endpoint}`, {
      hint: `create the bucket or fix stores.${where.store}.bucket`,
      code: "store.bucket",
      cause: err,
    });
  }
  if (["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken", "CredentialsProviderError"].includes(name) || status === 403) {
    return new StoreError(`${s}: access denied by ${where.endpoint} (${name || status}) — the credentials were refused`, {
      hint: `check stores.${where.store}.access_key / secret_key (or .secrets/stores.${where.store}.secret_key, or the AWS credential chain)`,
      code: "store.credentials",
      cause: err,
    });
  }
  if (NETWORK.has(code) || name === "TimeoutError" || name === "RequestTimeout" || /ECONNREFUSED|ENOTFOUND|socket hang up|connect ETIMEDOUT/.test(e.message ?? "")) {
    return new StoreError(`${s}: endpoint ${where.endpoint} is unreachable (${code || name})`, {
      hint: `check stores.${where.store}.endpoint and that the server is running`,
      code: "store.unreachable",
      cause: err,
    });
  }
  return new StoreError(`${s}: cannot ${where.op} ${where.key}: ${name ? name + ": " : ""}${e.message ?? String(err)}`, {
    code: "store.io",
    cause: err,
  });
}
