/**
 * The embedded database: SQLite through better-sqlite3 (an optional dependency, loaded only
 * here). Each schema is one file `.dj/<schema>.sqlite`, attached under its name, so tables are
 * addressed `"schema"."table"` as on MySQL. WAL and a busy timeout let several `dj` processes
 * write at once; every write transaction is BEGIN IMMEDIATE.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../errors.js";
import type { Connection, Driver, Param, QueryResult } from "../types.js";
import { translateSqliteError } from "./errors.js";
import { assertSchemaName, isValidSchemaName } from "../../schema/schema-name.js";

type Database = BetterSqlite3.Database;

function loadBetterSqlite3(): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;
  } catch (err) {
    // Installed but unloadable (built for another Node.js, a missing shared library): say that, not "not installed".
    if ((err as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") {
      throw new ConfigError(`the embedded database's better-sqlite3 package is installed but cannot be loaded: ${(err as Error).message.split("\n")[0]}`, {
        hint: "rebuild it for this Node.js with `npm rebuild better-sqlite3` (it builds with python3, make and g++)",
        code: "config.embedded",
        cause: err,
      });
    }
    throw new ConfigError(`the embedded database needs the better-sqlite3 package, which is not installed (${(err as Error).message.split("\n")[0]})`, {
      hint: 'install it with `npm install better-sqlite3@12.11.1` (it builds with python3, make and g++), or add a "database" section for a MySQL/MariaDB server',
      code: "config.embedded",
    });
  }
}

const bind = (params: Param[]) => params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p));

export class SqliteDriver implements Driver {
  readonly db: Database;

  constructor(
    readonly dir: string,
    private readonly log: (sql: string) => void,
  ) {
    const Sqlite = loadBetterSqlite3();
    try {
      mkdirSync(dir, { recursive: true });
      this.db = new Sqlite(join(dir, "dj.sqlite"));
      this.db.pragma("busy_timeout = 30000");
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("foreign_keys = ON");
      for (const file of readdirSync(dir).sort()) {
        const m = /^(.+)\.sqlite$/.exec(file);
        // A stray file whose name is not a schema name is not a schema: leave it alone.
        if (m && m[1] !== "dj" && isValidSchemaName(m[1])) this.attach(m[1]!);
      }
    } catch (err) {
      throw translateSqliteError(err, "open", dir); // a full disk already fails here (the WAL files)
    }
  }

  /** The schema's file, always directly inside `.dj/` (the last guard: callers check names first). */
  schemaFile(schema: string): string {
    assertSchemaName(schema, "argument");
    return join(this.dir, `${schema}.sqlite`);
  }

  attached(): string[] {
    return (this.db.pragma("database_list") as Array<{ name: string }>).map((r) => r.name).filter((n) => n !== "main" && n !== "temp");
  }

  attach(schema: string): void {
    if (this.attached().includes(schema)) return;
    this.db.prepare("ATTACH DATABASE ? AS " + `"${schema.replace(/"/g, '""')}"`).run(this.schemaFile(schema));
    this.db.pragma(`"${schema.replace(/"/g, '""')}".journal_mode = WAL`);
  }

  detach(schema: string): void {
    this.db.prepare(`DETACH DATABASE "${schema.replace(/"/g, '""')}"`).run();
  }

  private run<Row>(sql: string, params: Param[] = []): QueryResult<Row> {
    this.log(sql);
    try {
      const stmt = this.db.prepare(sql);
      if (stmt.reader) return { rows: stmt.all(...bind(params)) as Row[], affectedRows: 0 };
      const info = stmt.run(...bind(params));
      return { rows: [], affectedRows: info.changes };
    } catch (err) {
      throw translateSqliteError(err, sql, this.dir);
    }
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: Param[]): Promise<QueryResult<Row>> {
    return this.run<Row>(sql, params);
  }

  async each<Row = Record<string, unknown>>(sql: string, params: Param[], batch: number, onRows: (rows: Row[]) => Promise<void>): Promise<void> {
    this.log(sql);
    let rows: Row[] = [];
    let iterator: IterableIterator<unknown>;
    try {
      // Integers as BigInt: an export must not round an int64 through a double.
      iterator = this.db.prepare(sql).safeIntegers(true).iterate(...bind(params));
    } catch (err) {
      throw translateSqliteError(err, sql, this.dir);
    }
    // Stepped by hand so the statement is closed (iterator.return) when onRows throws.
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = iterator.next();
      } catch (err) {
        throw translateSqliteError(err, sql, this.dir);
      }
      if (!step.done) rows.push(step.value as Row);
      if (rows.length >= batch || (step.done && rows.length > 0)) {
        const full = rows;
        rows = [];
        try {
          await onRows(full);
        } catch (err) {
          iterator.return?.();
          throw err;
        }
      }
      if (step.done) return;
    }
  }

  async transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    this.run("BEGIN IMMEDIATE");
    try {
      const out = await fn({ query: async <Row>(sql: string, params?: Param[]) => this.run<Row>(sql, params) });
      this.run("COMMIT");
      return out;
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /**
   * Undo a failed transaction. When ROLLBACK itself fails (an I/O error: SQLite may then have
   * rolled back already, or not), the database is closed so nothing runs in what is left, and
   * --verbose says why; the transaction's own error is the one thrown, not the ROLLBACK's.
   */
  private rollback(): void {
    if (!this.db.inTransaction) return;
    this.log("ROLLBACK");
    try {
      this.db.exec("ROLLBACK");
    } catch (err) {
      this.log(`-- ROLLBACK failed (${(err as Error).message}): the database is closed`);
      this.db.close();
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
