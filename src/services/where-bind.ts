/**
 * A parsed `--where` checked against the table's heading: every name must be a visible attribute
 * and every value must parse as that attribute's type (the same parser as `--key` and `--set`),
 * so the database only ever sees quoted identifiers and bound parameters.
 */
import type { Condition } from "../db/condition.js";
import { UsageError } from "../errors.js";
import type { Attribute, Heading } from "../schema/heading.js";
import { parseAttributeValue } from "./values.js";
import type { WhereNode } from "./where-parse.js";

/** Types whose values cannot be compared in SQL: stored objects, blobs and JSON documents. */
function comparable(a: Attribute): boolean {
  if (a.codec) return false;
  const base = /^[a-z0-9]+/.exec(a.type.trim().toLowerCase())?.[0] ?? "";
  return !["json", "jsonb", "longblob", "blob", "mediumblob", "tinyblob", "bytes", "bytea", "binary", "varbinary"].includes(base);
}

function textual(a: Attribute): boolean {
  const base = /^[a-z0-9]+/.exec(a.type.trim().toLowerCase())?.[0] ?? "";
  return ["char", "varchar", "enum", "text", "tinytext", "mediumtext", "longtext"].includes(base);
}

export function bindWhere(node: WhereNode, heading: Heading): Condition {
  const visible = heading.attributes.filter((a) => !a.hidden);
  const attribute = (name: string, test: string): Attribute => {
    const a = visible.find((x) => x.name === name);
    if (!a) {
      throw new UsageError(`--where: ${heading.schema}.${heading.className} has no attribute "${name}"`, {
        hint: `attributes: ${visible.map((x) => x.name).join(", ")}`,
        code: "usage.where",
      });
    }
    if (test !== "null" && !comparable(a)) {
      throw new UsageError(`--where: ${name} is ${a.type}; its values cannot be compared, only tested with "is null" / "is not null"`, { code: "usage.where" });
    }
    if (test === "like" && !textual(a)) {
      throw new UsageError(`--where: like applies to text attributes; ${name} is ${a.type}`, { hint: "use =, <, >= … for numbers and dates", code: "usage.where" });
    }
    return a;
  };
  const bind = (n: WhereNode): Condition => {
    switch (n.kind) {
      case "and":
      case "or":
        return { kind: n.kind, parts: n.parts.map(bind) };
      case "not":
        return { kind: "not", part: bind(n.part) };
      case "compare": {
        const a = attribute(n.name, "compare");
        return { kind: "compare", column: a.name, op: n.op, value: parseAttributeValue(a.name, a.type, n.value).sql };
      }
      case "in": {
        const a = attribute(n.name, "in");
        return { kind: "in", column: a.name, negated: n.negated, values: n.values.map((v) => parseAttributeValue(a.name, a.type, v).sql) };
      }
      case "like":
        // The pattern is not parsed as a value of the attribute's type: `%` and `_` are wildcards.
        return { kind: "like", column: attribute(n.name, "like").name, pattern: n.pattern, negated: n.negated };
      case "null": {
        const a = attribute(n.name, "null");
        return { kind: "null", column: a.name, negated: n.negated };
      }
    }
  };
  return bind(node);
}
