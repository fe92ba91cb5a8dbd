/**
 * The three dialects a suite can run over, each with the `database` section of a test project's
 * dj.config.json (null: the embedded database) and the cleanup of a throwaway schema:
 *
 *   for (const dialect of dialects) describe(`… on ${dialect.name}`, () => { … });
 *
 * `dropSchema` opens its own connection, so a suite needs nothing dialect-specific itself.
 */
import { connect, databaseSection, dropSchemas } from "./db.js";
import { pgConnect, pgDatabaseSection, pgDropSchemas } from "./pg.js";

export interface TestDialect {
  name: "embedded" | "mariadb" | "postgresql";
  /** The config's `database` section, or null for none (the embedded database lives in the project). */
  database: Record<string, unknown> | null;
  /** Remove throwaway schemas (the embedded ones go with the project folder). */
  dropSchemas(...names: string[]): Promise<void>;
}

export const embedded: TestDialect = { name: "embedded", database: null, dropSchemas: async () => {} };

export const mariadb: TestDialect = {
  name: "mariadb",
  database: databaseSection,
  async dropSchemas(...names) {
    const conn = await connect();
    try {
      await dropSchemas(conn, ...names);
    } finally {
      await conn.end();
    }
  },
};

export const postgresql: TestDialect = {
  name: "postgresql",
  database: pgDatabaseSection,
  async dropSchemas(...names) {
    const client = await pgConnect();
    try {
      await pgDropSchemas(client, ...names);
    } finally {
      await client.end();
    }
  },
};

export const dialects: TestDialect[] = [embedded, mariadb, postgresql];

/** A project config for `dialect`, with the extra top-level sections given (stores, …). */
export function configFor(dialect: TestDialect, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return dialect.database ? { database: dialect.database, ...extra } : { ...extra };
}
