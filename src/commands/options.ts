/**
 * Every command's words, arguments and options, declared once. cli.ts builds the commander
 * program from this table, and each handler is typed from its entry (`Handler<"insert">`), so an
 * option name that differs between the two is a compile error: the flag is derived from the key
 * (`skipDuplicates` → `--skip-duplicates`), never written twice.
 *
 * Loaded on every start: keep it data only (no imports beyond types).
 */
import type { CommandContext, Outcome } from "./context.js";

interface FlagSpec {
  readonly kind: "flag";
  readonly description: string;
}
interface ValueSpec {
  readonly kind: "value";
  readonly value: string;
  readonly description: string;
  readonly default?: string;
  readonly choices?: readonly string[];
}
interface ListSpec {
  readonly kind: "list";
  readonly value: string;
  readonly description: string;
}
export type OptionSpec = FlagSpec | ValueSpec | ListSpec;

/** `--name`: true when given. */
const flag = (description: string): FlagSpec => ({ kind: "flag", description });
/** `--name <value>`, once. */
const value = (value: string, description: string): ValueSpec => ({ kind: "value", value, description });
/** `--name <value>` with a default: always set. */
const valueOr = (value: string, description: string, dflt: string): ValueSpec & { readonly default: string } => ({ kind: "value", value, description, default: dflt });
/** `--name <value>`, one of a few words. */
const choice = <const C extends readonly string[]>(value: string, description: string, choices: C): ValueSpec & { readonly choices: C } => ({
  kind: "value",
  value,
  description,
  choices,
});
/** `--name <value>`, repeatable: every value in order. */
const list = (value: string, description: string): ListSpec => ({ kind: "list", value, description });

