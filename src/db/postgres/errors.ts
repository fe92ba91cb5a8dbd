/**
 * PostgreSQL errors → the same typed dj errors (and exit codes) as on MySQL, in one place.
 * Server errors carry an SQLSTATE in `code`; network failures carry Node's codes; node-postgres
 * reports its own deadlines and a dropped connection as plain messages.
 */
import { seconds } from "../../config/timeouts.js";
import type { DatabaseConfig, Timeouts, ValueSource } from "../../config/types.js";
import { ConflictError, DatabaseError, type DjError } from "../../errors.js";
import { passwordOrigin } from "../mysql/errors.js";
import { translateTlsError } from "../mysql/tls.js";

export interface PgErrorContext {
  database: DatabaseConfig;
  sources: Record<string, ValueSource>;
  timeouts: Timeouts;
  /** What was being done: `connecting`, or the statement's verb. */
  op: string;
  attempts: number;
}

const NETWORK_DOWN = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const LOST = new Set(["ECONNRESET", "EPIPE", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]);

export const isConnectTimeout = (m: string) => /timeout expired|connection timeout/i.test(m);
export const isQueryTimeout = (m: string) => /Query read timeout/i.test(m);
export const isTerminated = (m: string) => /Connection terminated|Client has encountered a connection error|not queryable/i.test(m);

export function translatePgError(err: unknown, ctx: PgErrorContext): DjError | unknown {
  if ((err as { _dj?: boolean })._dj) return err;
  const e = err as { code?: string; message?: string; detail?: string };
  const code = e.code ?? "";
  const msg = (e.message ?? String(err)).trim();
  const where = `${ctx.database.host}:${ctx.database.port}`;
  const tries = ctx.attempts > 1 ? ` (${ctx.attempts} attempts)` : "";
  const tls = translateTlsError(/does not support SSL/i.test(msg) ? Object.assign(err as object, { code: "HANDSHAKE_NO_SSL_SUPPORT" }) : err, ctx.database);
  if (tls) return tls;
  const detail = e.detail ? ` (${e.detail})` : "";
  switch (code) {
    case "28P01":
    case "28000":
    case "42501":
      return new DatabaseError(`access denied for user '${ctx.database.user ?? ""}' at ${where}: ${msg}`, {
        hint: `the password came from ${passwordOrigin(ctx.sources)}; the user from ${ctx.sources["database.user"] === "env" ? "DJ_USER" : "database.user"}`,
        code: "db.access",
        cause: err,
      });
    case "3D000":
      return new DatabaseError(`unknown database at ${where}: ${msg}`, {
        hint: `database.name (or DJ_DATABASE_NAME) names the PostgreSQL database dj connects to (${ctx.database.name ?? "postgres"} now; default postgres); create it or fix the name`,
        code: "db.database",
        cause: err,
      });
    case "3F000":
      return new DatabaseError(`unknown schema: ${msg}`, { hint: "create it with `dj schema create NAME` or `dj declare`", code: "db.schema", cause: err });
    case "42P01":
      return new DatabaseError(`table not found: ${msg}`, { hint: "declare it first (`dj declare FILE.dj`); `dj tables` lists what exists", code: "db.table", cause: err });
    case "23505":
      return new ConflictError(`duplicate entry: ${msg}${detail}`, { hint: "use --skip-duplicates to skip rows whose key exists", code: "db.duplicate", cause: err });
    case "23503":
      return /^update or delete on table/i.test(msg)
        ? new ConflictError(`rows of other tables depend on this row: ${msg}${detail}`, { hint: "delete the dependent rows first, or use --cascade", code: "db.referenced", cause: err })
        : new DatabaseError(`the referenced parent row does not exist: ${msg}${detail}`, { hint: "insert the parent row first", code: "db.foreign_key", cause: err });
    case "57014":
      return new DatabaseError(`the database at ${where} cancelled ${ctx.op}: ${msg}`, {
        hint: "the server's statement_timeout (or an administrator) stopped it; raise the timeout or narrow the query",
        code: "db.stalled",
        cause: err,
      });
  }
  if (NETWORK_DOWN.has(code)) {
    return new DatabaseError(`cannot connect to the database at ${where} (${code})${tries}`, {
      hint: "check database.host/port (or DJ_HOST/DJ_PORT) and that the server is running",
      code: "db.unreachable",
      cause: err,
    });
  }
  if (code === "ETIMEDOUT" || (ctx.op === "connecting" && isConnectTimeout(msg))) {
    return new DatabaseError(`cannot connect to the database at ${where}: no handshake within ${seconds(ctx.timeouts.connectMs)}${tries}`, {
      hint: `check database.host/port (or DJ_HOST/DJ_PORT) and that the server is running, or raise timeouts.connect (${seconds(ctx.timeouts.connectMs)} now)`,
      code: "db.unreachable",
      cause: err,
    });
  }
  if (isQueryTimeout(msg)) {
    return new DatabaseError(`the database at ${where} stalled: no answer to ${ctx.op} within ${seconds(ctx.timeouts.idleMs)}${tries}`, {
      hint: `the server accepted the connection but stopped answering (a frozen host, a lock held elsewhere); check it, or raise timeouts.idle (${seconds(ctx.timeouts.idleMs)} now)`,
      code: "db.stalled",
      cause: err,
    });
  }
  if (LOST.has(code) || isTerminated(msg)) {
    return new DatabaseError(`lost the connection to the database at ${where}${tries}`, { hint: "retry; check the server's logs", code: "db.lost", cause: err });
  }
  if (/^[0-9A-Z]{5}$/.test(code)) return new DatabaseError(`database error ${code}: ${msg}${detail}`, { code: "db.error", cause: err });
  return err;
}
