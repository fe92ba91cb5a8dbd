/**
 * The command table and the one place that maps errors to exit codes.
 *
 * Only commander is imported eagerly; each command's module is loaded with `import()` when it
 * runs, so `dj --help` and `dj codecs list` never pay for zod, mysql2 or the AWS SDK.
 */
import { Command, CommanderError, Option } from "commander";
import { djPackage } from "./package-info.js";
import { ExitCode, exitCodeOf, isDjError } from "./errors.js";
import type { CommandContext, CommandHandler } from "./commands/context.js";
import { Output, type GlobalOptions } from "./ui/output.js";
import { redact } from "./ui/redact.js";
import { closeAll, installInterruptHandlers, interruptSettled, interruptedBy } from "./lifecycle.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];


type Loader = () => Promise<Record<string, unknown>>;

/** The modules behind the commands, loaded on demand. */
const modules = {
  codecs: () => import("./commands/codecs.js"),
  config: () => import("./commands/config.js"),
  init: () => import("./commands/init.js"),
  schema: () => import("./commands/schema.js"),
  declare: () => import("./commands/declare.js"),
  alter: () => import("./commands/alter.js"),
  tables: () => import("./commands/tables.js"),
  store: () => import("./commands/store.js"),
  data: () => import("./commands/data.js"),
  show: () => import("./commands/show.js"),
  doctor: () => import("./commands/doctor.js"),
  verify: () => import("./commands/verify.js"),
} satisfies Record<string, Loader>;

interface RunState {
  exitCode: number;
  globals: GlobalOptions;
}

