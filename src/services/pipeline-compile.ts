/**
 * `.dj` files → the headings they declare, parents first, each with the table the database has
 * under that name (or null). Shared by `dj declare`, `dj diff` and `dj alter`, so the three
 * compile a file exactly alike. Nothing is written here.
 */
import type { CodecRegistry } from "../codecs/registry.js";
import { InputError } from "../errors.js";
import type { Dialect } from "../db/types.js";
import { compileTable, type CompileContext } from "../schema/compile.js";
import type { TableDefinition } from "../schema/definition.js";
import type { Heading } from "../schema/heading.js";
import { fromCamelCase, tableSqlName } from "../schema/naming.js";
import type { DeclaredTable } from "../schema/pipeline-file.js";
import { isValidSchemaName, schemaNameError } from "../schema/schema-name.js";

export interface Planned {
  decl: DeclaredTable;
  def: TableDefinition;
}

export interface CompiledTable {
  decl: DeclaredTable;
  /** The table as the file declares it. */
  heading: Heading;
  /** The table as the database has it; null when it does not exist. */
  existing: Heading | null;
}

/** Key of a declared table: `schema.Class` or `schema.Master.Part`. */
export const keyOf = (d: DeclaredTable) => `${d.schema}.${d.master ? `${d.master}.` : ""}${d.className}`;

/** Resolve a foreign-key target written inside `decl` to a table key. */
export function targetKey(target: string, decl: DeclaredTable): string {
  if (target === "master") {
    if (!decl.master) throw new InputError(`${decl.file}:${decl.line}: -> master is only allowed in part tables`, { code: "definition.fk" });
    return `${decl.schema}.${decl.master}`;
  }
  const parts = target.split(".");
  if (parts.length === 1) return `${decl.schema}.${target}`;
  if (parts.length === 2) return /^[A-Z]/.test(parts[0]!) ? `${decl.schema}.${target}` : target;
  return target;
}

/** Compile tables already in dependency order (parents first). */
export async function compilePlanned(planned: Planned[], dialect: Dialect, registry: CodecRegistry): Promise<CompiledTable[]> {
  const { introspector } = dialect;
  const compiled = new Map<string, Heading>();
  const parentCache = new Map<string, Heading>();

  const ctx: CompileContext = {
    async parent(target, decl, line) {
      const key = targetKey(target, decl);
      const local = compiled.get(key);
      if (local) return local;
      const [schema, ...classes] = key.split(".");
      if (!isValidSchemaName(schema)) throw schemaNameError(schema!, "file", `${decl.file}:${line} (-> ${target})`);
      const candidates = classes.length === 1
        ? (["manual", "lookup", "imported", "computed"] as const).map((t) => tableSqlName(classes[0]!, t))
        : (["manual", "lookup", "imported", "computed"] as const).map((t) => `${tableSqlName(classes[0]!, t)}__${fromCamelCase(classes[1]!)}`);
      for (const table of candidates) {
        const cacheKey = `${schema}.${table}`;
        const cached = parentCache.get(cacheKey) ?? (await introspector.heading(schema!, table));
        if (cached) {
          parentCache.set(cacheKey, cached);
          return cached;
        }
      }
      throw new InputError(`${decl.file}:${line}: -> ${target}: no table ${key} is declared in these files or exists in the database`, {
        hint: "declare the parent first, or check its name (CamelCase class name)",
        code: "definition.fk",
      });
    },
    async codecDtype(type) {
      return (await registry.resolveChain(type)).finalDtype;
    },
  };

  const out: CompiledTable[] = [];
  for (const { decl, def } of planned) {
    const masterSql = decl.master ? (compiled.get(`${decl.schema}.${decl.master}`) ?? (await ctx.parent("master", decl, decl.line))).table : null;
    const heading = await compileTable(decl, def, ctx, masterSql);
    compiled.set(keyOf(decl), heading);
    out.push({ decl, heading, existing: await introspector.heading(decl.schema, heading.table) });
  }
  return out;
}
