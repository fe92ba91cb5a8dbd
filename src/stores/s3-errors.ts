/**
 * S3 failures → StoreError (exit 5) with the store's name and a message that tells the causes
 * apart: missing bucket, refused credentials, unreachable endpoint, a stalled endpoint (connected,
 * then silent past the idle deadline), anything else.
 */
import { seconds } from "../config/timeouts.js";
import type { Timeouts } from "../config/types.js";
import { StoreError } from "../errors.js";
import { attemptsOf } from "../retry.js";

interface Where {
  store: string;
  bucket: string;
  endpoint: string;
  op: string;
  key: string;
  timeouts?: Timeouts;
}

const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);

type Failure = { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };

/** Connected, then nothing within the idle deadline (the SDK's socket inactivity timeout). */
export function isStall(err: unknown): boolean {
  const e = err as Failure;
  return e?.name === "TimeoutError" && /of inactivity|requestTimeout/.test(e.message ?? "");
}

/** No connection within the connect deadline. */
function isConnectTimeout(err: unknown): boolean {
  const e = err as Failure;
  return e?.name === "TimeoutError" && /establish a connection/.test(e.message ?? "");
}

/**
 * Worth another attempt (for idempotent requests only): resets, refusals, throttling, 5xx. Not a
 * missed deadline: a server that stalled once stalls again, and retrying would multiply the wait
 * the user configured.
 */
export function isTransientS3Error(err: unknown): boolean {
  const e = err as Failure;
  const code = e?.code ?? e?.cause?.code ?? "";
  const status = e?.$metadata?.httpStatusCode ?? 0;
  // The SDK names resets "TimeoutError" too (ECONNRESET, EPIPE): only dj's deadlines are excluded.
  if (e?.name === "AbortError" || isStall(err) || isConnectTimeout(err) || code === "ETIMEDOUT") return false;
  return (
    e?.name === "TimeoutError" ||
    NETWORK.has(code) ||
    /socket hang up/.test(e?.message ?? "") ||
    status >= 500 ||
    status === 429 ||
    ["SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError", "ServiceUnavailable"].includes(e?.name ?? "")
  );
}

export function translateS3Error(err: unknown, where: Where): StoreError {
  if ((err as { _dj?: boolean })._dj) return err as StoreError;
  const e = err as Failure;
  const name = e.name ?? "";
  const code = e.code ?? e.cause?.code ?? "";
  const status = e.$metadata?.httpStatusCode;
  const s = `store "${where.store}"`;
  const attempts = attemptsOf(err);
  const tries = attempts > 1 ? ` (${attempts} attempts)` : "";
  const doing = `${verb(where.op)} ${where.key || "the store"}`;
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
  if (isStall(err)) {
    const idle = where.timeouts ? ` within ${seconds(where.timeouts.idleMs)}` : "";
    return new StoreError(`${s}: endpoint ${where.endpoint} stalled: no answer${idle} while ${doing}${tries}`, {
      hint: `the server accepted the connection but stopped answering; check it${where.timeouts ? `, or raise timeouts.idle (${seconds(where.timeouts.idleMs)} now)` : ""}`,
      code: "store.stalled",
      cause: err,
    });
  }
  if (isConnectTimeout(err)) {
    const connect = where.timeouts ? ` within ${seconds(where.timeouts.connectMs)}` : "";
    return new StoreError(`${s}: endpoint ${where.endpoint} is unreachable: no connection${connect} while ${doing}${tries}`, {
      hint: `check stores.${where.store}.endpoint and that the server is running${where.timeouts ? `, or raise timeouts.connect (${seconds(where.timeouts.connectMs)} now)` : ""}`,
      code: "store.unreachable",
      cause: err,
    });
  }
  if (NETWORK.has(code) || name === "TimeoutError" || name === "RequestTimeout" || /ECONNREFUSED|ENOTFOUND|socket hang up|connect ETIMEDOUT/.test(e.message ?? "")) {
    return new StoreError(`${s}: endpoint ${where.endpoint} is unreachable (${code || name}) while ${doing}${tries}`, {
      hint: `check stores.${where.store}.endpoint and that the server is running`,
      code: "store.unreachable",
      cause: err,
    });
  }
  return new StoreError(`${s}: cannot ${where.op} ${where.key}: ${name ? name + ": " : ""}${e.message ?? String(err)}${tries}`, {
    code: "store.io",
    cause: err,
  });
}

function verb(op: string): string {
  return { read: "reading", write: "writing", stat: "checking", list: "listing", delete: "deleting" }[op] ?? `${op}ing`;
}
