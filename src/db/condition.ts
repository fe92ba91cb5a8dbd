/**
 * A restriction as a tree of conditions on columns, with every value a bound parameter. Built by
 * services (from `--key` and `--where`, checked against the heading), turned into SQL here. No
 * value is ever spliced into SQL text: the only text that comes from the user is a column name,
 * and only after the heading has vouched for it (and it is quoted as an identifier even then).
 */
import type { Param } from "./types.js";

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Condition =
  | { kind: "and" | "or"; parts: Condition[] }
  | { kind: "not"; part: Condition }
  | { kind: "compare"; column: string; op: CompareOp; value: Param }
  | { kind: "in"; column: string; values: Param[]; negated: boolean }
  | { kind: "like"; column: string; pattern: string; negated: boolean }
  | { kind: "null"; column: string; negated: boolean };

export interface ConditionSql {
  /** SQL text with `?` placeholders (a driver that numbers them, like PostgreSQL's, renumbers). */
  sql: string;
  params: Param[];
}

/** How a dialect spells the parts that differ: identifier quoting and the LIKE escape clause. */
export interface ConditionSyntax {
  quote(identifier: string): string;
  /**
   * Appended after a LIKE pattern so that `\` escapes `%` and `_` on every database (SQLite has
   * no default escape character; MySQL and PostgreSQL spell a lone backslash differently).
   */
  likeEscape: string;
}

const SQL_OP: Record<CompareOp, string> = { "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

/** All of `conditions` (AND); an empty list is no restriction at all. */
export function allOf(conditions: Condition[]): Condition | null {
  if (conditions.length === 0) return null;
  return conditions.length === 1 ? conditions[0]! : { kind: "and", parts: conditions };
}

export function conditionSql(condition: Condition, syntax: ConditionSyntax): ConditionSql {
  const params: Param[] = [];
  const render = (c: Condition, parent: "and" | "or" | "not" | null): string => {
    switch (c.kind) {
      case "and":
      case "or": {
        const text = c.parts.map((p) => render(p, c.kind)).join(c.kind === "and" ? " AND " : " OR ");
        // Parenthesise a group whenever it sits inside another operator, so precedence never
        // depends on the database's rules.
        return parent === null ? text : `(${text})`;
      }
      case "not":
        return `NOT ${render(c.part, "not")}`;
      case "compare":
        params.push(c.value);
        return `${syntax.quote(c.column)} ${SQL_OP[c.op]} ?`;
      case "in":
        params.push(...c.values);
        return `${syntax.quote(c.column)} ${c.negated ? "NOT IN" : "IN"} (${c.values.map(() => "?").join(", ")})`;
      case "like":
        params.push(c.pattern);
        return `${syntax.quote(c.column)} ${c.negated ? "NOT LIKE" : "LIKE"} ?${syntax.likeEscape}`;
      case "null":
        return `${syntax.quote(c.column)} IS ${c.negated ? "NOT NULL" : "NULL"}`;
    }
  };
  return { sql: render(condition, null), params };
}

/**
 * Equality with every value of a row (a primary key, a foreign key's columns): `col = ?`, or
 * `col IS NULL` for a null. The internal restrictions (parents, duplicates, cascades) and
 * `--key` are built with it, so every restriction goes through `conditionSql`.
 */
export function keyCondition(row: Readonly<Record<string, Param>>): Condition | null {
  return allOf(
    Object.entries(row).map(([column, value]): Condition => (value === null ? { kind: "null", column, negated: false } : { kind: "compare", column, op: "=", value })),
  );
}

/** One ORDER BY term; the column has been checked against the heading. */
export interface OrderTerm {
  column: string;
  descending: boolean;
}

/** ORDER BY, LIMIT and OFFSET of a SELECT. */
export interface SelectOptions {
  orderBy?: readonly OrderTerm[];
  limit?: number;
  offset?: number;
}
