/** `dj declare FILE... [--dry-run] [--schema S]`. */
import type { CommandHandler } from "./context.js";

export const declare: CommandHandler = async (ctx, files, opts) => {
  const { openSession } = await import("../services/session.js");
  const { declarePipeline } = await import("../services/declare.js");
  const session = await openSession({ cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) });
  const results = await declarePipeline(session.config, session.dialect, session.registry, files, ctx.cwd, {
    dryRun: Boolean(opts.dryRun),
    schema: opts.schema,
  });
  if (ctx.out.json) return ctx.out.data({ dryRun: Boolean(opts.dryRun), tables: results });
  for (const r of results) {
    const rows = (n: number) => `${n} row${n === 1 ? "" : "s"}`;
    const contents = r.contents ? `, contents: ${rows(r.contents.inserted)} ${opts.dryRun ? "to insert" : "inserted"}${r.contents.present ? `, ${rows(r.contents.present)} already there` : ""}` : "";
    if (opts.dryRun) {
      if (r.status === "exists") ctx.out.line(`-- ${r.schema}.${r.className}: exists${contents}`);
      else for (const s of r.sql) ctx.out.line(`${s};\n`);
      if (r.status !== "exists" && contents) ctx.out.line(`-- ${r.schema}.${r.className}${contents}`);
    } else {
      ctx.out.line(`${r.status.padEnd(8)} ${r.schema}.${r.className} (${r.table})${contents}`);
    }
  }
};
