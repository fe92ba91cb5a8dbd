/**
 * The one place commands write to the terminal. Results go to stdout; messages, warnings and
 * progress go to stderr. In `--json` mode exactly one JSON document is printed on stdout.
 * Every string passes through `redact()` so a configured secret can never be printed.
 */
import { redact } from "./redact.js";
import { stderr, stdout } from "./stdio.js";

export interface GlobalOptions {
  config?: string;
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  color: boolean;
}

export class Output {
  constructor(readonly globals: GlobalOptions) {}

  get json(): boolean {
    return this.globals.json;
  }

  /** True when progress may be drawn: stderr is a TTY and not --quiet/--json. */
  get interactive(): boolean {
    return stderr.isTTY && !this.globals.quiet && !this.globals.json;
  }

  get color(): boolean {
    return this.globals.color && !process.env.NO_COLOR && stdout.isTTY;
  }

  /** A line of the result (stdout). Ignored in --json mode, where `data()` is used. */
  line(text = ""): void {
    if (!this.globals.json) stdout.write(redact(text) + "\n");
  }

  private document: object | undefined;

  /**
   * The result document of a --json run. Kept, not printed: cli.ts prints it once the command
   * is done — alone, or with the `error` member when the command failed — so a run can never
   * print two documents.
   */
  data(value: object): void {
    if (this.document !== undefined) throw new Error("a command set two --json documents");
    this.document = value;
  }

  /** The document set with `data()`, for cli.ts to print (once). */
  takeDocument(): object | undefined {
    const document = this.document;
    this.document = undefined;
    return document;
  }

  /** A message to the user on stderr (suppressed by --quiet and --json). */
  info(text: string): void {
    if (!this.globals.quiet && !this.globals.json) stderr.write(redact(text) + "\n");
  }

  warn(text: string): void {
    if (!this.globals.quiet) stderr.write(redact(`dj: warning: ${text}`) + "\n");
  }

  /** --verbose diagnostics: SQL, store calls. */
  debug(text: string): void {
    if (this.globals.verbose) stderr.write(redact(`[dj] ${text}`) + "\n");
  }
}

/** BigInt and typed arrays are not JSON; print them the way a user would read them. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return value;
}
