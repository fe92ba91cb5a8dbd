/** `dj schema list | create NAME | drop NAME [--force]`. */
import { ConflictError, DatabaseError, UsageError } from "../errors.js";
import { assertSchemaName } from "../schema/schema-name.js";
import type { CommandContext, CommandHandler } from "./context.js";

async function session(ctx: CommandContext) {
  const { openSession } = await import("../services/session.js");
  return openSession({ cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) });
}

function checkName(name: string): void {
  assertSchemaName(name, "argument");
}

export const list: CommandHandler = async (ctx) => {
  const { dialect } = await session(ctx);
  const schemas = await dialect.introspector.schemas();
  if (ctx.out.json) return ctx.out.data({ schemas });
  for (const s of schemas) ctx.out.line(s);
};

export const create: CommandHandler = async (ctx, [name]) => {
  checkName(name!);
  const { dialect } = await session(ctx);
  if (await dialect.introspector.schemaExists(name!)) throw new ConflictError(`schema ${name} already exists`, { code: "schema.exists" });
  await dialect.driver.query(dialect.compiler.createSchema(name!));
  await dialect.driver.query(dialect.compiler.createLineageTable(name!));
  if (ctx.out.json) return ctx.out.data({ schema: name, created: true });
  ctx.out.line(`created schema ${name}`);
};

export const drop: CommandHandler = async (ctx, [name], opts) => {
  checkName(name!);
  const { dialect } = await session(ctx);
  if (!(await dialect.introspector.schemaExists(name!))) throw new DatabaseError(`schema ${name} does not exist`, { code: "db.schema" });
  const tables = await dialect.introspector.tables(name!);
  const rows = tables.reduce((n, t) => n + t.rows, 0);
  const summary = `schema ${name}: ${tables.length} table${tables.length === 1 ? "" : "s"}, ${rows} row${rows === 1 ? "" : "s"}`;
  if (!opts.force) {
    const { confirm } = await import("../ui/confirm.js");
    if (!(await confirm(`Drop ${summary}? Objects in stores stay until \`dj gc\`.`))) {
      throw new UsageError(`refusing to drop ${summary} without --force`, { hint: "add --force (or answer yes on a terminal)", code: "usage.force" });
    }
  }
  await dialect.dropSchema(name!);
  if (ctx.out.json) return ctx.out.data({ schema: name, dropped: true, tables: tables.length, rows });
  ctx.out.line(`dropped ${summary}`);
};
