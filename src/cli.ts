/**
 * The entry point and the one place where errors become exit codes (and `--json` error
 * documents). The command table is commands/options.ts; commands/program.ts builds commander
 * from it and loads each handler lazily.
 *
 * `--json` prints exactly one document: the command's result; or, when it failed, the error
 * `{"error": {code, message, hint?, exit}}` — and when a command finished with a failed outcome
 * (a check or an audit that found problems), its result document with that `error` member added.
 */
import { CommanderError } from "commander";
import { ExitCode, codeOf, exitCodeOf, isDjError } from "./errors.js";
import { buildProgram, commandPath, globalsFromArgv, type RunState } from "./commands/program.js";
import type { GlobalOptions } from "./ui/output.js";
import { jsonReplacer } from "./ui/output.js";
import { redact } from "./ui/redact.js";
import { closeAll, installInterruptHandlers, interruptSettled, interruptedBy } from "./lifecycle.js";
import { finishCommand, stderr, stdout } from "./ui/stdio.js";

export async function runCli(argv: string[]): Promise<number> {
  return finishCommand(await runCommand(argv));
}

async function runCommand(argv: string[]): Promise<number> {
  const state: RunState = { globals: globalsFromArgv(argv), outcome: undefined };
  installInterruptHandlers();
  const program = buildProgram(state, argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    if (interruptedBy()) await interruptSettled();
    if (state.outcome) return renderError(state.outcome.failed, state.globals, state.out?.takeDocument());
    return writeDocument(state.out?.takeDocument()) ?? ExitCode.ok;
  } catch (err) {
    // Interrupted: the failure is the interrupt's doing; its handler prints one line and exits.
    if (interruptedBy()) await interruptSettled();
    if (err instanceof CommanderError) return renderUsageError(err, commandPath(program, argv), state.globals);
    // A result set before the failure is part of the one document (see the header).
    return renderError(err, state.globals, state.out?.takeDocument());
  } finally {
    await closeAll();
  }
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
  if (globals.json) return writeDocument({ error: jsonError("usage", message, ExitCode.usage, hint) }) ?? ExitCode.usage;
  else if (err.code !== "commander.help") stderr.write(`dj: ${message}\n  hint: ${hint}\n`);
  return ExitCode.usage;
}

function renderError(err: unknown, globals: GlobalOptions, result?: object): number {
  if (isDjError(err)) {
    const exit = exitCodeOf(err);
    if (globals.json) {
      // Where stdout cannot take the document, stderr has said why; the command's own error follows.
      if (writeDocument({ ...result, error: jsonError(codeOf(err), err.message, exit, err.hint) }) !== undefined) stderr.write(redact(`dj: ${err.message}\n`));
    } else {
      stderr.write(redact(`dj: ${err.message}\n`));
      if (err.hint) stderr.write(redact(`  hint: ${err.hint}\n`));
    }
    if (globals.verbose && err.stack) stderr.write(redact(formatStack(err)) + "\n");
    return exit;
  }
  // Anything else is a bug in dj: say so, with the stack, and ask for a report.
  const e = err instanceof Error ? err : new Error(String(err));
  if (globals.json) {
    writeDocument({ ...result, error: jsonError("internal", e.message, ExitCode.internal, "this is a bug in dj; please report it with the output of --verbose") });
  }
  stderr.write(redact(`dj: internal error: ${e.message}\n${formatStack(e)}\n`));
  stderr.write("  hint: this is a bug in dj; please report it with this output and the command that caused it\n");
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

function jsonError(code: string, message: string, exit: number, hint?: string): Record<string, unknown> {
  return { code, message, ...(hint ? { hint } : {}), exit };
}

/**
 * The one JSON document of a --json run (nothing when the command printed text). A lone error is
 * one line. When stdout cannot take it (a full disk), the failure is said on stderr and its exit
 * code (5) returned; what the disk took of the document stays, and no second document follows.
 */
function writeDocument(document: object | undefined): number | undefined {
  if (document === undefined) return undefined;
  const alone = Object.keys(document).length === 1 && "error" in document;
  try {
    stdout.write(redact(JSON.stringify(document, jsonReplacer, alone ? undefined : 2)) + "\n");
    return undefined;
  } catch (err) {
    if (!isDjError(err)) throw err;
    stderr.write(redact(`dj: ${err.message}\n`));
    return exitCodeOf(err);
  }
}
