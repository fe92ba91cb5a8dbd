/**
 * The MySQL/MariaDB driver over mysql2 (imported only here, lazily). One pool per process,
 * DataJoint's session sql_mode on every connection, every statement through `run()` so that
 * `--verbose` can log it and errors are translated in one place.
 *
 * Deadlines (config `timeouts`): connecting (TCP, TLS, handshake) within `connect`, and every
 * statement answered within `idle`. A connection that misses a deadline is destroyed, never put
 * back in the pool, so nothing waits behind it (closing included). Read-only statements outside
 * a transaction, and the first connection, are retried with backoff; nothing that writes is.
 */
import { isIP } from "node:net";
import type { Pool, PoolConnection } from "mysql2/promise";
import { DEFAULT_TIMEOUTS, seconds } from "../../config/timeouts.js";
import type { DatabaseConfig, Timeouts, ValueSource } from "../../config/types.js";
import { DatabaseError } from "../../errors.js";
import { attemptsOf, withRetry } from "../../retry.js";
import type { Connection, Driver, Param, QueryResult } from "../types.js";
import { markCommitError } from "../types.js";
import { translateMysqlError } from "./errors.js";
import { readGreeting, socketFor, type Greeting } from "./greeting.js";
import { withIdleDeadline } from "./idle-rows.js";
import { sslOptions, translateTlsError } from "./tls.js";

export const DATAJOINT_SQL_MODE = "NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY";

const READ_ONLY = /^\s*(SELECT|SHOW|DESCRIBE|EXPLAIN)\b/i;
// A missed deadline is not retried (the server that stalled once stalls again, and the wait
// would multiply); a reset or refused connection is.
const TRANSIENT = new Set(["ECONNRESET", "ECONNREFUSED", "PROTOCOL_CONNECTION_LOST", "EPIPE"]);
const isTransient = (err: unknown) => TRANSIENT.has((err as { code?: string }).code ?? "");
type CoreConnection = { query(options: { sql: string; timeout: number }, callback: (err: unknown) => void): void; destroy(): void };
const isStall = (err: unknown) => (err as { code?: string }).code === "PROTOCOL_SEQUENCE_TIMEOUT";

export class MysqlDriver {
  private stalled = false;
  /** The first refusal of DataJoint's session settings on a new connection (see connect()). */
  private sessionRefused: unknown = null;
  /** Per connection: settles when its `SET SESSION sql_mode` has been answered. */
  private readonly sessionReady = new WeakMap<object, Promise<void>>();
  /** Every connection the pool made, so closing can let go of those a frozen server never closes. */
  private readonly connections = new Set<{ destroy(): void }>();

  private constructor(
    private readonly pool: Pool,
    private readonly database: DatabaseConfig,
    private readonly sources: Record<string, ValueSource>,
    private readonly log: (sql: string) => void,
    private readonly timeouts: Timeouts,
  ) {}

