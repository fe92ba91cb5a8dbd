/**
 * The error helpers every codec context carries (`ctx.fail`, `ctx.error`): the same for the
 * built-in codecs and for plugins, which get no other way into dj's internals.
 */
import { makeError, type DjErrorOptions, type ErrorKind } from "../errors.js";
import type { ErrorHelpers } from "./types.js";

export const errorHelpers: ErrorHelpers = {
  fail<K extends ErrorKind>(kind: K, message: string, options?: DjErrorOptions<K>): never {
    throw makeError(kind, message, options);
  },
  error<K extends ErrorKind>(kind: K, message: string, options?: DjErrorOptions<K>): Error {
    return makeError(kind, message, options);
  },
};
