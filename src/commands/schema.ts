/** `dj schema list | create NAME | drop NAME [--force]`. */
import { UsageError } from "../errors.js";
import { assertSchemaName } from "../schema/schema-name.js";
import { plural } from "../ui/plural.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";

export const list: Handler<"schema list"> = async (ctx) => {
  const { listSchemas } = await import("../services/schemas.js");
  const schemas = await listSchemas(where(ctx));
  if (ctx.out.json) return ctx.out.data({ schemas });
  for (const s of schemas) ctx.out.line(s);
};

export const create: Handler<"schema create"> = async (ctx, [name]) => {
  assertSchemaName(name!, "argument");
  const { createSchema } = await import("../services/schemas.js");
  await createSchema(where(ctx), name!);
  if (ctx.out.json) return ctx.out.data({ schema: name, created: true });
  ctx.out.line(`created schema ${name}`);
};

export const drop: Handler<"schema drop"> = async (ctx, [name], opts) => {
  assertSchemaName(name!, "argument");
  const { planSchemaDrop } = await import("../services/schemas.js");
  const plan = await planSchemaDrop(where(ctx), name!);
  const summary = `schema ${name}: ${plural(plan.tables, "table")}, ${plural(plan.rows, "row")}`;
  if (!opts.force) {
    const { confirm } = await import("../ui/confirm.js");
    if (!(await confirm(`Drop ${summary}? Objects in stores stay until \`dj gc\`.`))) {
      throw new UsageError(`refusing to drop ${summary} without --force`, { hint: "add --force (or answer yes on a terminal)", code: "usage.force" });
    }
  }
  await plan.drop();
  if (ctx.out.json) return ctx.out.data({ schema: name, dropped: true, tables: plan.tables, rows: plan.rows });
  ctx.out.line(`dropped ${summary}`);
};
