/** SQLite errors → typed dj errors, in one place (the embedded counterpart of mysql/errors.ts). */
import { statfsSync } from "node:fs";
import { ConflictError, DatabaseError } from "../../errors.js";

/** True when the file system holding `dir` has (almost) no space left: SQLite then reports I/O errors. */
function diskFull(dir: string | undefined): boolean {
  if (!dir) return false;
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize < 1 << 20;
  } catch {
    // Only a hint for the message of the error being translated: a probe that fails must not replace it.
    return false;
  }
}

export function translateSqliteError(err: unknown, sql: string, dir?: string): unknown {
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
  if (code === "SQLITE_FULL" || code === "ENOSPC" || (code.startsWith("SQLITE_IOERR") && diskFull(dir))) {
    return new DatabaseError(`the embedded database cannot write: disk full (${msg})`, { hint: "free space on the disk that holds .dj/, then retry (nothing of this command was kept)", code: "db.disk_full", cause: err });
  }
  if (code === "SQLITE_READONLY" || code.startsWith("SQLITE_READONLY_")) {
    return new DatabaseError(`the embedded database is read-only: ${msg}`, { hint: "the .dj/ folder or its files are not writable", code: "db.readonly", cause: err });
  }
  if (code.startsWith("SQLITE_")) return new DatabaseError(`embedded database error ${code}: ${msg}`, { code: "db.error", cause: err });
  return err;
}
