/**
 * The database seam: a Dialect is a Driver (connections, statements, transactions), a
 * SqlCompiler (quoting and SQL text) and an Introspector (reading headings back). Only files
 * under src/db/<dialect>/ know a driver library.
 */
import type { Heading } from "../schema/heading.js";
import type { HeadingDiff } from "../schema/heading-diff.js";

export type Param = string | number | bigint | boolean | Buffer | Uint8Array | null;

export interface QueryResult<Row = Record<string, unknown>> {
  rows: Row[];
  affectedRows: number;
}

export interface Connection {
  query<Row = Record<string, unknown>>(sql: string, params?: Param[]): Promise<QueryResult<Row>>;
}

export interface Driver extends Connection {
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

/** A WHERE clause as column → value equalities (AND-ed). */
export type Restriction = Record<string, Param>;

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
  select(schema: string, table: string, columns: string[], where: string[], limit?: number): string;
  delete(schema: string, table: string, where: string[]): string;
  count(schema: string, table: string, where: string[]): string;
  /** `col = ?` (or `col IS NULL`) pieces for a restriction, with their params. */
  where(restriction: Restriction): { clauses: string[]; params: Param[] };
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
