import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const declare: CommandHandler = async () => {
  throw new UsageError("dj declare declare is not implemented yet");
};

