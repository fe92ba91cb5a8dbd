/** `dj config show [--sources]` and `dj config validate`. */
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import type { ResolvedConfig } from "../config/types.js";
import { plural } from "../ui/plural.js";
import { failed } from "./context.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";
import { stderr } from "../ui/stdio.js";

/** The embedded database as it really is on disk: its folder, one SQLite file per schema. */
function embeddedDatabase(config: ResolvedConfig): Record<string, unknown> | null {
  if (config.database !== null && config.database.backend !== "sqlite") return null;
  return { backend: "embedded", path: join(config.baseDir, ".dj"), files: "one <schema>.sqlite per schema" };
}

export const show: Handler<"config show"> = async (ctx, _args, opts) => {
  const { loadConfig } = await import("../config/load.js");
  const { displayConfig } = await import("../config/mask.js");
  const config = await loadConfig({ cwd: ctx.cwd, configPath: ctx.globals.config });
  const shown = displayConfig(config);
  shown.database = embeddedDatabase(config) ?? shown.database;
  if (opts.sources) shown.sources = config.sources;
  if (ctx.out.json) return ctx.out.data(shown);
  ctx.out.line(JSON.stringify(shown, null, 2));
};

export const validate: Handler<"config validate"> = async (ctx) => {
  const { validateConfig } = await import("../services/config-check.js");
  const { file: path, problems, shared } = await validateConfig(where(ctx));
  const file = path ?? "(no config file found; defaults and environment)";
  const invalid = () => failed(new ConfigError(`${plural(problems.length, "problem")} in ${file}`, { code: "config.invalid" }));
  if (ctx.out.json) {
    ctx.out.data({ file: path, valid: problems.length === 0, problems, shared_locations: shared });
    return problems.length ? invalid() : undefined;
  }
  if (problems.length === 0) {
    ctx.out.line(`${file}: valid`);
    // Store names for one location are allowed, but gc must treat them as one store: say so.
    for (const g of shared) ctx.out.info(`note: stores ${g.stores.join(", ")} share one location (${g.roots.join(" ⊇ ")}); dj gc collects them as one store`);
    return;
  }
  for (const p of problems) stderr.write(`${file}: ${p.path}: ${p.message}\n`);
  return invalid();
};
