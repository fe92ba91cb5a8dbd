/** `dj verify [--schema S] [TABLE] [--deep]`: the integrity audit (src/services/verify.ts). */
import { StoreError } from "../errors.js";
import { plural } from "../ui/plural.js";
import { failed } from "./context.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";

export const verify: Handler<"verify"> = async (ctx, [ref], opts) => {
  const { describeFinding, verifyTables } = await import("../services/verify.js");
  const report = await verifyTables(where(ctx), { ref, schema: opts.schema, deep: Boolean(opts.deep) });
  const uncheckedValues = report.unchecked.reduce((n, u) => n + u.rows, 0);
  const clean = report.problems.length === 0 && uncheckedValues === 0;
  if (ctx.out.json) ctx.out.data({ ...report, clean });
  else {
    for (const f of report.problems) ctx.out.line(describeFinding(f));
    for (const u of report.unchecked) ctx.out.warn(`${u.table} ${u.attribute}: ${plural(u.rows, "value")} not checked: ${u.reason}`);
  }
  const what = `${plural(report.values_checked, "value")} in ${plural(report.rows_checked, "row")} of ${plural(report.tables.length, "table")}${report.deep ? " (deep)" : ""}`;
  if (clean) return ctx.out.info(`verified ${what}: no problems`);
  const parts = [...(report.problems.length ? [plural(report.problems.length, "problem")] : []), ...(uncheckedValues ? [`${plural(uncheckedValues, "value")} not checked`] : [])];
  return failed(
    new StoreError(`verify found ${parts.join(" and ")} in ${what}`, {
      hint: report.problems.length
        ? "each line above names the row, attribute and object; restore those objects from a backup, or delete the rows and insert them again"
        : "install the codecs named above (`dj codecs check --schema " + report.schema + "`) and run verify again",
      code: "verify.problems",
    }),
  );
};
