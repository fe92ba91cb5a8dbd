/** SQLite errors → typed dj errors, in one place (the embedded counterpart of mysql/errors.ts). */
import { ConflictError, DatabaseError } from "../../errors.js";

export function translateSqliteError(err: unknown, sql: string): unknown {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? "";
  const msg = e.message ?? String(err);
  if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
    return new ConflictError(`duplicate entry: ${msg}`, { hint: "use --skip-duplicates to skip rows whose key exists", code: "db.duplicate", cause: err });
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    return /^\s*DELETE/i.test(sql)
      ? new ConflictError("rows of other tables depend on this row", { hint: "delete the dependent rows first, or use --cascade", code: "db.referenced", cause: err })
      : new DatabaseError("the referenced parent row does not exist", { hint: "insert the parent row first", code: "db.foreign_key", cause: err });
  }
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new DatabaseError(`the embedded database is busy: ${msg}`, { hint: "another dj process holds a write lock; retry", code: "db.busy", cause: err });
  }
  if (code.startsWith("SQLITE_")) return new DatabaseError(`embedded database error ${code}: ${msg}`, { code: "db.error", cause: err });
  return err;
}
