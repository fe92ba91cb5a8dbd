/**
 * A rival transaction on a database server: it inserts a row and holds it uncommitted, so a dj
 * insert of the same key blocks inside its own transaction (the server makes it wait on the
 * unique index). `waitUntilBlocked` watches the server's own lock tables from a second
 * connection until dj's statement waits on the rival: "dj is inside its transaction" is then an
 * observed fact, not a guess from a sleep. Then the test kills dj, or commits/rolls back the
 * rival to decide the race.
 */
import type { Connection } from "mysql2/promise";
import type pg from "pg";
import { connect } from "./db.js";
import type { TestDialect } from "./dialects.js";
import { pgConnect } from "./pg.js";
import type { RunningDj } from "./race.js";

export interface Rival {
  /** Begin a transaction and insert `columns` into `schema`.`table`, uncommitted. */
  hold(schema: string, table: string, columns: Record<string, unknown>): Promise<void>;
  /** Resolves once a statement of another session waits on the rival's lock; rejects if dj ends first. */
  waitUntilBlocked(running: RunningDj): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

async function pollUntil(check: () => Promise<boolean>, running: RunningDj): Promise<void> {
  let ended = false;
  void running.done.then(() => (ended = true));
  for (;;) {
    if (await check()) return;
    if (ended) throw new Error(`dj ended before it waited on the rival row: ${running.stderr()}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function mariadbRival(): Rival {
  let conn: Connection;
  let watcher: Connection;
  let waitingOn: RegExp;
  return {
    async hold(schema, table, columns) {
      [conn, watcher] = await Promise.all([connect(), connect()]);
      // A wait on this table's primary key: only dj's insert can wait there (the schema is this test's own).
      waitingOn = new RegExp(`TRX HAS BEEN WAITING .* FOR THIS LOCK TO BE GRANTED:\\n.* index PRIMARY of table \`${schema}\`\\.\`${table}\``);
      await conn.query("START TRANSACTION");
      const names = Object.keys(columns);
      await conn.query(`INSERT INTO \`${schema}\`.\`${table}\` (${names.map((n) => `\`${n}\``).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`, Object.values(columns));
    },
    // Not information_schema.INNODB_LOCK_WAITS: InnoDB serves it from a cache it refreshes only
    // after 100 ms without a read, so a watcher polling it back to back never saw the wait here.
    // The monitor's text is built at each call.
    waitUntilBlocked: (running) =>
      pollUntil(async () => {
        const [rows] = await watcher.query<any[]>("SHOW ENGINE INNODB STATUS");
        return waitingOn.test(rows[0].Status as string);
      }, running),
    commit: async () => void (await conn.query("COMMIT")),
    rollback: async () => void (await conn.query("ROLLBACK")),
    async close() {
      await Promise.all([conn?.end(), watcher?.end()]);
    },
  };
}

function postgresRival(): Rival {
  let client: pg.Client;
  let watcher: pg.Client;
  let backend = 0;
  return {
    async hold(schema, table, columns) {
      [client, watcher] = await Promise.all([pgConnect(), pgConnect()]);
      backend = Number((await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
      await client.query("BEGIN");
      const names = Object.keys(columns);
      await client.query(`INSERT INTO "${schema}"."${table}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`, Object.values(columns));
    },
    // Outside a transaction, so each query sees the server's current activity (not a snapshot).
    waitUntilBlocked: (running) =>
      // dj's own INSERT, named by its application_name: no other session's wait may count.
      pollUntil(
        async () =>
          Number(
            (await watcher.query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) AND application_name = 'dj' AND query ILIKE 'INSERT%'", [backend])).rows[0].n,
          ) > 0,
        running,
      ),
    commit: async () => void (await client.query("COMMIT")),
    rollback: async () => void (await client.query("ROLLBACK")),
    async close() {
      await Promise.all([client?.end(), watcher?.end()]);
    },
  };
}

/** A rival for a server dialect (the embedded database has no concurrent sessions to hold a row). */
export function rivalFor(dialect: TestDialect): Rival {
  if (dialect.name === "mariadb") return mariadbRival();
  if (dialect.name === "postgresql") return postgresRival();
  throw new Error(`no rival transaction on the ${dialect.name} database`);
}