function buildProgram(state: RunState): Command {
  const program = new Command("dj");
  // Set before any subcommand is added: subcommands copy these settings when created.
  // Commander's own error lines are replaced by dj's (renderUsageError); in --json mode nothing
  // of commander's reaches stderr and its help text goes to stdout only when asked for.
  program.configureOutput({
    writeErr: state.globals.json ? () => {} : (s) => process.stderr.write(s),
    writeOut: (s) => process.stdout.write(s),
    outputError: () => {},
  });

  const run =
    (load: Loader, handlerName: string) =>
    async (...actionArgs: unknown[]): Promise<void> => {
      const command = actionArgs[actionArgs.length - 1] as Command;
      const positional = actionArgs.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [a]));
      const all = command.optsWithGlobals();
      state.globals = globalsFrom(all);
      const ctx: CommandContext = { out: new Output(state.globals), globals: state.globals, cwd: process.cwd() };
      const mod = await load();
      const handler = mod[handlerName] as CommandHandler | undefined;
      if (typeof handler !== "function") throw new Error(`command handler ${handlerName} is missing`);
      const opts = command.opts();
      // Every --schema flag passes the one schema-name rule before any file or SQL is made.
      if (opts.schema !== undefined) {
        const { assertSchemaName } = await import("./schema/schema-name.js");
        for (const s of [opts.schema].flat()) assertSchemaName(String(s), "--schema");
      }
      const code = await handler(ctx, positional as string[], opts);
      state.exitCode = typeof code === "number" ? code : 0;
    };

  program
    .description("Manage DataJoint schemas, object stores and codecs from the shell")
    .version(djPackage().version, "--version", "print the dj version")
    .option("--config <path>", "use this config file (or set DJ_CONFIG)")
    .option("--json", "print exactly one JSON document on stdout", false)
    .option("-v, --verbose", "stack traces, SQL and store calls on stderr", false)
    .option("-q, --quiet", "no messages or progress on stderr", false)
    .option("--no-color", "no ANSI colours (also NO_COLOR)")
    .exitOverride();

  // --- configuration ---------------------------------------------------------------------
  program
    .command("init")
    .description("write a starter dj.config.json (embedded database, one file store)")
    .option("--store-location <dir>", "directory of the default file store", "./dj-store")
    .option("--force", "overwrite an existing dj.config.json")
    .action(run(modules.init, "init"));

  const config = program.command("config").description("show or validate the configuration");
  config
    .command("show")
    .description("the resolved configuration, secrets masked")
    .option("--sources", "show where each value came from")
    .action(run(modules.config, "show"));
  config.command("validate").description("exit 0, or 3 with every problem listed").action(run(modules.config, "validate"));

  // --- codecs --------------------------------------------------------------------------------
  const codecs = program.command("codecs").description("list and check codecs (built-in and plugins)");
  codecs
    .command("list")
    .description("every codec: name, provider, storage, status")
    .option("--verify", "load each plugin to check it")
    .action(run(modules.codecs, "list"));
  codecs
    .command("check")
    .description("exit 0 when every named codec is installed and loads (exit 6 otherwise)")
    .argument("[name...]", "codec names, optionally name@<semver range>")
    .option("--required", "also check config.requiredCodecs")
    .option("--schema <name>", "also check every codec used by this schema's tables", collect)
    .action(run(modules.codecs, "check"));
  codecs
    .command("new")
    .description("scaffold a codec plugin package")
    .argument("<name>", "codec name")
    .option("--dir <dir>", "target directory (default: dj-<name>-codec)")
    .action(run(modules.codecs, "scaffold"));

  // --- schemas and tables ------------------------------------------------------------------
  const schema = program.command("schema").description("list, create or drop schemas (databases)");
  schema.command("list").description("schemas on the server").action(run(modules.schema, "list"));
  schema.command("create").argument("<name>").description("create a schema").action(run(modules.schema, "create"));
  schema
    .command("drop")
    .argument("<name>")
    .option("--force", "do not ask")
    .description("drop a schema and all its tables")
    .action(run(modules.schema, "drop"));

  program
    .command("declare")
    .description("declare the tables of .dj pipeline files, parents first")
    .argument("<file...>", ".dj files")
    .option("--dry-run", "print the SQL instead of running it")
    .option("--schema <name>", "schema for files without a `schema` line")
    .action(run(modules.declare, "declare"));
  program
    .command("diff")
    .description("compare .dj files with the database: exit 0 when identical, 8 when not")
    .argument("<file...>", ".dj files")
    .option("--schema <name>", "schema for files without a `schema` line")
    .action(run(modules.alter, "diff"));
  program
    .command("alter")
    .description("change existing tables to their .dj definitions (secondary attributes, comment)")
    .argument("<file...>", ".dj files")
    .option("--dry-run", "print the SQL instead of running it")
    .option("--force", "drop attributes without asking")
    .option("--schema <name>", "schema for files without a `schema` line")
    .action(run(modules.alter, "alter"));
  program
    .command("tables")
    .description("tables with tier, class name, row count and codecs")
    .argument("[schema]")
    .action(run(modules.tables, "tables"));
  program
    .command("describe")
    .description("the definition rebuilt from the database, in .dj format")
    .argument("[table]")
    .option("--schema <name>", "describe every table of a schema")
    .action(run(modules.tables, "describe"));
  program
    .command("drop")
    .description("drop a table (refuses while others depend on it)")
    .argument("<table>")
    .option("--force", "do not ask")
    .option("--schema <name>", "schema of the table")
    .action(run(modules.tables, "drop"));

  // --- data ------------------------------------------------------------------------------------
  program
    .command("insert")
    .description("insert one row (--key/--from/--set) or many (--rows)")
    .argument("<table>")
    .option("--key <k=v>", "primary-key value (repeat)", collect)
    .option("--from <[attr=]file>", "a file for an attribute (repeat)", collect)
    .option("--set <attr=value>", "a plain attribute value (repeat)", collect)
    .option("--rows <file>", "a .jsonl or .csv file of rows")
    .option("--skip-duplicates", "skip rows whose key exists")
    .option("--schema <name>", "schema of the table")
    .action(run(modules.data, "insert"));
  program
    .command("fetch")
    .description("print rows, or write values to files")
    .argument("<table>")
    .option("--key <k=v>", "restrict by key (repeat)", collect)
    .option("--attr <name>", "only these attributes (repeat)", collect)
    .option("--out <path>", "write the value to FILE, or every value under DIR")
    .addOption(new Option("--format <fmt>", "output format").choices(["npy", "zarr", "json"]))
    .addOption(new Option("--inverse <kind>", "photon: invert the Anscombe transform").choices(["algebraic", "unbiased"]))
    .option("--limit <n>", "at most n rows")
    .option("--slice <index>", 'NumPy slice of one array value, written as .npy (e.g. "0:1000,3", "...,-1", "::-2")')
    .option("--schema <name>", "schema of the table")
    .action(run(modules.data, "fetch"));
  program
    .command("show")
    .description("shape, dtype, chunks, compressor, stored bytes, path and store of values, from metadata alone")
    .argument("<table>")
    .option("--key <k=v>", "restrict by key (repeat)", collect)
    .option("--attr <name>", "only these attributes (repeat)", collect)
    .option("--schema <name>", "schema of the table")
    .action(run(modules.show, "show"));
  program
    .command("delete")
    .description("delete rows (and their part rows)")
    .argument("<table>")
    .option("--key <k=v>", "restrict by key (repeat)", collect)
    .option("--cascade", "also delete rows of child tables")
    .addOption(
      new Option("--part-integrity <policy>", "part rows without their master: refuse (enforce), add the master rows (cascade), or allow (ignore)")
        .choices(["enforce", "ignore", "cascade"])
        .default("enforce"),
    )
    .option("--all", "delete every row of the table (instead of --key)")
    .option("--force", "do not ask")
    .option("--schema <name>", "schema of the table")
    .action(run(modules.data, "remove"));

  // --- stores ------------------------------------------------------------------------------------
  const store = program.command("store").description("object stores");
  store.command("list").description("configured stores, masked, default marked").action(run(modules.store, "list"));
  store
    .command("check")
    .argument("[name...]")
    .description("write, read back and delete a probe object")
    .action(run(modules.store, "check"));
  store.command("ls").argument("<name>").argument("[prefix]").description("list objects").action(run(modules.store, "ls"));
  program
    .command("gc")
    .description("delete store objects that no row references")
    .option("--schema <name>", "schema to scan (repeat)", collect)
    .option("--store <name>", "store to collect")
    .option("--dry-run", "list what would be removed")
    .option("--min-age <age>", "never remove objects younger than this", "1h")
    .action(run(modules.store, "gc"));

  program
    .command("verify")
    .description("audit stored values: objects exist, sizes, hashes, .npy headers, Zarr metadata (exit 5 on problems)")
    .argument("[table]", "only this table")
    .option("--schema <name>", "schema to audit")
    .option("--deep", "also decode every object's contents (every Zarr chunk)")
    .action(run(modules.verify, "verify"));

  program.command("doctor").description("check config, database, stores and required codecs").action(run(modules.doctor, "doctor"));

  return program;
}

