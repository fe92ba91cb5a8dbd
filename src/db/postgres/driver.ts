/**
 * The PostgreSQL driver over node-postgres (`pg`, imported only here, lazily). One pool per
 * process; every statement goes through `run()` so that `--verbose` logs it, `?` placeholders
 * become `$n`, and errors are translated in one place.
 *
 * Values come back as dj's MySQL driver returns them, so services see one shape: dates and
 * timestamps as text, 64-bit integers as numbers when exact (text beyond 2^53), numeric as text,
 * JSON/jsonb as its text, bytea as Buffer, uuid as its canonical text.
 *
 * Deadlines (config `timeouts`): connecting within `connect`, every statement answered within
 * `idle` (a client that misses it is discarded, never reused). Read-only statements outside a
 * transaction, and the first connection, are retried with backoff; nothing that writes is.
 */
import { createHash } from "node:crypto";
import { Socket as NetSocket, type Socket } from "node:net";
import type { Pool, PoolClient, PoolConfig } from "pg";
import { DEFAULT_TIMEOUTS } from "../../config/timeouts.js";
import type { DatabaseConfig, Timeouts, ValueSource } from "../../config/types.js";
import { attemptsOf, withRetry } from "../../retry.js";
import { sslOptions } from "../mysql/tls.js";
import type { Connection, Driver, Param, QueryResult } from "../types.js";
import { markCommitError } from "../types.js";
import { isConnectTimeout, isQueryTimeout, isTerminated, translatePgError } from "./errors.js";
import { toNumberedPlaceholders } from "./placeholders.js";
import { askForTls, type TlsAnswer } from "./tls-probe.js";

const READ_ONLY = /^\s*(SELECT|SHOW|EXPLAIN|WITH)\b/i;
const TRANSIENT = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "57P01", "57P03"]);
const isTransient = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return TRANSIENT.has(e.code ?? "") || (!isQueryTimeout(e.message ?? "") && !isConnectTimeout(e.message ?? "") && isTerminated(e.message ?? ""));
};

const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184, time: 1083, json: 114, jsonb: 3802 } as const;
const asText = (v: string) => v;
const int8 = (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
};

const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = "dj_" + createHash("sha1").update(text).digest("hex").slice(0, 20);
    if (names.size < 1000) names.set(text, name);
  }
  return name;
}

/**
 * `import("pg")`, without the ~20 ms its runtime probe costs: at load, pg/lib/stream.js asks
 * whether it runs in a Cloudflare Worker through `navigator.userAgent`, and where Node has no
 * `navigator` (20) by building a `Response` — which loads Node's whole fetch implementation.
 * A `navigator` that names Node, present only while pg loads, answers the first question.
 */
