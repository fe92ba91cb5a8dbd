/**
 * `openDialect(config)`: the database the config names — MySQL/MariaDB or PostgreSQL from `database`, or the
 * embedded database when there is no `database` section. One per process, closed on exit.
 */
import type { ResolvedConfig } from "../config/types.js";
import { onClose } from "../lifecycle.js";
import type { Dialect } from "./types.js";

const cache = new Map<string, Promise<Dialect>>();

export interface OpenOptions {
  /** Called with every SQL statement (for --verbose). */
  log?: (sql: string) => void;
}

export function openDialect(config: ResolvedConfig, opts: OpenOptions = {}): Promise<Dialect> {
  const key = config.file ?? config.baseDir;
  let pending = cache.get(key);
  if (!pending) {
    pending = open(config, opts);
    pending.then(
      (d) => onClose(() => d.driver.close()),
      () => cache.delete(key),
    );
    cache.set(key, pending);
  }
  return pending;
}

async function open(config: ResolvedConfig, opts: OpenOptions): Promise<Dialect> {
  const log = opts.log ?? (() => {});
  const db = config.database;
  if (db === null || db.backend === "sqlite") {
    const { createEmbeddedDialect } = await import("./embedded/dialect.js");
    return createEmbeddedDialect(config, log);
  }
  if (db.backend === "postgresql") {
    const { createPostgresDialect } = await import("./postgres/dialect.js");
    return createPostgresDialect(db, config.sources, log, config.timeouts);
  }
  const { createMysqlDialect } = await import("./mysql/dialect.js");
  return createMysqlDialect(db, config.sources, log, config.timeouts);
}