  static async connect(
    database: DatabaseConfig,
    sources: Record<string, ValueSource>,
    log: (sql: string) => void,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
  ): Promise<MysqlDriver & Driver> {
    const mysql = await import("mysql2/promise");
    const make = (tls: DatabaseConfig["use_tls"], greeted?: Greeting) => {
      const ssl = sslOptions(tls);
      // The first connection takes the socket whose greeting was read; later ones open their own.
      let first = greeted;
      const stream = () => {
        const g = first;
        first = undefined;
        return g ? g.handOver() : socketFor(database.host, database.port);
      };
      const pool = mysql.createPool({
        ...((ssl?.verifyIdentity && isIP(database.host)) || greeted ? { stream } : {}),
        host: database.host,
        port: database.port,
        user: database.user ?? undefined,
        password: database.password ?? undefined,
        charset: "utf8mb4",
        connectionLimit: 4,
        connectTimeout: timeouts.connectMs,
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: false,
        // Affected rows count changed rows: `--skip-duplicates` (ON DUPLICATE KEY UPDATE k = k)
        // learns from it how many rows were really inserted.
        flags: ["-FOUND_ROWS"],
        ...(ssl ? { ssl } : {}),
      });
      const driver = new MysqlDriver(pool, database, sources, log, timeouts);
      pool.on("connection", (poolConn) => {
        // mysql2 hands the callback-style connection to this event, whatever the pool's flavour.
        const conn = poolConn as unknown as CoreConnection;
        driver.connections.add(conn);
        // Sent at once, with the statement deadline (a stall then shows in the next statement).
        // Any other refusal would leave the connection without DataJoint's strict rules: it is
        // kept, and statement() throws it before running anything on that connection.
        driver.sessionReady.set(
          conn,
          new Promise<void>((settled) =>
            conn.query({ sql: `SET SESSION sql_mode = '${DATAJOINT_SQL_MODE}'`, timeout: timeouts.idleMs }, (err) => {
              if (err && !isStall(err)) driver.sessionRefused ??= err;
              settled();
            }),
          ),
        );
      });
      return driver;
    };
    const where = `${database.host}:${database.port}`;
    const probe = async (driver: MysqlDriver) => {
      try {
        await withRetry(() => driver.statement(null, "SELECT 1", [], "connecting"), { retries: timeouts.retries }, isTransient);
      } catch (err) {
        await driver.close();
        throw err;
      }
    };
    const opened = async (driver: MysqlDriver) => {
      await probe(driver).catch((err) => {
        throw driver.translate(err, "connecting", where);
      });
      return driver as MysqlDriver & Driver;
    };
    // DataJoint: use_tls null tries TLS first and falls back; true or an object requires it;
    // false never. For null, the server's greeting tells first whether it offers TLS at all.
    if (database.use_tls !== null) return opened(make(database.use_tls));
    const greeted = await withRetry(() => readGreeting(database.host, database.port, timeouts.connectMs), { retries: timeouts.retries }, isTransient).catch(async (err) => {
      const unused = make(false);
      await unused.close();
      throw unused.translate(err, "connecting", where);
    });
    const driver = make(greeted.offersTls ? null : false, greeted);
    try {
      await probe(driver);
      return driver as MysqlDriver & Driver;
    } catch (err) {
      // Offered, but the TLS handshake failed: a plain connection, as DataJoint falls back.
      if (!greeted.offersTls || !/SSL|TLS/i.test((err as Error).message ?? "")) throw driver.translate(err, "connecting", where);
    }
    return opened(make(false));
  }

  /** One statement on `conn` (or a pooled connection), answered within the idle deadline. */
  private async statement<Row>(conn: PoolConnection | null, sql: string, params: Param[], op?: string): Promise<QueryResult<Row>> {
    this.log(sql);
    const target = conn ?? (await this.pool.getConnection());
    try {
      // The first statement on a connection waits for its session settings: a statement run
      // without DataJoint's strict sql_mode (an autocommitted DDL or write) cannot be undone.
      const core = (target as unknown as { connection?: object }).connection;
      const ready = core && this.sessionReady.get(core);
      if (ready) await ready;
      if (this.sessionRefused) throw this.sessionError();
      const [result] = await target.query({ sql, values: params, timeout: this.timeouts.idleMs });
      if (Array.isArray(result)) return { rows: result as Row[], affectedRows: 0 };
      return { rows: [], affectedRows: (result as { affectedRows?: number }).affectedRows ?? 0 };
    } catch (err) {
      if (isStall(err) || isTransient(err) || (err as { code?: string }).code === "ETIMEDOUT") {
        // The connection has a statement in flight that will never finish: it must not be reused.
        this.stalled ||= isStall(err);
        target.destroy();
      }
      (err as { $djOp?: string }).$djOp ??= op ?? sql.trim().split(/\s+/)[0]!.toUpperCase();
      throw err;
    } finally {
      // release() after destroy() is a no-op in mysql2 (the connection has left the pool).
      if (!conn) target.release();
    }
  }

  private translate(err: unknown, op: string | undefined, where = `${this.database.host}:${this.database.port}`): unknown {
    if ((err as { _dj?: boolean })._dj) return err;
    const tls = translateTlsError(err, this.database);
    if (tls) return tls;
    const what = (err as { $djOp?: string }).$djOp ?? op ?? "a statement";
    const attempts = attemptsOf(err);
    const tries = attempts > 1 ? ` (${attempts} attempts)` : "";
    if (isStall(err)) {
      return new DatabaseError(`the database at ${where} stalled: no answer to ${what} within ${seconds(this.timeouts.idleMs)}${tries}`, {
        hint: `the server accepted the connection but stopped answering (a frozen host, a lock held elsewhere); check it, or raise timeouts.idle (${seconds(this.timeouts.idleMs)} now)`,
        code: "db.stalled",
        cause: err,
      });
    }
    if ((err as { code?: string }).code === "ETIMEDOUT" && what === "connecting") {
      return new DatabaseError(`cannot connect to the database at ${where}: no handshake within ${seconds(this.timeouts.connectMs)}${tries}`, {
        hint: `check database.host/port (or DJ_HOST/DJ_PORT) and that the server is running, or raise timeouts.connect (${seconds(this.timeouts.connectMs)} now)`,
        code: "db.unreachable",
        cause: err,
      });
    }
    const out = translateMysqlError(err, { database: this.database, sources: this.sources });
    if (tries && out instanceof Error && out !== err) out.message += tries;
    return out;
  }

