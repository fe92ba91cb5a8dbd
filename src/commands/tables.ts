/** `dj tables [SCHEMA]`, `dj describe TABLE | --schema S`, `dj drop TABLE [--force]`. */
import { ConflictError, DatabaseError, UsageError } from "../errors.js";
import { plural } from "../ui/plural.js";
import type { CommandContext, CommandHandler } from "./context.js";

async function session(ctx: CommandContext) {
  const { openSession } = await import("../services/session.js");
  return openSession({ cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) });
}

export const tables: CommandHandler = async (ctx, [schemaArg]) => {
  if (schemaArg !== undefined) (await import("../schema/schema-name.js")).assertSchemaName(schemaArg, "argument");
  const { config, dialect } = await session(ctx);
  const schema = schemaArg ?? config.schema;
  if (!schema) throw new UsageError("name a schema (dj tables SCHEMA) or set \"schema\" in the config");
  if (!(await dialect.introspector.schemaExists(schema))) throw new DatabaseError(`schema ${schema} does not exist`, { code: "db.schema" });
  const rows = [];
  for (const t of await dialect.introspector.tables(schema)) {
    const h = await dialect.introspector.heading(schema, t.name);
    if (!h) continue;
    const codecs = [...new Set(h.attributes.filter((a) => a.codec).map((a) => a.type))];
    const className = h.master ? `${(await import("../schema/naming.js")).parseSqlName(h.master)?.className}.${h.className}` : h.className;
    rows.push({ table: t.name, className, tier: h.tier, rows: t.rows, codecs, comment: t.comment });
  }
  if (ctx.out.json) return ctx.out.data({ schema, tables: rows });
  if (rows.length === 0) return ctx.out.info(`schema ${schema} has no tables`);
  const { renderTable } = await import("../ui/table.js");
  ctx.out.line(
    await renderTable(
      ["class", "tier", "table", "rows", "codecs"],
      rows.map((r) => [r.className, r.tier, r.table, String(r.rows), r.codecs.join(" ")]),
      ctx.out.color,
    ),
  );
};

export const describe: CommandHandler = async (ctx, [ref], opts) => {
  const { config, dialect } = await session(ctx);
  const { describeSchema, describeTable } = await import("../schema/describe.js");
  if (ref) {
    const { resolveTable } = await import("../services/table-ref.js");
    const h = await resolveTable(ref, opts.schema ?? config.schema, dialect.introspector);
    if (ctx.out.json) return ctx.out.data({ schema: h.schema, table: h.table, definition: describeTable(h) });
    return ctx.out.line(describeTable(h));
  }
  const schema = opts.schema ?? config.schema;
  if (!schema) throw new UsageError("name a table, or a schema with --schema");
  if (!(await dialect.introspector.schemaExists(schema))) throw new DatabaseError(`schema ${schema} does not exist`, { code: "db.schema" });
  const headings = [];
  for (const t of await dialect.introspector.tables(schema)) {
    const h = await dialect.introspector.heading(schema, t.name);
    if (h) headings.push(h);
  }
  const text = describeSchema(schema, headings);
  if (ctx.out.json) return ctx.out.data({ schema, definition: text });
  process.stdout.write(text);
};

export const drop: CommandHandler = async (ctx, [ref], opts) => {
  const { config, dialect } = await session(ctx);
  const { resolveTable } = await import("../services/table-ref.js");
  const { dependentTables, dropTable, rowCount } = await import("../services/tables.js");
  const h = await resolveTable(ref!, opts.schema ?? config.schema, dialect.introspector);
  const children = await dependentTables(dialect, h);
  if (children.length) {
    throw new ConflictError(`cannot drop ${h.schema}.${h.table}: ${children.join(", ")} depend${children.length === 1 ? "s" : ""} on it`, {
      hint: "drop the dependent tables first",
      code: "drop.children",
    });
  }
  const count = await rowCount(dialect, h);
  if (!opts.force) {
    const { confirm } = await import("../ui/confirm.js");
    if (!(await confirm(`Drop ${h.schema}.${h.table} with ${plural(count, "row")}?`))) {
      throw new UsageError(`refusing to drop ${h.schema}.${h.table} (${plural(count, "row")}) without --force`, { code: "usage.force" });
    }
  }
  await dropTable(dialect, h);
  if (ctx.out.json) return ctx.out.data({ dropped: `${h.schema}.${h.table}`, rows: count });
  ctx.out.line(`dropped ${h.schema}.${h.table} (${plural(count, "row")})`);
};
