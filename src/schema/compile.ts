/**
 * A parsed definition + its parents' headings → the new table's Heading and lineage, with
 * DataJoint's rules (datajoint-compat.md §2.2, §6): foreign keys inherit the parent's primary
 * key (type, and the user comment without the core-type marker), `= null` makes a column
 * nullable, a table without key attributes gets the hidden `_singleton` key.
 */
import { CodecError, InputError, isDjError } from "../errors.js";
import { isCodecType, parseTypeSpec } from "../codecs/typespec.js";
import { definitionError, PROJ_HINT, type TableDefinition } from "./definition.js";
import type { Attribute, ForeignKey, Heading, Index } from "./heading.js";
import { primaryKey } from "./heading.js";
import { tableSqlName, type Tier } from "./naming.js";
import type { DeclaredTable } from "./pipeline-file.js";
import { codecSqlType, isBlobOrJson, matchType, referencingSqlType, TypeError_ } from "./types.js";

export interface CompileContext {
  /** The parent table a foreign-key target names (`master`, `Table`, `schema.Table.Part`). */
  parent(target: string, table: DeclaredTable, line: number): Promise<Heading>;
  /** The final stored type of a codec type spec (`json`, `bytes`). */
  codecDtype(type: string): Promise<string>;
}

const CONSTANT_DEFAULTS = /^(null|current_timestamp(\s*\(\s*\d*\s*\))?)$/i;

/** DataJoint's default rendering: constants unquoted, "x" and bare x as 'x', 'x' as is. */
export function sqlDefault(raw: string): string {
  const t = raw.trim();
  if (CONSTANT_DEFAULTS.test(t)) return t.toUpperCase() === "NULL" ? "NULL" : t.toUpperCase().replace(/\s+/g, "");
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return t;
  const inner = t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
  return `'${inner.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

export async function compileTable(table: DeclaredTable, def: TableDefinition, ctx: CompileContext, masterSql: string | null): Promise<Heading> {
  const sqlName = tableSqlName(table.className, table.tier as Tier, masterSql ?? undefined);
  if (sqlName.length > 64) {
    throw new InputError(`${table.file}:${table.line}: table name ${sqlName} is longer than 64 characters`, { code: "definition.name" });
  }
  const attributes: Attribute[] = [];
  const foreignKeys: ForeignKey[] = [];
  const indexes: Index[] = [];
  const lineage: Record<string, string> = {};
  const src = (line: number) => table.lines.find((l) => l.line === line) ?? { text: "", line };
  const has = (name: string) => attributes.some((a) => a.name === name);

  for (const item of def.items) {
    if (item.kind === "foreignKey") {
      const parent = await ctx.parent(item.target, table, item.line);
      const pk = parent.attributes.filter((a) => a.inKey);
      for (const [, old] of item.renames) {
        if (!pk.some((p) => p.name === old)) {
          throw definitionError(table.file, src(item.line), `"${old}" is not a primary-key attribute of ${item.target} (its key: ${pk.map((p) => p.name).join(", ")})`, PROJ_HINT);
        }
      }
      // `.proj(new="old")`: the child's column for parent attribute `old` is named `new`.
      const childName = (parentAttr: string) => item.renames.find(([, old]) => old === parentAttr)?.[0] ?? parentAttr;
      const fk: ForeignKey = {
        parentSchema: parent.schema,
        parentTable: parent.table,
        columns: pk.map((a) => childName(a.name)),
        refColumns: pk.map((a) => a.name),
        nullable: item.nullable,
        unique: item.unique,
      };
      for (const p of pk) {
        const name = childName(p.name);
        if (has(name)) continue; // already declared: DataJoint reuses it
        attributes.push({
          name,
          sqlType: referencingSqlType(p.sqlType),
          type: referencingSqlType(p.type),
          codec: null,
          marker: p.type === "uuid",
          nullable: item.nullable,
          default: item.nullable ? "NULL" : null,
          comment: p.comment,
          inKey: item.inKey,
          hidden: p.hidden,
          foreignKey: { schema: parent.schema, table: parent.table, column: p.name },
        });
        lineage[name] = parent.lineage[p.name] ?? `${parent.schema}.${parent.table}.${p.name}`;
      }
      foreignKeys.push(fk);
      if (item.unique) indexes.push({ unique: true, columns: fk.columns });
      continue;
    }
    if (item.kind === "index") {
      for (const c of item.columns) if (!/^[a-z_][a-z0-9_]*$/.test(c)) throw definitionError(table.file, src(item.line), `index column "${c}" is not an attribute name`);
      indexes.push({ unique: item.unique, columns: item.columns });
      continue;
    }
    if (has(item.name)) throw definitionError(table.file, src(item.line), `attribute "${item.name}" is declared twice`);
    let sqlType: string;
    let codec = null;
    let marker = true;
    try {
      if (isCodecType(item.type)) {
        codec = parseTypeSpec(item.type);
        sqlType = codecSqlType(await ctx.codecDtype(item.type));
      } else {
        const m = matchType(item.type);
        sqlType = m.sqlType;
        marker = m.kind === "core";
      }
    } catch (err) {
      if (err instanceof TypeError_) throw definitionError(table.file, src(item.line), err.message);
      if (isDjError(err, "codec")) throw new CodecError(`${table.file}:${item.line}: ${err.message}`, { hint: err.hint, code: err.code });
      throw err;
    }
    const nullable = item.default !== null && item.default.trim().toLowerCase() === "null";
    if (item.inKey && isBlobOrJson(sqlType)) throw definitionError(table.file, src(item.line), "blob or JSON attributes are not allowed in the primary key");
    if (item.default !== null && !nullable && isBlobOrJson(sqlType)) {
      throw definitionError(table.file, src(item.line), "the default value for blob attributes can only be NULL");
    }
    attributes.push({
      name: item.name,
      sqlType,
      type: item.type.trim(),
      codec,
      marker,
      nullable,
      default: item.default === null ? null : sqlDefault(item.default),
      comment: item.comment,
      inKey: item.inKey,
      hidden: false,
    });
    if (item.inKey) lineage[item.name] = `${table.schema}.${sqlName}.${item.name}`;
  }

  for (const ix of indexes) {
    for (const c of ix.columns) {
      if (!has(c)) throw new InputError(`${table.file}:${table.line}: index on unknown attribute "${c}" in table ${table.className}`, { code: "definition.index" });
    }
  }
  if (!attributes.some((a) => a.inKey)) {
    attributes.unshift({
      name: "_singleton",
      sqlType: "tinyint",
      type: "bool",
      codec: null,
      marker: true,
      nullable: false,
      default: "TRUE",
      comment: "singleton primary key",
      inKey: true,
      hidden: true,
    });
    lineage._singleton = `${table.schema}.${sqlName}._singleton`;
  }
  const heading: Heading = {
    schema: table.schema,
    table: sqlName,
    className: table.className,
    tier: table.tier as Tier,
    master: masterSql,
    comment: def.comment,
    attributes,
    foreignKeys,
    indexes,
    lineage,
  };
  if (primaryKey(heading).length === 0) throw new Error("unreachable: no primary key");
  return heading;
}
