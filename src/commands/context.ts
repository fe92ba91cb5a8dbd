/**
 * What every command handler receives, and what it hands back. Handlers parse and check options,
 * call one service and render its plain result; they never talk SQL or S3 (docs/architecture.md).
 */
import type { DjError } from "../errors.js";
import type { GlobalOptions, Output } from "../ui/output.js";

export interface CommandContext {
  out: Output;
  globals: GlobalOptions;
  cwd: string;
}

/**
 * A command that ran to the end but found problems (a failed check, an audit with findings):
 * its report is rendered (text lines, or the `--json` document set with `out.data`) and then
 * cli.ts reports `failed` — in `--json` as the `error` member of that same document — and exits
 * with the code of its kind. Every other failure is thrown.
 */
export interface Failed {
  failed: DjError;
}

/** What a handler returns: nothing when it succeeded, else a failed outcome. */
export type Outcome = void | Failed;

export function failed(error: DjError): Failed {
  return { failed: error };
}
