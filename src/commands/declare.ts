/** `dj declare FILE... [--dry-run] [--schema S]`. */
import type { Handler } from "./options.js";
import { where } from "./where.js";

export const declare: Handler<"declare"> = async (ctx, files, opts) => {
  const { declareFiles } = await import("../services/declare.js");
  const dryRun = Boolean(opts.dryRun);
  const results = await declareFiles(where(ctx), files, { dryRun, schema: opts.schema });
  if (ctx.out.json) return ctx.out.data({ dryRun, tables: results });
  for (const r of results) {
    const rows = (n: number) => `${n} row${n === 1 ? "" : "s"}`;
    const contents = r.contents ? `, contents: ${rows(r.contents.inserted)} ${dryRun ? "to insert" : "inserted"}${r.contents.present ? `, ${rows(r.contents.present)} already there` : ""}` : "";
    if (dryRun) {
      if (r.status === "exists") ctx.out.line(`-- ${r.schema}.${r.className}: exists${contents}`);
      else for (const s of r.sql) ctx.out.line(`${s};\n`);
      if (r.status !== "exists" && contents) ctx.out.line(`-- ${r.schema}.${r.className}${contents}`);
    } else {
      ctx.out.line(`${r.status.padEnd(8)} ${r.schema}.${r.className} (${r.table})${contents}`);
    }
  }
};
