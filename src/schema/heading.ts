/**
 * The dialect-neutral model of a table, built from a definition (compile.ts) or read back from
 * the database (a dialect's introspector). Insert, fetch and describe all work from it.
 */
import type { CodecTypeSpec } from "../codecs/types.js";
import type { Tier } from "./naming.js";

export interface Attribute {
  name: string;
  /** SQL column type as declared in DDL: `int`, `varchar(32)`, `json`, `longblob`. */
  sqlType: string;
  /** The DataJoint type: `int32`, `<blob@main>`, or a native SQL type when the column has no marker. */
  type: string;
  /** Set for codec attributes (`<name@store>`); the codec may not be installed. */
  codec: CodecTypeSpec | null;
  /** Whether the column comment carries the `:type:` marker (core and codec types). */
  marker: boolean;
  nullable: boolean;
  /** SQL default literal (`'x'`, `0`, `CURRENT_TIMESTAMP`), or null for none. */
  default: string | null;
  /** The user's comment, without the marker. */
  comment: string;
  inKey: boolean;
  /** Columns starting with `_` (`_singleton`) are hidden from users. */
  hidden: boolean;
  /** Set when the attribute came in through a foreign key. */
  foreignKey?: { schema: string; table: string; column: string };
}

export interface ForeignKey {
  parentSchema: string;
  parentTable: string;
  columns: string[];
  refColumns: string[];
  nullable: boolean;
  unique: boolean;
}

export interface Index {
  unique: boolean;
  columns: string[];
}

export interface Heading {
  schema: string;
  /** SQL name with tier prefix: `__spectrum`, `recording__channel`. */
  table: string;
  className: string;
  tier: Tier;
  /** For parts: the master's SQL table name. */
  master: string | null;
  comment: string;
  attributes: Attribute[];
  foreignKeys: ForeignKey[];
  indexes: Index[];
  /** attribute → `schema.table.attr` of its origin (DataJoint's `~lineage`). */
  lineage: Record<string, string>;
}

export function primaryKey(h: Heading): string[] {
  return h.attributes.filter((a) => a.inKey).map((a) => a.name);
}

/** Indexes written as index lines: not the unique index a `-> [unique]` foreign key stands for. */
export function userIndexes(h: Heading): Index[] {
  const sameColumns = (a: string[], b: string[]) => a.length === b.length && a.every((c, i) => c === b[i]);
  return h.indexes.filter((ix) => !(ix.unique && h.foreignKeys.some((fk) => fk.unique && sameColumns(fk.columns, ix.columns))));
}
