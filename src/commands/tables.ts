import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const tables: CommandHandler = async () => {
  throw new UsageError("dj tables tables is not implemented yet");
};

export const describe: CommandHandler = async () => {
  throw new UsageError("dj tables describe is not implemented yet");
};

export const drop: CommandHandler = async () => {
  throw new UsageError("dj tables drop is not implemented yet");
};

