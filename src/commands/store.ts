import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const list: CommandHandler = async () => {
  throw new UsageError("dj store list is not implemented yet");
};

export const check: CommandHandler = async () => {
  throw new UsageError("dj store check is not implemented yet");
};

export const ls: CommandHandler = async () => {
  throw new UsageError("dj store ls is not implemented yet");
};

export const gc: CommandHandler = async () => {
  throw new UsageError("dj store gc is not implemented yet");
};

