import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const init: CommandHandler = async () => {
  throw new UsageError("dj init init is not implemented yet");
};

