/** `dj codecs new NAME`: scaffold a codec plugin package. */
import { UsageError } from "../errors.js";
import type { CommandContext } from "../commands/context.js";

export async function scaffoldPlugin(_ctx: CommandContext, _name: string, _dir?: string): Promise<void> {
  throw new UsageError("dj codecs new is not available yet");
}