function globalsFrom(opts: Record<string, unknown>): GlobalOptions {
  return {
    config: typeof opts.config === "string" ? opts.config : undefined,
    json: opts.json === true,
    verbose: opts.verbose === true || process.env.DJ_DEBUG === "1",
    quiet: opts.quiet === true,
    color: opts.color !== false,
  };
}

/** Global flags are needed to render errors even when parsing failed before any action ran. */
function globalsFromArgv(argv: string[]): GlobalOptions {
  return {
    json: argv.includes("--json"),
    verbose: argv.includes("-v") || argv.includes("--verbose") || process.env.DJ_DEBUG === "1",
    quiet: argv.includes("-q") || argv.includes("--quiet"),
    color: !argv.includes("--no-color"),
  };
}

export async function runCli(argv: string[]): Promise<number> {
  const state: RunState = { exitCode: 0, globals: globalsFromArgv(argv) };
  installInterruptHandlers();
  const program = buildProgram(state);
  try {
    await program.parseAsync(argv, { from: "user" });
    if (interruptedBy()) await interruptSettled();
    return state.exitCode;
  } catch (err) {
    // Interrupted: the failure is the interrupt's doing; its handler prints one line and exits.
    if (interruptedBy()) await interruptSettled();
    if (err instanceof CommanderError) return renderUsageError(err, commandPath(program, argv), state.globals);
    return renderError(err, state.globals);
  } finally {
    await closeAll();
  }
}

/** The command words of argv (`["codecs", "check"]`), as far as they name known commands. */
function commandPath(program: Command, argv: string[]): string[] {
  const path: string[] = [];
  let current = program;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--config") i++; // the one global flag with a value
    if (token.startsWith("-")) continue;
    const sub = current.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!sub) break;
    path.push(token);
    current = sub;
  }
  return path;
}

/**
 * A parse error (unknown command or flag, missing or extra argument, bad choice) in dj's form:
 * `dj: <message>` and a hint with commander's "did you mean" when it has one, else where the
 * usage is. Help shown because no subcommand was given (`dj codecs`) is a usage error too.
 */
function renderUsageError(err: CommanderError, path: string[], globals: GlobalOptions): number {
  if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0) return 0;
  const [first = "", ...rest] = err.message.replace(/^error: /, "").split("\n");
  const suggestion = rest.join(" ").match(/\(Did you mean (.+)\?\)/)?.[1];
  const usage = `dj ${[...path, "--help"].join(" ")}`;
  let message = first.replace(/\.$/, "");
  if (err.code === "commander.help") message = path.length ? `dj ${path.join(" ")} needs a command` : "a command is required";
  const hint = suggestion
    ? `did you mean ${suggestion}? (\`${usage}\` shows the usage)`
    : err.code === "commander.unknownCommand"
      ? `\`${usage}\` lists the commands`
      : `\`${usage}\` shows the usage`;
  if (globals.json) writeJsonError("usage", message, hint);
  else if (err.code !== "commander.help") process.stderr.write(`dj: ${message}\n  hint: ${hint}\n`);
  return ExitCode.usage;
}

function renderError(err: unknown, globals: GlobalOptions): number {
  if (isDjError(err)) {
    if (globals.json) {
      writeJsonError(err.code ?? err.kind, err.message, err.hint);
    } else {
      process.stderr.write(redact(`dj: ${err.message}\n`));
      if (err.hint) process.stderr.write(redact(`  hint: ${err.hint}\n`));
    }
    if (globals.verbose && err.stack) process.stderr.write(redact(formatStack(err)) + "\n");
    return exitCodeOf(err);
  }
  // Anything else is a bug in dj: say so, with the stack, and ask for a report.
  const e = err instanceof Error ? err : new Error(String(err));
  if (globals.json) {
    writeJsonError("internal", e.message, "this is a bug in dj; please report it with the output of --verbose");
  }
  process.stderr.write(redact(`dj: internal error: ${e.message}\n${formatStack(e)}\n`));
  process.stderr.write("  hint: this is a bug in dj; please report it with this output and the command that caused it\n");
  return ExitCode.internal;
}

function formatStack(err: Error): string {
  let text = err.stack ?? String(err);
  let cause = (err as { cause?: unknown }).cause;
  while (cause instanceof Error) {
    text += `\ncaused by: ${cause.stack ?? cause.message}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return text;
}

function writeJsonError(code: string, message: string, hint?: string): void {
  const error: Record<string, string> = { code, message };
  if (hint) error.hint = hint;
  process.stdout.write(redact(JSON.stringify({ error })) + "\n");
}
