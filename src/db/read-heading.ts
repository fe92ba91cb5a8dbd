/**
 * The part of reading a heading back that every server dialect shares: foreign-key columns are
 * marked with their origin, the indexes the database made for foreign keys (support indexes,
 * `-> [unique]`) are dropped from the index lines, and the SQL name gives class, tier and master.
 */
import type { Attribute, ForeignKey, Heading, Index } from "../schema/heading.js";
import { parseSqlName } from "../schema/naming.js";

export function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

export function assembleHeading(parts: {
  schema: string;
  table: string;
  comment: string;
  attributes: Attribute[];
  foreignKeys: ForeignKey[];
  indexes: Index[];
  lineage: Record<string, string>;
}): Heading {
  const { schema, table, attributes, foreignKeys } = parts;
  for (const fk of foreignKeys) {
    fk.columns.forEach((c, i) => {
      const a = attributes.find((x) => x.name === c);
      if (a) a.foreignKey = { schema: fk.parentSchema, table: fk.parentTable, column: fk.refColumns[i]! };
    });
  }
  const indexes = parts.indexes.filter((ix) => !foreignKeys.some((fk) => sameColumns(ix.columns, fk.columns) && (!ix.unique || fk.unique)));
  const parsed = parseSqlName(table);
  return {
    schema,
    table,
    className: parsed?.className ?? table,
    tier: parsed?.tier ?? "manual",
    master: parsed?.master?.sqlName ?? null,
    comment: parts.comment,
    attributes,
    foreignKeys,
    indexes,
    lineage: parts.lineage,
  };
}
