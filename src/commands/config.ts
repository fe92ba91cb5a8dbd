/** `dj config show [--sources]` and `dj config validate`. */
import { join } from "node:path";
import { ConfigError, isDjError } from "../errors.js";
import type { ResolvedConfig } from "../config/types.js";
import { plural } from "../ui/plural.js";
import type { CommandHandler } from "./context.js";

/** The embedded database as it really is on disk: its folder, one SQLite file per schema. */
function embeddedDatabase(config: ResolvedConfig): Record<string, unknown> | null {
  if (config.database !== null && config.database.backend !== "sqlite") return null;
  return { backend: "embedded", path: join(config.baseDir, ".dj"), files: "one <schema>.sqlite per schema" };
}

export const show: CommandHandler = async (ctx, _args, opts) => {
  const { loadConfig } = await import("../config/load.js");
  const { displayConfig } = await import("../config/mask.js");
  const config = await loadConfig({ cwd: ctx.cwd, configPath: ctx.globals.config });
  const shown = displayConfig(config);
  shown.database = embeddedDatabase(config) ?? shown.database;
  if (opts.sources) shown.sources = config.sources;
  if (ctx.out.json) return ctx.out.data(shown);
  ctx.out.line(JSON.stringify(shown, null, 2));
};

/** A hint that says to run `dj config validate` is no help from `dj config validate` itself. */
function withoutSelfAdvice(err: unknown): unknown {
  if (!isDjError(err, "config") || !err.hint?.includes("dj config validate")) return err;
  const hint = err.hint.replace(/;?\s*(run )?`dj config validate`[^;]*/g, "").trim() || undefined;
  return new ConfigError(err.message, { hint, code: err.code, cause: err.cause });
}

export const validate: CommandHandler = async (ctx) => {
  const { resolveConfig } = await import("../config/load.js");
  const { config, problems } = await resolveConfig({ cwd: ctx.cwd, configPath: ctx.globals.config }).catch((err) => {
    throw withoutSelfAdvice(err);
  });
  const file = config.file ?? "(no config file found; defaults and environment)";
  // Store names for one location are allowed, but gc must treat them as one store: say so.
  const { overlappingGroups } = await import("../stores/location.js");
  const shared = problems.length ? [] : await overlappingGroups(config);
  const notes = shared.map((g) => `stores ${g.stores.join(", ")} share one location (${g.roots.join(" ⊇ ")}); dj gc collects them as one store`);
  if (ctx.out.json) {
    ctx.out.data({ file: config.file, valid: problems.length === 0, problems, shared_locations: shared });
    return problems.length ? 3 : 0;
  }
  if (problems.length === 0) {
    ctx.out.line(`${file}: valid`);
    for (const n of notes) ctx.out.info(`note: ${n}`);
    return 0;
  }
  for (const p of problems) process.stderr.write(`${file}: ${p.path}: ${p.message}\n`);
  throw new ConfigError(`${plural(problems.length, "problem")} in ${file}`, { code: "config.invalid" });
};
