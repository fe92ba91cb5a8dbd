/**
 * The database seam: a Dialect is a Driver (connections, statements, transactions), a
 * SqlCompiler (quoting and SQL text) and an Introspector (reading headings back). Only files
 * under src/db/<dialect>/ know a driver library.
 */
import type { Heading } from "../schema/heading.js";
import type { HeadingDiff } from "../schema/heading-diff.js";
import type { Condition, SelectOptions } from "./condition.js";

export type Param = string | number | bigint | boolean | Buffer | Uint8Array | null;

export interface QueryResult<Row = Record<string, unknown>> {
  rows: Row[];
  affectedRows: number;
}

export interface Connection {
  query<Row = Record<string, unknown>>(sql: string, params?: Param[]): Promise<QueryResult<Row>>;
}

export interface Driver extends Connection {
  /**
   * Run a SELECT and hand its rows to `onRows` in batches of at most `batch`, holding no more
   * than about one batch in memory (a server cursor or a row stream, never the whole result).
   * The next batch is read only after `onRows` resolved, so a slow consumer slows the read;
   * when `onRows` throws, the query is abandoned and the error is thrown.
   */
  each<Row = Record<string, unknown>>(sql: string, params: Param[], batch: number, onRows: (rows: Row[]) => Promise<void>): Promise<void>;
  /** Run `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** What `dj alter` runs for one table. */
export interface AlterStatements {
  /** Run first, outside any transaction (SQLite: foreign-key enforcement off for a rebuild). */
  before: string[];
  /** Run in one transaction (MySQL commits DDL itself: there it is the one ALTER TABLE). */
  statements: string[];
  /** Run last, also when the statements failed. */
  after: string[];
  /** Set when the statements can only succeed on an empty table: why (alter checks first). */
  onlyWhenEmpty?: string;
}

/** One row's values by column (a primary key, a foreign key's columns): see `keyCondition`. */
export type KeyRow = Record<string, Param>;

export interface SqlCompiler {
  quote(identifier: string): string;
  table(schema: string, table: string): string;
  /** The statement that creates a schema (run through the driver; also printed by --dry-run). */
  createSchema(schema: string): string;
  /** DataJoint's CREATE TABLE text for a heading (plus any statements the dialect needs with it). */
  createTable(heading: Heading): string[];
  createLineageTable(schema: string): string;
  upsertLineage(schema: string, rows: number): string;
  dropTable(schema: string, table: string): string[];
  /**
   * The statements that change a table from `existing` to `wanted`, given only alterable
   * differences (heading-diff.ts). A dialect without it refuses `dj alter`.
   */
  alterTable?(existing: Heading, wanted: Heading, diff: HeadingDiff): AlterStatements;
  /**
   * DDL runs inside a transaction and rolls back with it (PostgreSQL): `dj alter` then runs every
   * table's statements in ONE transaction, so a failure leaves no table changed. Without it
   * (MySQL commits each DDL statement; SQLite's rebuild needs pragmas outside) each table has its own.
   */
  readonly transactionalDdl?: boolean;
  /** `primaryKey` lets a dialect aim "skip duplicates" at the key (PostgreSQL's ON CONFLICT). */
  insert(schema: string, table: string, columns: string[], rows: number, opts: { skipDuplicates?: boolean; primaryKey?: string[] }): string;
  select(schema: string, table: string, columns: string[], where: string[], opts?: SelectOptions): string;
  delete(schema: string, table: string, where: string[]): string;
  count(schema: string, table: string, where: string[]): string;
  /** The WHERE pieces of a restriction (none for null), with their params in `?` order. */
  where(condition: Condition | null): { clauses: string[]; params: Param[] };
}

export interface TableInfo {
  name: string;
  comment: string;
  rows: number;
}

export interface Introspector {
  schemas(): Promise<string[]>;
  schemaExists(schema: string): Promise<boolean>;
  tables(schema: string): Promise<TableInfo[]>;
  tableExists(schema: string, table: string): Promise<boolean>;
  /** The heading rebuilt from the database (markers parsed back); null when the table is missing. */
  heading(schema: string, table: string): Promise<Heading | null>;
  /** Tables (schema, table) whose foreign keys reference this one. */
  children(schema: string, table: string): Promise<Array<{ schema: string; table: string }>>;
  lineage(schema: string): Promise<Record<string, Record<string, string>>>;
}

export interface Dialect {
  readonly name: "mysql" | "postgresql" | "sqlite";
  readonly driver: Driver;
  readonly compiler: SqlCompiler;
  readonly introspector: Introspector;
  /** Server description for messages and `dj doctor`, e.g. `10.11.19-MariaDB`. */
  version(): Promise<string>;
  /** Remove a schema with all its tables. */
  dropSchema(schema: string): Promise<void>;
}

/**
 * A COMMIT that was sent but never answered (the connection dropped, the deadline passed): the
 * server may have committed. Drivers mark such errors, so that the insert does not remove the
 * objects a committed row may reference — an orphan is gc's to collect, a deleted live object is
 * lost data.
 */
const COMMIT_UNANSWERED = Symbol.for("dj.commitUnanswered");

/** Errors of these codes mean no answer came back (not a refusal by the server). */
const UNANSWERED_CODES = new Set(["db.lost", "db.stalled", "db.unreachable"]);

/** Mark `err` (raised by COMMIT) when it says the server's answer never came; returns it. */
export function markCommitError(err: unknown): unknown {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === "string" && UNANSWERED_CODES.has(code)) (err as Record<symbol, boolean>)[COMMIT_UNANSWERED] = true;
  return err;
}

export function isCommitUnanswered(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[COMMIT_UNANSWERED] === true;
}
