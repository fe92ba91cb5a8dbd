/**
 * The commander program, built from the one command table (commands/options.ts), and the loader
 * of each command's handler. Only commander is imported eagerly; each command's module is loaded
 * with `import()` when it runs, so `dj --help` and `dj codecs list` never pay for zod, mysql2 or
 * the AWS SDK.
 */
import { Command, Help, Option } from "commander";
import { djPackage } from "../package-info.js";
import type { CommandContext, Outcome } from "./context.js";
import { COMMANDS, GROUPS, flagName, type CommandName, type Handler, type OptionSpec } from "./options.js";
import { Output, type GlobalOptions } from "../ui/output.js";
import { commandWords } from "../argv-words.js";
import { stderr, stdout } from "../ui/stdio.js";

/**
 * Where each command's handler lives. `handler(load, name)` is checked by the compiler: the
 * module's export must be a `Handler<N>` for the command's own options.
 */
type Loaded<N extends CommandName> = () => Promise<Handler<N>>;
const handler =
  <N extends CommandName, E extends string>(load: () => Promise<{ [K in E]: Handler<N> }>, name: E): Loaded<N> =>
  async () =>
    (await load())[name];

const codecs = () => import("./codecs.js");
const config = () => import("./config.js");
const schema = () => import("./schema.js");
const tables = () => import("./tables.js");
const data = () => import("./data.js");
const store = () => import("./store.js");
const alter = () => import("./alter.js");

const HANDLERS: { [N in CommandName]: Loaded<N> } = {
  init: handler(() => import("./init.js"), "init"),
  "config show": handler(config, "show"),
  "config validate": handler(config, "validate"),
  "codecs list": handler(codecs, "list"),
  "codecs check": handler(codecs, "check"),
  "codecs new": handler(codecs, "scaffold"),
  "schema list": handler(schema, "list"),
  "schema create": handler(schema, "create"),
  "schema drop": handler(schema, "drop"),
  declare: handler(() => import("./declare.js"), "declare"),
  diff: handler(alter, "diff"),
  alter: handler(alter, "alter"),
  tables: handler(tables, "tables"),
  describe: handler(tables, "describe"),
  drop: handler(tables, "drop"),
  insert: handler(data, "insert"),
  fetch: handler(data, "fetch"),
  show: handler(() => import("./show.js"), "show"),
  delete: handler(data, "remove"),
  count: handler(data, "count"),
  "store list": handler(store, "list"),
  "store check": handler(store, "check"),
  "store ls": handler(store, "ls"),
  gc: handler(store, "gc"),
  verify: handler(() => import("./verify.js"), "verify"),
  doctor: handler(() => import("./doctor.js"), "doctor"),
};

export interface RunState {
  globals: GlobalOptions;
  /** The run's output, once a command started: its `--json` document is written by cli.ts. */
  out?: Output;
  outcome: Outcome;
}

function addOption(command: Command, key: string, spec: OptionSpec): void {
  const flags = spec.kind === "flag" ? `--${flagName(key)}` : `--${flagName(key)} ${spec.value}`;
  const option = new Option(flags, spec.description);
  if (spec.kind === "list") option.argParser((value: string, previous: string[] = []) => [...previous, value]);
  if (spec.kind === "value" && spec.choices) option.choices(spec.choices);
  if (spec.kind === "value" && spec.default !== undefined) option.default(spec.default);
  command.addOption(option);
}

/**
 * The commands argv may run (`dj codecs check …`, `dj help codecs check`): only these get their
 * options declared, because building every command's options cost more than parsing them. The
 * help lists of the others take `[options]` from the table instead (subcommandTerm below).
 */
function invokedCommands(argv: string[]): Set<CommandName> {
  const { words } = commandWords(argv);
  const names = (Object.keys(COMMANDS) as CommandName[]).filter((name) => COMMANDS[name].words.every((w, i) => words[i] === w));
  return new Set(names);
}

export function buildProgram(state: RunState, argv: string[] = []): Command {
  const program = new Command("dj");
  const invoked = invokedCommands(argv);
  // Set before any subcommand is added: subcommands copy these settings when created.
  // Commander's own error lines are replaced by dj's (cli.ts renderUsageError); in --json mode
  // nothing of commander's reaches stderr and its help text goes to stdout only when asked for.
  program.configureOutput({
    writeErr: state.globals.json ? () => {} : (s) => stderr.write(s),
    writeOut: (s) => stdout.write(s),
    outputError: () => {},
    // Commander would ask process.stdout and process.stderr, creating them (ui/stdio.ts).
    getOutHelpWidth: () => stdout.columns ?? 80,
    getErrHelpWidth: () => stderr.columns ?? 80,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  });
  // A command's line in a help list, as commander writes it, whether or not its options were declared.
  const specOf = new Map<Command, (typeof COMMANDS)[CommandName]>();
  program.configureHelp({
    subcommandTerm(cmd) {
      const term = Help.prototype.subcommandTerm.call(this, cmd);
      const spec = specOf.get(cmd);
      const declared = spec && "options" in spec && Object.keys(spec.options ?? {}).length > 0;
      return declared && cmd.options.length === 0 ? cmd.name() + " [options]" + term.slice(cmd.name().length) : term;
    },
  });
  program
    .description("Manage DataJoint schemas, object stores and codecs from the shell")
    .version(djPackage().version, "--version", "print the dj version")
    .option("--config <path>", "use this config file (or set DJ_CONFIG)")
    .option("--json", "print exactly one JSON document on stdout", false)
    .option("-v, --verbose", "stack traces, SQL and store calls on stderr", false)
    .option("-q, --quiet", "no messages or progress on stderr", false)
    .option("--no-color", "no ANSI colours (also NO_COLOR)")
    .exitOverride();

  const groups = new Map<string, Command>();
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    const spec = COMMANDS[name];
    let parent = program;
    for (const word of spec.words.slice(0, -1)) {
      let group = groups.get(word);
      if (!group) {
        group = program.command(word).description(GROUPS[word] ?? "");
        groups.set(word, group);
      }
      parent = group;
    }
    const command = parent.command(spec.words[spec.words.length - 1]!).description(spec.description);
    for (const [form, description] of "args" in spec ? spec.args : []) command.argument(form, description);
    specOf.set(command, spec);
    if (invoked.has(name)) for (const [key, option] of Object.entries("options" in spec ? spec.options : {}) as [string, OptionSpec][]) addOption(command, key, option);
    command.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      const positional = actionArgs.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [a])) as string[];
      state.globals = globalsFrom(self.optsWithGlobals());
      state.out = new Output(state.globals);
      const ctx: CommandContext = { out: state.out, globals: state.globals, cwd: process.cwd() };
      const opts = self.opts();
      // Every --schema flag passes the one schema-name rule before any file or SQL is made.
      if (opts.schema !== undefined) {
        const { assertSchemaName } = await import("../schema/schema-name.js");
        for (const s of [opts.schema].flat()) assertSchemaName(String(s), "--schema");
      }
      const run = (await HANDLERS[name]()) as Handler<CommandName>;
      state.outcome = await run(ctx, positional, opts as never);
    });
  }
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
export function globalsFromArgv(argv: string[]): GlobalOptions {
  return {
    json: argv.includes("--json"),
    verbose: argv.includes("-v") || argv.includes("--verbose") || process.env.DJ_DEBUG === "1",
    quiet: argv.includes("-q") || argv.includes("--quiet"),
    color: !argv.includes("--no-color"),
  };
}

/** The command words of argv (`["codecs", "check"]`), as far as they name known commands. */
export function commandPath(program: Command, argv: string[]): string[] {
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
