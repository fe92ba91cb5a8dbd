/** `dj config validate`: every problem of the configuration, and store names that share a location. */
import type { Problem as ConfigProblem } from "../config/stores.js";
import { ConfigError, isDjError } from "../errors.js";
import type { SessionOptions } from "./session.js";

export interface ConfigValidation {
  file: string | null;
  problems: ConfigProblem[];
  /** Store names for one location (allowed; gc collects them as one store). */
  shared: Array<{ stores: string[]; roots: string[] }>;
}

/** A hint that says to run `dj config validate` is no help from `dj config validate` itself. */
function withoutSelfAdvice(err: unknown): unknown {
  if (!isDjError(err, "config") || !err.hint?.includes("dj config validate")) return err;
  const hint = err.hint.replace(/;?\s*(run )?`dj config validate`[^;]*/g, "").trim() || undefined;
  return new ConfigError(err.message, { hint, code: err.code, cause: err.cause });
}

export async function validateConfig(opts: SessionOptions): Promise<ConfigValidation> {
  const { resolveConfig } = await import("../config/load.js");
  const { config, problems } = await resolveConfig({ cwd: opts.cwd, configPath: opts.configPath }).catch((err) => {
    throw withoutSelfAdvice(err);
  });
  const { overlappingGroups } = await import("../stores/location.js");
  const shared = problems.length ? [] : await overlappingGroups(config);
  return { file: config.file, problems, shared };
}