  private async run<Row>(conn: PoolConnection | null, sql: string, params: Param[] = []): Promise<QueryResult<Row>> {
    try {
      // Outside a transaction a read-only statement can be sent again on a fresh connection.
      if (!conn && READ_ONLY.test(sql)) return await withRetry(() => this.statement<Row>(null, sql, params), { retries: this.timeouts.retries }, isTransient);
      return await this.statement<Row>(conn, sql, params);
    } catch (err) {
      throw this.translate(err, undefined);
    }
  }

  query<Row = Record<string, unknown>>(sql: string, params?: Param[]): Promise<QueryResult<Row>> {
    return this.run<Row>(null, sql, params);
  }

  async each<Row = Record<string, unknown>>(sql: string, params: Param[], batch: number, onRows: (rows: Row[]) => Promise<void>): Promise<void> {
    this.log(sql);
    let conn: PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      throw this.translate(err, "connecting");
    }
    // The callback connection's row stream: rows arrive as the server sends them, and the
    // socket is paused while a batch is being written (the async iterator's backpressure).
    const core = (conn as unknown as { connection: { query(o: object): { stream(o: object): AsyncIterable<Row> & { destroy(): void } } } }).connection;
    const stream = core.query({ sql, values: params }).stream({ highWaterMark: batch });
    let rows: Row[] = [];
    let finished = false;
    try {
      for await (const row of withIdleDeadline(stream, this.timeouts.idleMs, () => conn.destroy())) {
        rows.push(row);
        if (rows.length >= batch) {
          const full = rows;
          rows = [];
          await onRows(full);
        }
      }
      if (rows.length) await onRows(rows);
      finished = true;
    } catch (err) {
      this.stalled ||= isStall(err);
      throw this.translate(err, undefined);
    } finally {
      // A result read to the end leaves the connection clean; an abandoned one does not.
      if (finished) conn.release();
      else conn.destroy();
    }
  }

  async transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    let conn: PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      throw this.translate(err, "connecting");
    }
    const scoped: Connection = { query: <Row>(sql: string, params?: Param[]) => this.run<Row>(conn, sql, params) };
    try {
      await this.run(conn, "START TRANSACTION");
      const out = await fn(scoped);
      await this.run(conn, "COMMIT").catch((err) => {
        throw markCommitError(err);
      });
      return out;
    } catch (err) {
      await this.rollback(conn);
      throw err;
    } finally {
      conn.release(); // a no-op after destroy()
    }
  }

  /**
   * Undo a failed transaction. A connection whose ROLLBACK fails (lost, stalled, or in a state
   * ROLLBACK cannot end, such as an XA transaction) must not serve anyone else: it is destroyed,
   * not returned to the pool, and --verbose says why. The transaction's own error is the one thrown.
   */
  private async rollback(conn: PoolConnection): Promise<void> {
    this.log("ROLLBACK");
    try {
      await conn.query({ sql: "ROLLBACK", timeout: this.timeouts.idleMs });
    } catch (err) {
      this.log(`-- ROLLBACK failed (${(err as Error).message}): the connection is discarded`);
      conn.destroy();
    }
  }

  private sessionError(): DatabaseError {
    const err = this.sessionRefused as Error;
    return new DatabaseError(`the database at ${this.database.host}:${this.database.port} refused DataJoint's session settings (sql_mode): ${err.message}`, {
      hint: "dj needs a MySQL 5.7+ or MariaDB 10.2+ server that accepts DataJoint's sql_mode",
      code: "db.error",
      cause: err,
    });
  }

  async close(): Promise<void> {
    // After a stall the server may never answer QUIT either: end within the idle deadline, then let go.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.stalled ? 0 : this.timeouts.idleMs);
      timer.unref();
    });
    // A pool that cannot end cleanly (the server went away) is let go all the same, below.
    await Promise.race([this.pool.end().catch((err: Error) => this.log(`-- closing the connection pool: ${err.message}`)), deadline]);
    clearTimeout(timer);
    for (const conn of this.connections) conn.destroy();
  }
}
