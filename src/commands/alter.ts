/** `dj diff FILE.dj... [--schema S]` and `dj alter FILE.dj... [--dry-run] [--force] [--schema S]`. */
import { ConflictError } from "../errors.js";
import { failed } from "./context.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";

/** Exit 0 when every table of the files is in the database as declared, 8 otherwise. */
export const diff: Handler<"diff"> = async (ctx, files, opts) => {
  const { diffFiles } = await import("../services/schema-diff.js");
  const { renderDiff, diffJson } = await import("../schema/heading-diff.js");
  const tables = await diffFiles(where(ctx), files, { schema: opts.schema });
  const identical = tables.every((t) => t.status === "identical");
  if (ctx.out.json) {
    ctx.out.data({
      identical,
      tables: tables.map((t) => ({ schema: t.schema, className: t.className, table: t.table, status: t.status, ...(t.diff ? diffJson(t.diff) : {}) })),
    });
  } else {
    for (const t of tables) {
      const name = `${t.schema}.${t.className} (${t.table})`;
      if (t.status === "missing") ctx.out.line(`+ ${name}: not in the database (dj declare creates it)`);
      else if (t.status === "identical") ctx.out.line(`= ${name}`);
      else ctx.out.line([`~ ${name}:`, ...renderDiff(t.diff!)].join("\n"));
    }
    if (identical) ctx.out.info(`${tables.length === 1 ? "the table matches" : `all ${tables.length} tables match`} the database`);
  }
  if (identical) return;
  const differ = tables.filter((t) => t.status !== "identical").length;
  return failed(
    new ConflictError(`${differ} of ${tables.length} tables differ from the database`, {
      hint: "`dj declare` creates missing tables; `dj alter --dry-run` shows what alter would change",
      code: "schema.diff",
    }),
  );
};

export const alter: Handler<"alter"> = async (ctx, files, opts) => {
  const { alterFiles } = await import("../services/alter.js");
  const { confirm } = await import("../ui/confirm.js");
  const results = await alterFiles(where(ctx), files, {
    schema: opts.schema,
    dryRun: Boolean(opts.dryRun),
    confirmDrops: async (drops) => {
      if (opts.force) return true;
      for (const d of drops) ctx.out.info(`  drops ${d}`);
      return confirm(`Drop ${drops.length === 1 ? "this attribute" : `these ${drops.length} attributes`} and their values?`);
    },
  });
  if (ctx.out.json) return ctx.out.data({ dryRun: Boolean(opts.dryRun), tables: results });
  for (const r of results) {
    const name = `${r.schema}.${r.className} (${r.table})`;
    if (r.status === "missing") ctx.out.info(`${name} is not in the database: \`dj declare\` creates it`);
    else if (opts.dryRun) ctx.out.line(r.sql.length ? r.sql.map((s) => `${s};\n`).join("\n") : `-- ${name}: unchanged`);
    else ctx.out.line(`${r.status.padEnd(9)} ${name}`);
  }
};
