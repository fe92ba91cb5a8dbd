/**
 * The MySQL/MariaDB driver over mysql2 (imported only here, lazily). One pool per process,
 * DataJoint's session sql_mode on every connection, every statement through `run()` so that
 * `--verbose` can log it and errors are translated in one place.
 */
import type { Pool, PoolConnection } from "mysql2/promise";
import type { DatabaseConfig, ValueSource } from "../../config/types.js";
import type { Connection, Driver, Param, QueryResult } from "../types.js";
import { translateMysqlError } from "./errors.js";

export const DATAJOINT_SQL_MODE =
  "NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY";

type Runner = { query: PoolConnection["query"] };

export class MysqlDriver implements Driver {
  private constructor(
    private readonly pool: Pool,
    private readonly database: DatabaseConfig,
    private readonly sources: Record<string, ValueSource>,
    private readonly log: (sql: string) => void,
  ) {}

  static async connect(database: DatabaseConfig, sources: Record<string, ValueSource>, log: (sql: string) => void): Promise<MysqlDriver> {
    const mysql = await import("mysql2/promise");
    const make = (ssl: boolean) =>
      mysql.createPool({
        host: database.host,
        port: database.port,
        user: database.user ?? undefined,
        password: database.password ?? undefined,
        charset: "utf8mb4",
        connectionLimit: 4,
        connectTimeout: 10_000,
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: false,
        ...(ssl ? { ssl: { rejectUnauthorized: false } } : {}),
      });
    // DataJoint: use_tls null tries TLS first and falls back; true requires it; false never.
    let pool = make(database.use_tls !== false);
    const driver = () => new MysqlDriver(pool, database, sources, log);
    pool.on("connection", (conn) => void conn.query(`SET SESSION sql_mode = '${DATAJOINT_SQL_MODE}'`));
    try {
      await pool.query("SELECT 1");
    } catch (err) {
      const code = (err as { code?: string }).code ?? "";
      const tlsRefused = code === "HANDSHAKE_NO_SSL_SUPPORT" || /SSL|TLS/i.test((err as Error).message ?? "");
      if (database.use_tls === null && tlsRefused) {
        await pool.end().catch(() => {});
        pool = make(false);
        pool.on("connection", (conn) => void conn.query(`SET SESSION sql_mode = '${DATAJOINT_SQL_MODE}'`));
        try {
          await pool.query("SELECT 1");
        } catch (err2) {
          await pool.end().catch(() => {});
          throw translateMysqlError(err2, { database, sources });
        }
      } else {
        await pool.end().catch(() => {});
        throw translateMysqlError(err, { database, sources });
      }
    }
    return driver();
  }

  private async run<Row>(target: Runner, sql: string, params: Param[] = []): Promise<QueryResult<Row>> {
    this.log(sql);
    try {
      const [result] = await target.query(sql, params);
      if (Array.isArray(result)) return { rows: result as Row[], affectedRows: 0 };
      return { rows: [], affectedRows: (result as { affectedRows?: number }).affectedRows ?? 0 };
    } catch (err) {
      throw translateMysqlError(err, { database: this.database, sources: this.sources });
    }
  }

  query<Row = Record<string, unknown>>(sql: string, params?: Param[]): Promise<QueryResult<Row>> {
    return this.run<Row>(this.pool, sql, params);
  }

  async transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    let conn: PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      throw translateMysqlError(err, { database: this.database, sources: this.sources });
    }
    const scoped: Connection = { query: <Row>(sql: string, params?: Param[]) => this.run<Row>(conn, sql, params) };
    try {
      await this.run(conn, "START TRANSACTION");
      const out = await fn(scoped);
      await this.run(conn, "COMMIT");
      return out;
    } catch (err) {
      await conn.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
