/** What a command tells a service about where it runs: the folder, the config, the --verbose log. */
import type { SessionOptions } from "../services/session.js";
import type { CommandContext } from "./context.js";

export function where(ctx: CommandContext): SessionOptions {
  return { cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) };
}
