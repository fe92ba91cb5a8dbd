/**
 * What every command handler receives. Handlers parse and resolve options, call services and
 * render; they never talk SQL or S3 directly (architecture.md).
 */
import type { GlobalOptions, Output } from "../ui/output.js";

export interface CommandContext {
  out: Output;
  globals: GlobalOptions;
  cwd: string;
}

/** A command returns its exit code (default 0). Failures are thrown as DjError values. */
export type CommandHandler = (
  ctx: CommandContext,
  args: string[],
  opts: Record<string, any>,
) => Promise<number | void>;
