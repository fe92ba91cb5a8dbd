/**
 * Errors as values with exit codes.
 *
 * Every user-facing failure is a `DjError` subclass raised where the cause is known; `cli.ts`
 * is the only place that renders them (one line `dj: <message>`, an indented `hint:` line, and
 * the exit code). Anything else that escapes is a bug: exit 1 with the stack.
 *
 * Use `isDjError(err, "config", "usage")` rather than `instanceof` across package boundaries
 * (a plugin may bundle its own copy of this module).
 */
import type { CodeOf, ErrorCode } from "./error-codes.js";

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  database: 4,
  store: 5,
  codec: 6,
  input: 7,
  conflict: 8,
} as const;

/** Every exit class has an entry in the code table (error-codes.ts) and an exit code here. */
export type { ErrorCode, CodeOf } from "./error-codes.js";
export type ErrorKind = Exclude<keyof typeof ExitCode, "ok">;

export interface DjErrorOptions<K extends ErrorKind = ErrorKind> {
  hint?: string;
  cause?: unknown;
  /** A stable machine-readable code for `--json` output, from the one table (error-codes.ts). */
  code?: CodeOf<K>;
}

export abstract class DjError extends Error {
  abstract readonly kind: ErrorKind;
  readonly hint?: string;
  readonly code?: ErrorCode;
  readonly _dj = true;

  constructor(message: string, options: { hint?: string; cause?: unknown; code?: ErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.code = options.code;
    this.name = new.target.name;
  }

  get exitCode(): number {
    return ExitCode[this.kind];
  }
}

/**
 * The base class of one kind: `kind` fixed, and a constructor that takes only that kind's codes
 * (error-codes.ts), so `new StoreError(m, { code: "db.schema" })` does not compile.
 */
function ofKind<K extends ErrorKind>(kind: K) {
  abstract class OfKind extends DjError {
    readonly kind: K = kind;
    constructor(message: string, options?: DjErrorOptions<K>) {
      super(message, options);
    }
  }
  return OfKind;
}

/** Unknown flag, missing argument, ambiguous input: exit 2. */
export class UsageError extends ofKind("usage") {}

/** Configuration file or environment is invalid or missing something: exit 3. */
export class ConfigError extends ofKind("config") {}

/** The database refused, is unreachable, or a table is missing: exit 4. */
export class DatabaseError extends ofKind("database") {}

/** An object store failed (unreachable, denied, missing bucket, missing object): exit 5. */
export class StoreError extends ofKind("store") {}

/** A codec is missing, failed to load, or failed to encode/decode: exit 6. */
export class CodecError extends ofKind("codec") {}

/** Input data is wrong: bad .npy, wrong dtype or shape, bad key value: exit 7. */
export class InputError extends ofKind("input") {}

/** Duplicate key, object exists, table exists with another definition: exit 8. */
export class ConflictError extends ofKind("conflict") {}

/**
 * True for dj errors, including ones raised by plugin code that has no runtime dependency on
 * this module: any object with `_dj: true` and a known `kind` counts (see `ctx.fail`).
 */
/** A dj error of one of the given kinds, with the codes of those kinds. */
export type DjErrorOf<K extends ErrorKind> = DjError & { readonly kind: K; readonly code?: CodeOf<K> };

export function isDjError<K extends ErrorKind = ErrorKind>(err: unknown, ...kinds: K[]): err is DjErrorOf<K> {
  if (typeof err !== "object" || err === null || (err as { _dj?: unknown })._dj !== true) return false;
  const kind = (err as { kind?: unknown }).kind;
  if (typeof kind !== "string" || !(kind in ExitCode) || kind === "ok") return false;
  return kinds.length === 0 || kinds.includes(kind as K);
}

const byKind: { [K in ErrorKind]: new (message: string, options?: DjErrorOptions<K>) => DjError } = {
  usage: UsageError,
  config: ConfigError,
  database: DatabaseError,
  store: StoreError,
  codec: CodecError,
  input: InputError,
  conflict: ConflictError,
  internal: class InternalError extends ofKind("internal") {},
};

/** Build a typed error from its kind (used by `ctx.fail` for plugins). */
export function makeError<K extends ErrorKind>(kind: K, message: string, options?: DjErrorOptions<K>): DjError {
  const make = byKind[kind] as new (message: string, options?: DjErrorOptions<K>) => DjError;
  return new make(message, options);
}

/** The code `--json` prints for an error: its own, else its kind (also for a plugin's copy). */
export function codeOf(err: DjError): string {
  return typeof err.code === "string" ? err.code : err.kind;
}

/** Exit code of any dj error, also one created by a plugin's own copy of this module. */
export function exitCodeOf(err: DjError): number {
  return ExitCode[err.kind];
}
