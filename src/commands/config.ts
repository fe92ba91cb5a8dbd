import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const show: CommandHandler = async () => {
  throw new UsageError("dj config show is not implemented yet");
};

export const validate: CommandHandler = async () => {
  throw new UsageError("dj config validate is not implemented yet");
};

