/** `dj config show [--sources]` and `dj config validate`. */
import { ConfigError } from "../errors.js";
import type { CommandHandler } from "./context.js";

export const show: CommandHandler = async (ctx, _args, opts) => {
  const { loadConfig } = await import("../config/load.js");
  const { displayConfig } = await import("../config/mask.js");
  const config = await loadConfig({ cwd: ctx.cwd, configPath: ctx.globals.config });
  const shown = displayConfig(config);
  if (opts.sources) shown.sources = config.sources;
  if (ctx.out.json) return ctx.out.data(shown);
  ctx.out.line(JSON.stringify(shown, null, 2));
};

export const validate: CommandHandler = async (ctx) => {
  const { resolveConfig } = await import("../config/load.js");
  const { config, problems } = await resolveConfig({ cwd: ctx.cwd, configPath: ctx.globals.config });
  const file = config.file ?? "(no config file found; defaults and environment)";
  if (ctx.out.json) {
    ctx.out.data({ file: config.file, valid: problems.length === 0, problems });
    return problems.length ? 3 : 0;
  }
  if (problems.length === 0) {
    ctx.out.line(`${file}: valid`);
    return 0;
  }
  for (const p of problems) process.stderr.write(`${file}: ${p.path}: ${p.message}\n`);
  throw new ConfigError(`${problems.length} problem${problems.length > 1 ? "s" : ""} in ${file}`, { code: "config.invalid" });
};
