/** The embedded database (SQLite in `.dj/dj.sqlite`). */
import type { ResolvedConfig } from "../../config/types.js";
import { ConfigError } from "../../errors.js";
import type { Dialect } from "../types.js";

export async function createEmbeddedDialect(config: ResolvedConfig, _log: (sql: string) => void): Promise<Dialect> {
  throw new ConfigError(`no "database" section in ${config.file ?? "the configuration"}, and the embedded database is not available in this version`, {
    hint: 'add a "database" section for a MySQL/MariaDB server, e.g. {"database": {"host": "127.0.0.1", "user": "root"}}',
    code: "config.database",
  });
}
