/**
 * `dj declare` keeps a Lookup table's rows in step with its `contents` block: rows missing from
 * the table are inserted (all of them when the table is created), a row whose key exists with
 * other values is a conflict (exit 8) shown as a diff, and then nothing at all is written — the
 * check runs before declare's first statement. Rows in the table but not in the file stay
 * (DataJoint inserts contents with skip_duplicates and never deletes them).
 */
import { ConflictError, InputError, isDjError } from "../errors.js";
import type { Connection, Dialect, KeyRow, Param, SqlCompiler } from "../db/types.js";
import { keyCondition } from "../db/condition.js";
import type { Attribute, Heading } from "../schema/heading.js";
import { parseContents } from "../schema/lookup-contents.js";
import type { DeclaredTable } from "../schema/pipeline-file.js";
import { parseAttributeValue } from "./values.js";

export interface ContentsPlan {
  heading: Heading;
  /** Rows to insert: column → value. */
  insert: Array<Record<string, Param>>;
  /** Rows of the block already in the table with the same values. */
  present: number;
}

/** A value in one spelling for both sides of a comparison (driver values vs parsed ones). */
function comparable(a: Attribute, v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  const t = a.type.toLowerCase();
  if (/^float32$|^float\b/.test(t)) return String(Math.fround(Number(v)));
  if (/^(float64|double|real|decimal|numeric)/.test(t) || a.sqlType.startsWith("decimal")) return String(Number(v));
  if (/^bool/.test(t)) return String(Number(v) !== 0 && v !== "false");
  if (a.sqlType === "json") return canonicalJson(typeof v === "string" ? safeParse(v) : v);
  if (typeof v === "bigint" || typeof v === "number") return String(v);
  if (/^(datetime|timestamp)/.test(t)) return String(v).replace(/\.0*$/, "");
  return String(v);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON with object keys sorted (MySQL's JSON type reorders them). */
function canonicalJson(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)).map(([k, y]) => [k, sort(y)])) : x;
  return JSON.stringify(sort(v));
}

/** A value as a contents row would write it. */
function shown(a: Attribute | undefined, v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (a?.sqlType === "json") return JSON.stringify(typeof v === "string" ? safeParse(v) : v);
  if (Buffer.isBuffer(v)) return `0x${v.toString("hex")}`;
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Parse and check every contents block; throws on bad values and on conflicts with existing rows. */
export async function planContents(dialect: Dialect, tables: Array<{ decl: DeclaredTable; heading: Heading; existing: Heading | null }>): Promise<ContentsPlan[]> {
  const plans: ContentsPlan[] = [];
  const conflicts: string[] = [];
  for (const { decl, heading, existing } of tables) {
    if (!decl.contents) continue;
    const rows = parseContents(decl, heading);
    const attrs = new Map(heading.attributes.map((a) => [a.name, a]));
    const plan: ContentsPlan = { heading, insert: [], present: 0 };
    plans.push(plan);
    // Keys are compared as parsed values: `1` and `01` are one int key, caught here and not by
    // the server halfway through writing.
    const lineOfKey = new Map<string, number>();
    const keyAttrs = heading.attributes.filter((a) => a.inKey && !a.hidden);
    for (const row of rows) {
      const values: Record<string, Param> = {};
      for (const [name, text] of Object.entries(row.values)) {
        const a = attrs.get(name)!;
        if (text === null) {
          if (!a.nullable) throw new InputError(`${decl.file}:${row.line}: ${decl.className} contents: ${name} cannot be null`, { code: "definition.contents" });
          values[name] = null;
          continue;
        }
        try {
          values[name] = parseAttributeValue(name, a.type, text).sql;
        } catch (err) {
          if (isDjError(err) && err instanceof Error) err.message = `${decl.file}:${row.line}: ${decl.className} contents: ${err.message}`;
          throw err;
        }
      }
      const keyId = JSON.stringify(keyAttrs.map((a) => values[a.name] ?? null), (_k, v) => (typeof v === "bigint" ? v.toString() : Buffer.isBuffer(v) ? v.toString("hex") : v));
      const earlier = lineOfKey.get(keyId);
      if (earlier !== undefined) {
        throw new InputError(`${decl.file}:${row.line}: ${decl.className} contents: this row has the key of the row on line ${earlier}`, { code: "definition.contents" });
      }
      lineOfKey.set(keyId, row.line);
      if (!existing) {
        plan.insert.push(values);
        continue;
      }
      const key: KeyRow = Object.fromEntries(heading.attributes.filter((a) => a.inKey && !a.hidden).map((a) => [a.name, values[a.name] as Param]));
      const where = dialect.compiler.where(keyCondition(key));
      const { rows: found } = await dialect.driver.query<Record<string, unknown>>(dialect.compiler.select(heading.schema, heading.table, Object.keys(values), where.clauses), where.params);
      if (found.length === 0) {
        plan.insert.push(values);
        continue;
      }
      const differs = Object.keys(values).filter((n) => comparable(attrs.get(n)!, found[0]![n]) !== comparable(attrs.get(n)!, values[n]));
      if (differs.length === 0) {
        plan.present++;
        continue;
      }
      conflicts.push(`  ${decl.schema}.${decl.className} (${Object.entries(key).map(([k, v]) => `${k}=${shown(attrs.get(k), v)}`).join(", ")}), ${decl.file}:${row.line}:`);
      for (const n of differs) conflicts.push(`    - ${n} = ${shown(attrs.get(n), found[0]![n])}`, `    + ${n} = ${shown(attrs.get(n), values[n])}`);
    }
  }
  if (conflicts.length) {
    throw new ConflictError(`contents rows differ from the rows in the database (- database, + file); nothing was written:\n${conflicts.join("\n")}`, {
      hint: "change the contents to match, or update the rows first (`dj delete` them; declare then inserts the file's rows)",
      code: "declare.contents",
    });
  }
  return plans;
}

/** Insert the missing rows on `conn` (the caller's transaction). Returns the rows inserted. */
export async function insertContents(conn: Connection, compiler: SqlCompiler, plan: ContentsPlan): Promise<number> {
  for (const row of plan.insert) {
    const names = Object.keys(row);
    await conn.query(compiler.insert(plan.heading.schema, plan.heading.table, names, 1, {}), names.map((n) => row[n] as Param));
  }
  return plan.insert.length;
}

/** Insert the missing rows, one transaction per table. Returns the rows inserted per table. */
export async function writeContents(dialect: Dialect, plan: ContentsPlan): Promise<number> {
  if (plan.insert.length === 0) return 0;
  return dialect.driver.transaction((conn) => insertContents(conn, dialect.compiler, plan));
}