async function importPg(): Promise<typeof import("pg")> {
  const g = globalThis as { navigator?: unknown };
  // Node 21+ has its own navigator (a lazy getter, not called here): pg's first question is answered.
  if (Object.getOwnPropertyDescriptor(globalThis, "navigator")) return import("pg");
  Object.defineProperty(globalThis, "navigator", { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
  try {
    return await import("pg");
  } finally {
    delete g.navigator;
  }
}

/** Node's TLS options for `database.use_tls` (the same reading as the MySQL driver's). */
function tlsFor(useTls: DatabaseConfig["use_tls"]): PoolConfig["ssl"] {
  const o = sslOptions(useTls);
  if (!o) return false;
  const { verifyIdentity, ...rest } = o as typeof o & { verifyIdentity?: boolean };
  return { ...(rest as object), ...(verifyIdentity === false ? { checkServerIdentity: () => undefined } : {}) };
}

export class PostgresDriver implements Driver {
  private constructor(
    private readonly pool: Pool,
    private readonly database: DatabaseConfig,
    private readonly sources: Record<string, ValueSource>,
    private readonly log: (sql: string) => void,
    private readonly timeouts: Timeouts,
  ) {}

  static async connect(database: DatabaseConfig, sources: Record<string, ValueSource>, log: (sql: string) => void, timeouts: Timeouts = DEFAULT_TIMEOUTS): Promise<PostgresDriver> {
    const { default: pg } = await importPg();
    const parsers: Record<number, (v: string) => unknown> = {
      [OID.int8]: int8,
      [OID.numeric]: asText,
      [OID.date]: asText,
      [OID.timestamp]: asText,
      [OID.timestamptz]: asText,
      [OID.time]: asText,
      [OID.json]: asText,
      [OID.jsonb]: asText,
    };
    const types = {
      getTypeParser: (oid: number, format?: string) => (format !== "binary" && parsers[oid]) || pg.types.getTypeParser(oid, format as "text"),
    };
    const make = (useTls: DatabaseConfig["use_tls"], asked?: Socket) => {
      let unused = asked;
      // The socket that asked for TLS and heard no carries the first connection (tls-probe.ts).
      const stream = () => {
        const s = unused ?? new NetSocket();
        unused = undefined;
        return s;
      };
      const pool = new pg.Pool({
        ...(asked ? { stream } : {}),
        host: database.host,
        port: database.port,
        user: database.user ?? undefined,
        password: database.password ?? undefined,
        database: database.name ?? "postgres",
        ssl: tlsFor(useTls),
        max: 4,
        connectionTimeoutMillis: timeouts.connectMs,
        query_timeout: timeouts.idleMs,
        types: types as PoolConfig["types"],
        application_name: "dj",
        // Literals dj writes (comments, defaults) double only the quote: that is right only with
        // standard_conforming_strings on, the default since 9.1 — set here so a server configured
        // otherwise cannot turn a backslash in a comment into an escape. PGOPTIONS (libpq's
        // variable, which pg reads only when `options` is unset) is kept in front of it.
        options: [process.env.PGOPTIONS, "-c standard_conforming_strings=on"].filter(Boolean).join(" "),
      });
      // An idle client losing its server must not crash the process; the next statement reports it.
      pool.on("error", () => {});
      return new PostgresDriver(pool, database, sources, log, timeouts);
    };
    const probe = async (driver: PostgresDriver) => {
      try {
        await withRetry(() => driver.statement(null, "SELECT 1", []), { retries: timeouts.retries }, isTransient);
      } catch (err) {
        await driver.close();
        throw driver.translate(err, "connecting");
      }
    };
    // DataJoint: use_tls null is sslmode=prefer (TLS when the server offers it); true or an object requires it; false never.
    if (database.use_tls === null) {
      // The question is the first connection attempt: retried (and counted) as the probe's would be.
      let answer: TlsAnswer = { offered: true };
      try {
        answer = await withRetry(() => askForTls(database.host, database.port, timeouts.connectMs), { retries: timeouts.retries }, isTransient);
      } catch (err) {
        // A garbled answer (not PostgreSQL?) goes the path below, whose errors say more.
        if (!/unexpected answer/.test((err as Error).message)) {
          const unused = make(false);
          await unused.close();
          throw unused.translate(err, "connecting");
        }
      }
      if (answer.offered === false) {
        const plain = make(false, answer.socket);
        await probe(plain);
        return plain;
      }
    }
    const first = make(database.use_tls);
    try {
      await probe(first);
      return first;
    } catch (err) {
      const refused = (err as { code?: string }).code === "db.tls" && /does not offer TLS/.test((err as Error).message);
      if (database.use_tls !== null || !refused) throw err;
    }
    const plain = make(false);
    await probe(plain);
    return plain;
  }

  /** One statement on `client` (or a pooled one). */
  private async statement<Row>(client: PoolClient | null, sql: string, params: Param[]): Promise<QueryResult<Row>> {
    this.log(sql);
    const text = params.length ? toNumberedPlaceholders(sql) : sql;
    // Statements with parameters repeat (one INSERT and one key check per row of a batch):
    // named, each is parsed and planned once per connection instead of once per row.
    const name = params.length ? statementName(text) : undefined;
    const values = params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : typeof p === "bigint" ? p.toString() : p));
    const target = client ?? (await this.pool.connect());
    let broken: Error | undefined;
    try {
      const result = await target.query({ text, values, ...(name ? { name } : {}) });
      const rows = (result.rows ?? []) as Row[];
      return { rows, affectedRows: result.command === "SELECT" ? 0 : result.rowCount ?? 0 };
    } catch (err) {
      const m = (err as Error).message ?? "";
      // A missed deadline leaves a statement in flight: that client must not serve anyone again.
      if (isQueryTimeout(m) || isTerminated(m) || TRANSIENT.has((err as { code?: string }).code ?? "")) broken = err as Error;
      (err as { $djOp?: string }).$djOp ??= sql.trim().split(/\s+/)[0]!.toUpperCase();
      throw err;
    } finally {
      if (!client) target.release(broken);
      else if (broken) (client as PoolClient & { $djBroken?: Error }).$djBroken = broken;
    }
  }

  private translate(err: unknown, op?: string): unknown {
    const what = op ?? (err as { $djOp?: string }).$djOp ?? "a statement";
    return translatePgError(err, { database: this.database, sources: this.sources, timeouts: this.timeouts, op: what, attempts: attemptsOf(err) });
  }

  private async run<Row>(client: PoolClient | null, sql: string, params: Param[] = []): Promise<QueryResult<Row>> {
    try {
      if (!client && READ_ONLY.test(sql)) return await withRetry(() => this.statement<Row>(null, sql, params), { retries: this.timeouts.retries }, isTransient);
      return await this.statement<Row>(client, sql, params);
    } catch (err) {
      throw this.translate(err);
    }
  }

  query<Row = Record<string, unknown>>(sql: string, params?: Param[]): Promise<QueryResult<Row>> {
    return this.run<Row>(null, sql, params);
  }

  async each<Row = Record<string, unknown>>(sql: string, params: Param[], batch: number, onRows: (rows: Row[]) => Promise<void>): Promise<void> {
    // A server-side cursor in its own read transaction: FETCH brings one batch at a time, and
    // the next only after the previous was handled. The cursor ends with the transaction.
    await this.transaction(async (conn) => {
      await conn.query(`DECLARE dj_each NO SCROLL CURSOR FOR ${sql}`, params);
      const size = Math.max(1, Math.trunc(batch));
      for (;;) {
        const { rows } = await conn.query<Row>(`FETCH FORWARD ${size} FROM dj_each`);
        if (rows.length) await onRows(rows);
        if (rows.length < size) break;
      }
    });
  }

  async transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.translate(err, "connecting");
    }
    const scoped: Connection = { query: <Row>(sql: string, params?: Param[]) => this.run<Row>(client, sql, params) };
    let failed: Error | undefined;
    try {
      await this.run(client, "BEGIN");
      const out = await fn(scoped);
      await this.run(client, "COMMIT").catch((err) => {
        throw markCommitError(err);
      });
      return out;
    } catch (err) {
      const broken = (client as PoolClient & { $djBroken?: Error }).$djBroken;
      if (broken) failed = broken;
      else await client.query("ROLLBACK").catch((e: Error) => (failed = e));
      throw err;
    } finally {
      client.release(failed);
    }
  }

  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timeouts.idleMs);
      timer.unref();
    });
    await Promise.race([this.pool.end().catch(() => {}), deadline]);
    clearTimeout(timer);
  }
}
