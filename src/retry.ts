/**
 * Retries for idempotent network requests: a request that can be sent again with the same effect
 * (a GET, HEAD, LIST, DELETE, a PUT of bytes held in memory, a read-only SQL statement) is tried
 * up to `1 + retries` times, with exponential backoff between attempts, when the failure is
 * transient (a reset or refused connection, throttling, a 5xx; not a missed deadline, which
 * would only multiply the wait). Anything else — a streamed upload,
 * starting or completing a multipart upload, an INSERT — is tried once.
 */

export interface RetryPolicy {
  retries: number;
  /** First wait; doubled for every further attempt, at most `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** The number of attempts made, recorded on the error that ended them (for the message). */
export const ATTEMPTS = Symbol("dj.attempts");

export function attemptsOf(err: unknown): number {
  return typeof err === "object" && err !== null ? ((err as { [ATTEMPTS]?: number })[ATTEMPTS] ?? 1) : 1;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, isTransient: (err: unknown) => boolean): Promise<T> {
  const base = policy.baseDelayMs ?? 200;
  const max = policy.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt > policy.retries || !isTransient(err)) {
        if (typeof err === "object" && err !== null) {
          try {
            Object.defineProperty(err, ATTEMPTS, { value: attempt, configurable: true });
          } catch {
            // a frozen error keeps its own message
          }
        }
        throw err;
      }
      const delay = Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
