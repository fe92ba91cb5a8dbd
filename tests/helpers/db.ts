/** Throwaway schemas on the test MariaDB (127.0.0.1:3306, root, no password unless DJ_TEST_DB_*). */
import { randomBytes } from "node:crypto";
import { createConnection, type Connection } from "mysql2/promise";

export const dbConfig = {
  host: process.env.DJ_TEST_DB_HOST ?? "127.0.0.1",
  port: Number(process.env.DJ_TEST_DB_PORT ?? 3306),
  user: process.env.DJ_TEST_DB_USER ?? "root",
  password: process.env.DJ_TEST_DB_PASS ?? "",
};

/** The `database` section a test project's dj.config.json uses. */
export const databaseSection = { host: `${dbConfig.host}:${dbConfig.port}`, user: dbConfig.user, password: dbConfig.password };

export function schemaName(label: string): string {
  return `djtest_${label}_${randomBytes(4).toString("hex")}`;
}

export async function connect(): Promise<Connection> {
  return createConnection({ ...dbConfig, multipleStatements: false, dateStrings: true });
}

export async function dropSchemas(conn: Connection, ...names: string[]): Promise<void> {
  for (const n of names) await conn.query(`DROP DATABASE IF EXISTS \`${n}\``);
}

/** SHOW CREATE TABLE text for every table of a schema, keyed by table name. */
export async function showCreateTables(conn: Connection, schema: string): Promise<Record<string, string>> {
  const [tables] = await conn.query<any[]>("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", [schema]);
  const out: Record<string, string> = {};
  for (const t of tables) {
    const [rows] = await conn.query<any[]>(`SHOW CREATE TABLE \`${schema}\`.\`${t.TABLE_NAME}\``);
    out[t.TABLE_NAME] = rows[0]["Create Table"];
  }
  return out;
}
