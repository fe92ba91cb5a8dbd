/**
 * The embedded database, used when the config has no `database` section (or `"backend":
 * "sqlite"`): SQLite files in `.dj/` beside the config file, one per schema.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedConfig } from "../../config/types.js";
import type { Dialect } from "../types.js";
import { SqliteCompiler } from "./compiler.js";
import { SqliteDriver } from "./driver.js";
import { SqliteIntrospector } from "./introspector.js";

export async function createEmbeddedDialect(config: ResolvedConfig, log: (sql: string) => void): Promise<Dialect> {
  const driver = new SqliteDriver(join(config.baseDir, ".dj"), log);
  return {
    name: "sqlite",
    driver,
    compiler: new SqliteCompiler((schema) => driver.schemaFile(schema)),
    introspector: new SqliteIntrospector(driver),
    async version() {
      const { rows } = await driver.query<{ v: string }>("SELECT sqlite_version() AS v");
      return `SQLite ${rows[0]?.v ?? "?"} (embedded, ${driver.dir})`;
    },
    async dropSchema(schema) {
      driver.detach(schema);
      for (const suffix of ["", "-wal", "-shm", "-journal"]) await rm(driver.schemaFile(schema) + suffix, { force: true });
    },
  };
}
