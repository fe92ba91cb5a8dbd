/** The PostgreSQL dialect: node-postgres driver, DataJoint's PostgreSQL DDL, pg_catalog introspection. */
import type { DatabaseConfig, Timeouts, ValueSource } from "../../config/types.js";
import type { Dialect } from "../types.js";
import { PostgresCompiler } from "./compiler.js";
import { PostgresDriver } from "./driver.js";
import { PostgresIntrospector } from "./introspector.js";
import { dropPostgresSchema } from "./schema-drop.js";

export async function createPostgresDialect(
  database: DatabaseConfig,
  sources: Record<string, ValueSource>,
  log: (sql: string) => void,
  timeouts?: Timeouts,
): Promise<Dialect> {
  const driver = await PostgresDriver.connect(database, sources, log, timeouts);
  return {
    name: "postgresql",
    driver,
    compiler: new PostgresCompiler(),
    introspector: new PostgresIntrospector(driver),
    dropSchema: (schema) => dropPostgresSchema(driver, schema),
    async version() {
      const { rows } = await driver.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      return `PostgreSQL ${rows[0]?.v ?? "unknown"}`;
    },
  };
}
