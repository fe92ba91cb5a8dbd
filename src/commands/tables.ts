/** `dj tables [SCHEMA]`, `dj describe TABLE | --schema S`, `dj drop TABLE [--force]`. */
import { UsageError } from "../errors.js";
import { plural } from "../ui/plural.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";
import { stdout } from "../ui/stdio.js";

export const tables: Handler<"tables"> = async (ctx, [schemaArg]) => {
  if (schemaArg !== undefined) (await import("../schema/schema-name.js")).assertSchemaName(schemaArg, "argument");
  const { listTables } = await import("../services/tables.js");
  const { schema, tables: rows } = await listTables(where(ctx), schemaArg);
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

export const describe: Handler<"describe"> = async (ctx, [ref], opts) => {
  const { describeTables } = await import("../services/tables.js");
  const d = await describeTables(where(ctx), ref, opts.schema);
  if (ctx.out.json) return ctx.out.data(d.table ? { schema: d.schema, table: d.table, definition: d.definition } : { schema: d.schema, definition: d.definition });
  if (d.table) return ctx.out.line(d.definition);
  stdout.write(d.definition);
};

export const drop: Handler<"drop"> = async (ctx, [ref], opts) => {
  const { planTableDrop } = await import("../services/tables.js");
  const plan = await planTableDrop(where(ctx), ref!, opts.schema);
  const name = `${plan.schema}.${plan.table}`;
  if (!opts.force) {
    const { confirm } = await import("../ui/confirm.js");
    if (!(await confirm(`Drop ${name} with ${plural(plan.rows, "row")}?`))) {
      throw new UsageError(`refusing to drop ${name} (${plural(plan.rows, "row")}) without --force`, { code: "usage.force" });
    }
  }
  await plan.drop();
  if (ctx.out.json) return ctx.out.data({ dropped: name, rows: plan.rows });
  ctx.out.line(`dropped ${name} (${plural(plan.rows, "row")})`);
};
