import type { CommandHandler } from "./context.js";
import { UsageError } from "../errors.js";

export const list: CommandHandler = async () => {
  throw new UsageError("dj schema list is not implemented yet");
};

export const create: CommandHandler = async () => {
  throw new UsageError("dj schema create is not implemented yet");
};

export const drop: CommandHandler = async () => {
  throw new UsageError("dj schema drop is not implemented yet");
};