export interface CommandSpec {
  /** The command words under `dj`: `["codecs", "check"]`. */
  readonly words: readonly string[];
  readonly description: string;
  /** Commander argument forms: `<table>`, `[name...]`. */
  readonly args?: readonly (readonly [form: string, description?: string])[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
}

const schemaOfTable = value("<name>", "schema of the table");
const keyFlag = list("<k=v>", "restrict by an attribute's value (repeat: all must hold)");
const whereFlag = value("<expr>", "restrict by an expression: = != < <= > >= in (…) like, is [not] null, and/or/not, ( ) — AND-ed with --key");

export const COMMANDS = {
  init: {
    words: ["init"],
    description: "write a starter dj.config.json (embedded database, one file store)",
    options: { storeLocation: valueOr("<dir>", "directory of the default file store", "./dj-store"), force: flag("overwrite an existing dj.config.json") },
  },
  "config show": { words: ["config", "show"], description: "the resolved configuration, secrets masked", options: { sources: flag("show where each value came from") } },
  "config validate": { words: ["config", "validate"], description: "exit 0, or 3 with every problem listed" },

  "codecs list": { words: ["codecs", "list"], description: "every codec: name, provider, storage, status", options: { verify: flag("load each plugin to check it") } },
  "codecs check": {
    words: ["codecs", "check"],
    description: "exit 0 when every named codec is installed and loads (exit 6 otherwise)",
    args: [["[name...]", "codec names, optionally name@<semver range>"]],
    options: { required: flag("also check config.requiredCodecs"), schema: list("<name>", "also check every codec used by this schema's tables") },
  },
  "codecs new": {
    words: ["codecs", "new"],
    description: "scaffold a codec plugin package",
    args: [["<name>", "codec name"]],
    options: { dir: value("<dir>", "target directory (default: dj-<name>-codec)") },
  },

  "schema list": { words: ["schema", "list"], description: "schemas on the server" },
  "schema create": { words: ["schema", "create"], description: "create a schema", args: [["<name>"]] },
  "schema drop": { words: ["schema", "drop"], description: "drop a schema and all its tables", args: [["<name>"]], options: { force: flag("do not ask") } },
  declare: {
    words: ["declare"],
    description: "declare the tables of .dj pipeline files, parents first",
    args: [["<file...>", ".dj files"]],
    options: { dryRun: flag("print the SQL instead of running it"), schema: value("<name>", "schema for files without a `schema` line") },
  },
  diff: {
    words: ["diff"],
    description: "compare .dj files with the database: exit 0 when identical, 8 when not",
    args: [["<file...>", ".dj files"]],
    options: { schema: value("<name>", "schema for files without a `schema` line") },
  },
  alter: {
    words: ["alter"],
    description: "change existing tables to their .dj definitions (secondary attributes, comment)",
    args: [["<file...>", ".dj files"]],
    options: {
      dryRun: flag("print the SQL instead of running it"),
      force: flag("drop attributes without asking"),
      schema: value("<name>", "schema for files without a `schema` line"),
    },
  },
  tables: { words: ["tables"], description: "tables with tier, class name, row count and codecs", args: [["[schema]"]] },
  describe: {
    words: ["describe"],
    description: "the definition rebuilt from the database, in .dj format",
    args: [["[table]"]],
    options: { schema: value("<name>", "describe every table of a schema") },
  },
  drop: {
    words: ["drop"],
    description: "drop a table (refuses while others depend on it)",
    args: [["<table>"]],
    options: { force: flag("do not ask"), schema: schemaOfTable },
  },

  insert: {
    words: ["insert"],
    description: "insert one row (--key/--from/--set) or many (--rows)",
    args: [["<table>"]],
    options: {
      key: list("<k=v>", "primary-key value (repeat)"),
      from: list("<[attr=]file>", "a file for an attribute (repeat)"),
      set: list("<attr=value>", "a plain attribute value (repeat)"),
      rows: value("<file>", "a .jsonl or .csv file of rows"),
      skipDuplicates: flag("skip rows whose key exists"),
      schema: schemaOfTable,
    },
  },
  fetch: {
    words: ["fetch"],
    description: "print rows, or write values to files",
    args: [["<table>"]],
    options: {
      key: keyFlag,
      where: whereFlag,
      attr: list("<name>", "only these attributes (repeat)"),
      out: value("<path>", "write the value to FILE, or every value under DIR (csv/jsonl: the rows to FILE)"),
      format: choice("<fmt>", "npy/zarr/json: how values are written with --out; csv/jsonl: export the rows (stdout or --out FILE)", ["npy", "zarr", "json", "csv", "jsonl"]),
      inverse: choice("<kind>", "photon: invert the Anscombe transform", ["algebraic", "unbiased"]),
      orderBy: list("<attr [asc|desc]>", "order rows (repeat, or a comma list); the primary key follows"),
      limit: value("<n>", "at most n rows"),
      offset: value("<n>", "skip the first n rows (of the order)"),
      slice: value("<index>", 'NumPy slice of one array value, written as .npy (e.g. "0:1000,3", "...,-1", "::-2")'),
      schema: schemaOfTable,
    },
  },
  show: {
    words: ["show"],
    description: "shape, dtype, chunks, compressor, stored bytes, path and store of values, from metadata alone",
    args: [["<table>"]],
    options: { key: keyFlag, where: whereFlag, attr: list("<name>", "only these attributes (repeat)"), schema: schemaOfTable },
  },
  delete: {
    words: ["delete"],
    description: "delete rows (and their part rows)",
    args: [["<table>"]],
    options: {
      key: keyFlag,
      where: whereFlag,
      cascade: flag("also delete rows of child tables"),
      partIntegrity: choice("<policy>", "part rows without their master: refuse (enforce), add the master rows (cascade), or allow (ignore)", ["enforce", "ignore", "cascade"]),
      all: flag("delete every row of the table (instead of --key/--where)"),
      force: flag("do not ask"),
      schema: schemaOfTable,
    },
  },
  count: {
    words: ["count"],
    description: "how many rows match (--key, --where)",
    args: [["<table>"]],
    options: { key: keyFlag, where: whereFlag, schema: schemaOfTable },
  },

  "store list": { words: ["store", "list"], description: "configured stores, masked, default marked" },
  "store check": { words: ["store", "check"], description: "write, read back and delete a probe object", args: [["[name...]"]] },
  "store ls": { words: ["store", "ls"], description: "list objects", args: [["<name>"], ["[prefix]"]] },
  gc: {
    words: ["gc"],
    description: "delete store objects that no row references",
    options: {
      schema: list("<name>", "schema to scan (repeat)"),
      store: value("<name>", "store to collect"),
      dryRun: flag("list what would be removed"),
      minAge: valueOr("<age>", "never remove objects younger than this", "1h"),
    },
  },
  verify: {
    words: ["verify"],
    description: "audit stored values: objects exist, sizes, hashes, .npy headers, Zarr metadata (exit 5 on problems)",
    args: [["[table]", "only this table"]],
    options: { schema: value("<name>", "schema to audit"), deep: flag("also decode every object's contents (every Zarr chunk)") },
  },
  doctor: { words: ["doctor"], description: "check config, database, stores and required codecs" },
} as const satisfies Record<string, CommandSpec>;

/** The descriptions of the command groups (`dj codecs`, `dj store`, …). */
export const GROUPS: Readonly<Record<string, string>> = {
  config: "show or validate the configuration",
  codecs: "list and check codecs (built-in and plugins)",
  schema: "list, create or drop schemas (databases)",
  store: "object stores",
};

export type CommandName = keyof typeof COMMANDS;

type ValueOf<O> = O extends FlagSpec
  ? boolean
  : O extends ListSpec
    ? string[]
    : O extends { readonly choices: readonly (infer C)[] }
      ? C
      : string;
type HasDefault<O> = O extends { readonly default: string } ? true : false;

/** The parsed options of one command: optional unless the option has a default. */
export type OptionsOf<N extends CommandName> = (typeof COMMANDS)[N] extends { readonly options: infer S }
  ? { -readonly [K in keyof S as HasDefault<S[K]> extends true ? K : never]: ValueOf<S[K]> } & {
      -readonly [K in keyof S as HasDefault<S[K]> extends true ? never : K]?: ValueOf<S[K]>;
    }
  : Record<string, never>;

/**
 * A command handler: parses and checks its options, calls one service, renders the plain
 * result. It returns nothing on success, or a failed outcome (checks and audits that finished
 * and found problems) that cli.ts turns into one document and the exit code.
 */
export type Handler<N extends CommandName> = (ctx: CommandContext, args: string[], opts: OptionsOf<N>) => Promise<Outcome>;

/** `skipDuplicates` → `skip-duplicates`: the flag is derived from the option's key. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
