/**
 * MySQL/MariaDB errors → typed dj errors, in one place. Messages name what failed and, for a
 * refused login, which config key or environment variable the password came from — never the
 * password itself.
 */
import { ConflictError, DatabaseError, type DjError } from "../../errors.js";
import type { DatabaseConfig, ValueSource } from "../../config/types.js";

export interface ErrorContext {
  database: DatabaseConfig;
  sources: Record<string, ValueSource>;
}

export function passwordOrigin(sources: Record<string, ValueSource>): string {
  switch (sources["database.password"]) {
    case "env":
      return "the DJ_PASS environment variable";
    case "secret":
      return "the secret file database.password (.secrets/ or /run/secrets/datajoint/)";
    case "file":
      return "database.password in the config file";
    default:
      return "no password (none is configured: set database.password, DJ_PASS or .secrets/database.password)";
  }
}

export function translateMysqlError(err: unknown, ctx: ErrorContext): DjError | unknown {
  const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string };
  if ((err as { _dj?: boolean })._dj) return err;
  const code = e.code ?? "";
  const where = `${ctx.database.host}:${ctx.database.port}`;
  const msg = e.sqlMessage ?? e.message ?? String(err);
  switch (code) {
    case "ER_ACCESS_DENIED_ERROR":
    case "ER_DBACCESS_DENIED_ERROR":
    case "ER_TABLEACCESS_DENIED_ERROR":
    case "ER_ACCESS_DENIED_NO_PASSWORD_ERROR":
      return new DatabaseError(`access denied for user '${ctx.database.user ?? ""}' at ${where}: ${msg}`, {
        hint: `the password came from ${passwordOrigin(ctx.sources)}; the user from ${ctx.sources["database.user"] === "env" ? "DJ_USER" : "database.user"}`,
        code: "db.access",
        cause: err,
      });
    case "ER_BAD_DB_ERROR":
      return new DatabaseError(`unknown schema: ${msg}`, { hint: "create it with `dj schema create NAME` or `dj declare`", code: "db.schema", cause: err });
    case "ER_NO_SUCH_TABLE":
      return new DatabaseError(`table not found: ${msg}`, { hint: "declare it first (`dj declare FILE.dj`); `dj tables` lists what exists", code: "db.table", cause: err });
    case "ER_DUP_ENTRY":
      return new ConflictError(`duplicate entry: ${msg}`, { hint: "use --skip-duplicates to skip rows whose key exists", code: "db.duplicate", cause: err });
    case "ER_NO_REFERENCED_ROW":
    case "ER_NO_REFERENCED_ROW_2":
      return new DatabaseError(`the referenced parent row does not exist: ${msg}`, { hint: "insert the parent row first", code: "db.foreign_key", cause: err });
    case "ER_ROW_IS_REFERENCED":
    case "ER_ROW_IS_REFERENCED_2":
      return new ConflictError(`rows of other tables depend on this row: ${msg}`, { hint: "delete the dependent rows first, or use --cascade", code: "db.referenced", cause: err });
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
      return new DatabaseError(`cannot connect to the database at ${where} (${code})`, {
        hint: "check database.host/port (or DJ_HOST/DJ_PORT) and that the server is running",
        code: "db.unreachable",
        cause: err,
      });
    case "PROTOCOL_CONNECTION_LOST":
    case "ECONNRESET":
    case "ER_SERVER_SHUTDOWN":
      return new DatabaseError(`lost the connection to the database at ${where}`, { hint: "retry; check the server's logs", code: "db.lost", cause: err });
  }
  if (code.startsWith("ER_")) return new DatabaseError(`database error ${code}: ${msg}`, { code: "db.error", cause: err });
  return err;
}
