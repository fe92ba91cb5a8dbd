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

export type ErrorKind = Exclude<keyof typeof ExitCode, "ok">;

export interface DjErrorOptions {
  hint?: string;
  cause?: unknown;
  /** A stable machine-readable code for `--json` output, e.g. `config.invalid`. */
  code?: string;
}

export abstract class DjError extends Error {
  abstract readonly kind: ErrorKind;
  readonly hint?: string;
  readonly code?: string;
  readonly _dj = true;

  constructor(message: string, options: DjErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.code = options.code;
    this.name = new.target.name;
  }

  get exitCode(): number {
    return ExitCode[this.kind];
  }

  /** The code shown in `--json` errors: an explicit one, else the kind. */
  get jsonCode(): string {
    return this.code ?? this.kind;
  }
}

/** Unknown flag, missing argument, ambiguous input: exit 2. */
export class UsageError extends DjError {
  readonly kind = "usage" as const;
}

/** Configuration file or environment is invalid or missing something: exit 3. */
export class ConfigError extends DjError {
  readonly kind = "config" as const;
}

/** The database refused, is unreachable, or a table is missing: exit 4. */
export class DatabaseError extends DjError {
  readonly kind = "database" as const;
}

/** An object store failed (unreachable, denied, missing bucket, missing object): exit 5. */
export class StoreError extends DjError {
  readonly kind = "store" as const;
}

/** A codec is missing, failed to load, or failed to encode/decode: exit 6. */
export class CodecError extends DjError {
  readonly kind = "codec" as const;
}

/** Input data is wrong: bad .npy, wrong dtype or shape, bad key value: exit 7. */
export class InputError extends DjError {
  readonly kind = "input" as const;
}

/** Duplicate key, object exists, table exists with another definition: exit 8. */
export class ConflictError extends DjError {
  readonly kind = "conflict" as const;
}

/**
 * True for dj errors, including ones raised by plugin code that has no runtime dependency on
 * this module: any object with `_dj: true` and a known `kind` counts (see `ctx.fail`).
 */
export function isDjError(err: unknown, ...kinds: ErrorKind[]): err is DjError {
  if (typeof err !== "object" || err === null || (err as { _dj?: unknown })._dj !== true) return false;
  const kind = (err as { kind?: unknown }).kind;
  if (typeof kind !== "string" || !(kind in ExitCode) || kind === "ok") return false;
  return kinds.length === 0 || kinds.includes(kind as ErrorKind);
}

const byKind: Record<ErrorKind, new (message: string, options?: DjErrorOptions) => DjError> = {
  usage: UsageError,
  config: ConfigError,
  database: DatabaseError,
  store: StoreError,
  codec: CodecError,
  input: InputError,
  conflict: ConflictError,
  internal: class InternalError extends DjError {
    readonly kind = "internal" as const;
  },
};

/** Build a typed error from its kind (used by `ctx.fail` for plugins). */
export function makeError(kind: ErrorKind, message: string, options?: DjErrorOptions): DjError {
  return new byKind[kind](message, options);
}

/** Exit code of any dj error, also one created by a plugin's own copy of this module. */
export function exitCodeOf(err: DjError): number {
  return ExitCode[err.kind];
}
