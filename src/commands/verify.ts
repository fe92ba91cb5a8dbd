/** `dj verify [--schema S] [TABLE] [--deep]`: the integrity audit (src/services/verify.ts). */
import { StoreError } from "../errors.js";
import { plural } from "../ui/plural.js";
import type { CommandHandler } from "./context.js";

export const verify: CommandHandler = async (ctx, [ref], opts) => {
  const { openSession } = await import("../services/session.js");
  const { assertSchema, describeFinding, verifySchema } = await import("../services/verify.js");
  const session = await openSession({ cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) });
  let table = null;
  if (ref) {
    const { resolveTable } = await import("../services/table-ref.js");
    table = await resolveTable(ref, opts.schema ?? session.config.schema, session.dialect.introspector);
  }
  const schema = table ? table.schema : assertSchema(opts.schema ?? session.config.schema);
  const report = await verifySchema(session, { schema, table, deep: Boolean(opts.deep) });
  const uncheckedValues = report.unchecked.reduce((n, u) => n + u.rows, 0);
  const clean = report.problems.length === 0 && uncheckedValues === 0;
  if (ctx.out.json) {
    ctx.out.data({ ...report, clean });
    return clean ? 0 : 5;
  }
  for (const f of report.problems) ctx.out.line(describeFinding(f));
  for (const u of report.unchecked) ctx.out.warn(`${u.table} ${u.attribute}: ${plural(u.rows, "value")} not checked: ${u.reason}`);
  const what = `${report.values_checked} value${report.values_checked === 1 ? "" : "s"} in ${report.rows_checked} row${report.rows_checked === 1 ? "" : "s"} of ${report.tables.length} table${report.tables.length === 1 ? "" : "s"}${report.deep ? " (deep)" : ""}`;
  if (clean) return ctx.out.info(`verified ${what}: no problems`);
  const parts = [
    ...(report.problems.length ? [`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}`] : []),
    ...(uncheckedValues ? [`${uncheckedValues} value${uncheckedValues === 1 ? "" : "s"} not checked`] : []),
  ];
  throw new StoreError(`verify found ${parts.join(" and ")} in ${what}`, {
    hint: report.problems.length
      ? "each line above names the row, attribute and object; restore those objects from a backup, or delete the rows and insert them again"
      : "install the codecs named above (`dj codecs check --schema " + schema + "`) and run verify again",
    code: "verify.problems",
  });
};
