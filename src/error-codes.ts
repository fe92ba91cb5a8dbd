/**
 * The one table of error codes: every `code` a dj error may carry, with the exit class (kind) it
 * belongs to. `DjErrorOptions.code` is typed by this table, and each error class accepts only the
 * codes of its own kind, so a misspelt or misfiled code is a compile error. The strings are a
 * contract (`--json` prints them as `error.code`): add codes, do not rename them.
 *
 * An error raised without a code shows its kind (`usage`, `store`, …) as its code. A code that
 * names a list of kinds is one condition reported by whichever class fits where it is found.
 */
import type { ErrorKind } from "./errors.js";

export const ERROR_CODES = {
  // exit 1: a bug in dj or in a codec
  internal: "internal",

  // exit 2: usage
  interrupted: "usage",
  "usage.all": "usage",
  "usage.force": "usage",
  "usage.key": "usage",
  "usage.out": "usage",
  "usage.empty": "usage",
  "usage.schema": "usage",
  "usage.one": "usage",
  "usage.slice": "usage",
  "usage.where": "usage",
  "usage.order": "usage",
  "usage.limit": "usage",
  // An invalid schema name is a usage error on the command line, a config error in the config
  // and an input error in a .dj file: one code, three classes.
  "schema.name": ["usage", "config", "input"],

  // exit 3: configuration
  "config.backend": "config",
  "config.embedded": "config",
  "config.invalid": "config",
  "config.key": "config",
  "config.missing": "config",
  "config.none": "config",
  "config.store": "config",
  "config.syntax": "config",
  "config.tls": "config",
  "config.unreadable": "config",

  // exit 4: database
  "db.access": "database",
  "db.foreign_key": "database",
  "db.busy": "database",
  "db.disk_full": "database",
  "db.error": "database",
  "db.database": "database",
  "db.lost": "database",
  "db.readonly": "database",
  "db.schema": "database",
  "db.stalled": "database",
  "db.table": "database",
  "db.tls": "database",
  "db.unreachable": "database",

  // exit 5: object store (and the fetch output folder, treated like a store)
  "store.bucket": "store",
  "store.check": "store",
  "store.corrupt": "store",
  "store.credentials": "store",
  "store.full": "store",
  "store.io": "store",
  "store.key": "store",
  "store.location": "store",
  "store.missing": "store",
  "store.protocol": "store",
  "store.readonly": "store",
  "store.stalled": "store",
  "store.unreachable": "store",
  "gc.delete": "store",
  "gc.scan": "store",
  "verify.problems": "store",
  "output.enospc": "store",
  "output.edquot": "store",
  "output.erofs": "store",
  "output.eacces": "store",
  "output.eperm": "store",
  "output.emfile": "store",
  "output.enfile": "store",
  "output.eio": "store",
  "output.efbig": "store",

  // exit 6: codec or plugin
  "codec.blob": "codec",
  "codec.check": "codec",
  "codec.cycle": "codec",
  "codec.decode": "codec",
  "codec.encode": "codec",
  "codec.hash": "codec",
  "codec.invalid": "codec",
  "codec.load": "codec",
  "codec.missing": "codec",
  "codec.references": "codec",
  "codec.shape": "codec",
  "codec.spec": "codec",
  "codec.store": "codec",
  "codec.incompatible": "codec",
  "codec.duplicate": "codec",
  "codec.error": "codec",

  // exit 7: input data
  "input.dtype": "input",
  "input.file": "input",
  "input.key": "input",
  "input.limit": "input",
  "input.npy": "input",
  "input.rows": "input",
  "input.value": "input",
  "input.slice": "input",
  "definition.contents": "input",
  "definition.cycle": "input",
  "definition.duplicate": "input",
  "definition.fk": "input",
  "definition.index": "input",
  "definition.name": "input",
  "definition.part": "input",
  "definition.syntax": "input",
  "definition.type": "input",
  "output.enotdir": "input",
  "output.eisdir": "input",
  "output.enametoolong": "input",
  "output.eexist": "input",
  "output.enoent": "input",
  "output.einval": "input",
  "output.name": "input",

  // exit 8: conflict
  "db.duplicate": "conflict",
  "db.referenced": "conflict",
  "declare.conflict": "conflict",
  "declare.contents": "conflict",
  "alter.refused": "conflict",
  "alter.unsupported": "conflict",
  "alter.fill": "conflict",
  "schema.diff": "conflict",
  "delete.part": "conflict",
  "delete.changed": "conflict",
  "delete.depth": "conflict",
  "delete.referenced": "conflict",
  "drop.children": "conflict",
  "init.exists": "conflict",
  "scaffold.exists": "conflict",
  "schema.exists": "conflict",
  "store.exists": "conflict",
  // a reused object removed by a concurrent gc: run the insert again
  "store.gone": "conflict",
} as const satisfies Record<string, ErrorKind | readonly ErrorKind[]>;

/** Every error code dj knows. */
export type ErrorCode = keyof typeof ERROR_CODES;

type KindsOf<C extends ErrorCode> = (typeof ERROR_CODES)[C] extends readonly (infer U)[] ? U : (typeof ERROR_CODES)[C];

/** The codes of one exit class: what an error of that kind may carry. */
export type CodeOf<K extends ErrorKind> = { [C in ErrorCode]: K extends KindsOf<C> ? C : never }[ErrorCode];

/** The exit classes a code belongs to (most have one). */
export function kindsOf(code: ErrorCode): readonly ErrorKind[] {
  const kinds: ErrorKind | readonly ErrorKind[] = ERROR_CODES[code];
  return typeof kinds === "string" ? [kinds] : kinds;
}

/** True when a string from outside the type system (a plugin's error) is a known code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}
