import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const insert: CommandHandler = async () => {
  throw new UsageError("dj data insert is not implemented yet");
};

export const fetch: CommandHandler = async () => {
  throw new UsageError("dj data fetch is not implemented yet");
};

export const remove: CommandHandler = async () => {
  throw new UsageError("dj data remove is not implemented yet");
};

