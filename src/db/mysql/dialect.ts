/** The MySQL/MariaDB dialect: mysql2 driver, DataJoint's DDL, information_schema introspection. */
import type { DatabaseConfig, Timeouts, ValueSource } from "../../config/types.js";
import type { Dialect } from "../types.js";
import { MysqlCompiler, quoteIdent } from "./compiler.js";
import { MysqlDriver } from "./driver.js";
import { MysqlIntrospector } from "./introspector.js";

export async function createMysqlDialect(
  database: DatabaseConfig,
  sources: Record<string, ValueSource>,
  log: (sql: string) => void,
  timeouts?: Timeouts,
): Promise<Dialect> {
  const driver = await MysqlDriver.connect(database, sources, log, timeouts);
  return {
    name: "mysql",
    driver,
    compiler: new MysqlCompiler(),
    introspector: new MysqlIntrospector(driver),
    async dropSchema(schema) {
      await driver.query(`DROP DATABASE ${quoteIdent(schema)}`);
    },
    async version() {
      const { rows } = await driver.query<{ v: string }>("SELECT VERSION() AS v");
      return rows[0]?.v ?? "unknown";
    },
  };
}
