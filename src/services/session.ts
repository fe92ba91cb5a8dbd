/**
 * What a service needs, opened once per command: the configuration, the database dialect (SQL
 * logged under --verbose) and the codec registry for the project. Commands never hold a
 * Session: they pass `SessionOptions` (where they run, which config, where --verbose goes) and
 * the service opens what it needs.
 */
import type { CodecRegistry } from "../codecs/registry.js";
import type { ResolvedConfig } from "../config/types.js";
import type { Dialect } from "../db/types.js";
import type { Heading } from "../schema/heading.js";

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

/** A session and the table a command names (`schema.Table`, `Table` with --schema or the config's). */
export async function openTable(opts: SessionOptions, ref: string, schema: string | undefined): Promise<{ session: Session; heading: Heading }> {
  const session = await openSession(opts);
  const { resolveTable } = await import("./table-ref.js");
  const heading = await resolveTable(ref, schema ?? session.config.schema, session.dialect.introspector);
  return { session, heading };
}
