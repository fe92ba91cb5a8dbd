/**
 * Throwaway schemas on the test PostgreSQL (127.0.0.1:5432, trust, user postgres unless
 * DJ_TEST_PG_*), and a `pg` client for assertions that read the server's own catalog.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const pgConfig = {
  host: process.env.DJ_TEST_PG_HOST ?? "127.0.0.1",
  port: Number(process.env.DJ_TEST_PG_PORT ?? 5432),
  user: process.env.DJ_TEST_PG_USER ?? "postgres",
  password: process.env.DJ_TEST_PG_PASS ?? "",
  database: process.env.DJ_TEST_PG_DATABASE ?? "postgres",
};

/** The `database` section a test project's dj.config.json uses for PostgreSQL. */
export const pgDatabaseSection: Record<string, unknown> = {
  backend: "postgresql",
  host: pgConfig.host,
  port: pgConfig.port,
  user: pgConfig.user,
  ...(pgConfig.password ? { password: pgConfig.password } : {}),
  ...(pgConfig.database !== "postgres" ? { name: pgConfig.database } : {}),
};

export function pgSchemaName(label: string): string {
  return `djtest_${label}_${randomBytes(4).toString("hex")}`;
}

/** A client whose values come back as text where dj's tests compare text (dates, timestamps, json). */
export async function pgConnect(): Promise<pg.Client> {
  const client = new pg.Client({
    ...pgConfig,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        [1082, 1114, 1184, 114, 3802].includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  await client.connect();
  return client;
}

export async function pgDropSchemas(client: pg.Client, ...names: string[]): Promise<void> {
  for (const n of names) await client.query(`DROP SCHEMA IF EXISTS "${n.replace(/"/g, '""')}" CASCADE`);
}
