/**
 * "No config was found" for commands that need a database or a store. Without a config file
 * dj would otherwise open an embedded database in whatever folder the user happens to be in
 * (and create `.dj/` there), or say "no stores configured" without saying why. A database or
 * stores given by the environment (DJ_HOST, DJ_STORES) count as configured.
 */
import { ConfigError } from "../errors.js";
import type { ResolvedConfig } from "../config/types.js";

export type Need = "database" | "store";

/** The error for a command that needs `need` when nothing configures it; null when configured. */
export function notConfigured(config: ResolvedConfig, need: Need, cwd: string): ConfigError | null {
  if (config.file !== null) return null;
  if (need === "database" && config.database !== null) return null;
  if (need === "store" && Object.keys(config.stores.specs).length > 0) return null;
  return new ConfigError(`no config file found (dj.config.json or datajoint.json in ${cwd} or a folder above it), so there is no ${need} to use`, {
    hint: "`dj init` writes a starter dj.config.json here (an embedded database and a file store); or name one with --config or DJ_CONFIG",
    code: "config.none",
  });
}

export function requireConfigured(config: ResolvedConfig, need: Need, cwd: string): void {
  const err = notConfigured(config, need, cwd);
  if (err) throw err;
}
