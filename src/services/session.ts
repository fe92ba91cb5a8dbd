/**
 * What a data command needs, opened once: the configuration, the database dialect (SQL logged
 * under --verbose) and the codec registry for the project.
 */
import type { CodecRegistry } from "../codecs/registry.js";
import type { ResolvedConfig } from "../config/types.js";
import type { Dialect } from "../db/types.js";

export interface Session {
  config: ResolvedConfig;
  dialect: Dialect;
  registry: CodecRegistry;
}

export interface SessionOptions {
  cwd: string;
  configPath?: string;
  log?: (line: string) => void;
}

export async function loadSessionConfig(opts: SessionOptions): Promise<ResolvedConfig> {
  const { loadConfig } = await import("../config/load.js");
  return loadConfig({ cwd: opts.cwd, configPath: opts.configPath });
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  const config = await loadSessionConfig(opts);
  const { requireConfigured } = await import("./configured.js");
  requireConfigured(config, "database", opts.cwd);
  const { openDialect } = await import("../db/open.js");
  const { loadRegistry } = await import("../codecs/registry.js");
  const dialect = await openDialect(config, { log: (sql) => opts.log?.(`sql: ${sql}`) });
  return { config, dialect, registry: loadRegistry({ projectDir: config.baseDir }) };
}

/** The schema a command works on: --schema, else the config's `schema`. */
export function schemaOf(config: ResolvedConfig, explicit: string | undefined): string | null {
  return explicit ?? config.schema;
}
