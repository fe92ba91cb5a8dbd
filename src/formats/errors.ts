/**
 * The errors formats/ raises. formats/ imports nothing outside itself (docs/architecture.md), so
 * these are not the classes of src/errors.ts but speak the protocol plugin errors speak: `_dj`
 * and a `kind` make `isDjError` see a dj error, rendered by cli.ts like any other, with the exit
 * code of its kind (input 7, codec 6), its `code` in `--json` and its hint. The class names are
 * the same, so a message or a stack reads as before.
 */
type FormatErrorKind = "usage" | "input" | "codec";

/** Every code formats/ uses (the error-code table must know each). */
export type FormatErrorCode = "input.npy" | "input.dtype" | "input.file" | "input.slice" | "usage.slice" | "codec.shape" | "codec.blob";

export interface FormatErrorOptions {
  hint?: string;
  cause?: unknown;
  code?: FormatErrorCode;
}

abstract class FormatError extends Error {
  abstract readonly kind: FormatErrorKind;
  readonly _dj = true;
  readonly hint?: string;
  readonly code?: FormatErrorCode;

  constructor(message: string, options: FormatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.code = options.code;
    this.name = new.target.name;
  }
}

/** Text that is not what the format's syntax allows whatever the data (a slice like `1::0`): exit 2. */
export class UsageError extends FormatError {
  readonly kind = "usage" as const;
}

/** The input is wrong (a bad .npy, an unsupported dtype): exit 7. */
export class InputError extends FormatError {
  readonly kind = "input" as const;
}

/** Stored bytes cannot be read back, or a value cannot be written in this format: exit 6. */
export class CodecError extends FormatError {
  readonly kind = "codec" as const;
}
