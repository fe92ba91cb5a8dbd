import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const list: CommandHandler = async () => {
  throw new UsageError("dj codecs list is not implemented yet");
};

export const check: CommandHandler = async () => {
  throw new UsageError("dj codecs check is not implemented yet");
};

export const scaffold: CommandHandler = async () => {
  throw new UsageError("dj codecs scaffold is not implemented yet");
};

