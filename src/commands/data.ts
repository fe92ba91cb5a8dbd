/** `dj insert`, `dj fetch`, `dj delete`, `dj count`: options checked here, the work in services/. */
import { UsageError } from "../errors.js";
import { plural } from "../ui/plural.js";
import type { CommandContext } from "./context.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";
import { stdout } from "../ui/stdio.js";

/** A progress line for large values (drawn on a terminal only). */
async function progressLines(ctx: CommandContext) {
  const { progress } = await import("../ui/progress.js");
  return (label: string, total: number) => progress(ctx.out, label, total);
}

export const insert: Handler<"insert"> = async (ctx, [ref], opts) => {
  const target = { ref: ref!, schema: opts.schema };
  const notice = (l: string) => ctx.out.info(l);
  if (opts.rows) {
    const { assertRowsAlone, insertRowsFile } = await import("../services/insert.js");
    assertRowsAlone(opts);
    const r = await insertRowsFile(where(ctx), target, opts.rows, { skipDuplicates: opts.skipDuplicates, notice });
    if (ctx.out.json) return ctx.out.data({ table: `${r.target.schema}.${r.target.table}`, inserted: r.inserted, skipped: r.skipped });
    return ctx.out.line(`inserted ${plural(r.inserted, "row")} into ${r.target.schema}.${r.target.className}${r.skipped ? `, skipped ${plural(r.skipped, "duplicate")}` : ""}`);
  }
  const { insertOne } = await import("../services/insert.js");
  const { describeKey } = await import("../services/encode-row.js");
  const started = performance.now();
  const r = await insertOne(where(ctx), target, opts, { skipDuplicates: opts.skipDuplicates, notice, progress: await progressLines(ctx) });
  const ms = Math.round(performance.now() - started);
  if (ctx.out.json) return ctx.out.data({ table: `${r.target.schema}.${r.target.table}`, status: r.status, key: r.key, objects: r.objects, ...(r.measured ? { measured: r.measured } : {}), ms });
  ctx.out.line(`${r.status} ${r.target.schema}.${r.target.className} (${describeKey(r.key)}) in ${ms} ms`);
};

/** `--limit`/`--offset`: a whole number, checked before anything is opened. */
function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`--${flag} expects a whole number, got ${JSON.stringify(text)}`, { code: "usage.limit" });
  return n;
}

export const fetch: Handler<"fetch"> = async (ctx, [ref], opts) => {
  if (opts.slice !== undefined) return (await import("./fetch-slice.js")).fetchSliceCommand(ctx, ref!, opts);
  const query = { keys: opts.key ?? [], where: opts.where, attrs: opts.attr, orderBy: opts.orderBy, limit: wholeNumber("limit", opts.limit), offset: wholeNumber("offset", opts.offset) };
  if (opts.format === "csv" || opts.format === "jsonl") {
    if (opts.inverse) throw new UsageError(`--inverse decodes values; --format ${opts.format} exports the rows as stored`, { code: "usage.out" });
    if (ctx.out.json) throw new UsageError(`--json and --format ${opts.format} both choose the output: give one`, { code: "usage.out" });
    const { exportRows } = await import("../services/export.js");
    const r = await exportRows(where(ctx), { ref: ref!, schema: opts.schema, ...query, format: opts.format, out: opts.out }, stdout.stream());
    // The count goes to stderr: stdout is the data.
    ctx.out.info(`${plural(r.rows, "row")}${r.out ? ` written to ${r.out}` : ""}${r.cut ? " (the reader closed stdout)" : ""}`);
    return;
  }
  if (opts.out) {
    const { fetchToFiles } = await import("../services/fetch-files.js");
    const written = await fetchToFiles(where(ctx), {
      ref: ref!,
      schema: opts.schema,
      ...query,
      out: opts.out,
      format: opts.format,
      fetchOptions: opts.inverse ? { inverse: opts.inverse } : {},
      progress: await progressLines(ctx),
    });
    if (ctx.out.json) return ctx.out.data({ written });
    for (const w of written) ctx.out.line(w);
    return;
  }
  const { fetchTable } = await import("../services/fetch.js");
  const t = await fetchTable(where(ctx), ref!, opts.schema, query);
  if (ctx.out.json) return ctx.out.data({ table: t.table, rows: t.rows });
  if (t.rows.length === 0) return ctx.out.info("no rows");
  const { renderTable } = await import("../ui/table.js");
  ctx.out.line(await renderTable(t.headers, t.cells, ctx.out.color));
  ctx.out.info(plural(t.rows.length, "row"));
};

export const remove: Handler<"delete"> = async (ctx, [ref], opts) => {
  const { planRowDelete } = await import("../services/delete.js");
  const plan = await planRowDelete(where(ctx), { ref: ref!, schema: opts.schema }, { keys: opts.key ?? [], where: opts.where }, { cascade: Boolean(opts.cascade), all: Boolean(opts.all), partIntegrity: opts.partIntegrity });
  if (plan.total === 0) {
    if (ctx.out.json) return ctx.out.data({ deleted: [] });
    return ctx.out.info("no rows match");
  }
  if (!opts.force) {
    for (const p of plan.tables) ctx.out.info(`  ${plural(p.rows, "row")} from ${p.schema}.${p.table}`);
    const { confirm } = await import("../ui/confirm.js");
    if (!(await confirm(`Delete ${plural(plan.total, "row")}?`))) throw new UsageError(`refusing to delete ${plural(plan.total, "row")} without --force`, { code: "usage.force" });
  }
  const done = await plan.run();
  if (ctx.out.json) return ctx.out.data({ deleted: done });
  for (const p of done) ctx.out.line(`deleted ${plural(p.rows, "row")} from ${p.schema}.${p.table}`);
  ctx.out.info("store objects stay until `dj gc`");
};

export const count: Handler<"count"> = async (ctx, [ref], opts) => {
  const { countRows } = await import("../services/count.js");
  const r = await countRows(where(ctx), { ref: ref!, schema: opts.schema }, { keys: opts.key ?? [], where: opts.where });
  if (ctx.out.json) return ctx.out.data({ table: r.table, rows: r.rows });
  ctx.out.line(String(r.rows));
};
