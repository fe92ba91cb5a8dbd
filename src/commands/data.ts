/** `dj insert`, `dj fetch`, `dj delete`. */
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import type { CommandContext, CommandHandler } from "./context.js";

async function open(ctx: CommandContext, ref: string, schema: string | undefined) {
  const { openSession } = await import("../data/session.js");
  const { resolveTable } = await import("../data/table-ref.js");
  const session = await openSession({ cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) });
  const heading = await resolveTable(ref, schema ?? session.config.schema, session.dialect.introspector);
  return { session, heading };
}

export const insert: CommandHandler = async (ctx, [ref], opts) => {
  const { session, heading } = await open(ctx, ref!, opts.schema);
  const { insertRow, prepareTable, rowFromFlags, describeKey } = await import("../data/insert.js");
  const prepared = await prepareTable(session, heading);
  if (opts.rows) {
    if (opts.key || opts.from || opts.set) throw new UsageError("--rows cannot be combined with --key, --from or --set");
    const { readRowsFile } = await import("../data/rows-file.js");
    const { rows, baseDir } = await readRowsFile(ctx.cwd, opts.rows);
    const { insertBatch } = await import("../data/insert.js");
    const BATCH_ROWS = 500;
    let inserted = 0;
    let skipped = 0;
    for (let at = 0; at < rows.length; at += BATCH_ROWS) {
      try {
        const r = await insertBatch(session, prepared, rows.slice(at, at + BATCH_ROWS), { skipDuplicates: opts.skipDuplicates, baseDir, label: opts.rows, rowOffset: at, notice: (l) => ctx.out.info(l) });
        inserted += r.inserted;
        skipped += r.skipped;
      } catch (err) {
        if (err instanceof Error) err.message += ` (nothing of rows ${at + 1}–${Math.min(rows.length, at + BATCH_ROWS)} was kept; ${inserted} earlier rows were inserted)`;
        throw err;
      }
    }
    if (ctx.out.json) return ctx.out.data({ table: `${heading.schema}.${heading.table}`, inserted, skipped });
    return ctx.out.line(`inserted ${inserted} row${inserted === 1 ? "" : "s"} into ${heading.schema}.${heading.className}${skipped ? `, skipped ${skipped} duplicate${skipped === 1 ? "" : "s"}` : ""}`);
  }
  const row = rowFromFlags(opts.key ?? [], opts.set ?? [], opts.from ?? []);
  const started = performance.now();
  const { progress } = await import("../ui/progress.js");
  const r = await insertRow(session, prepared, row, {
    skipDuplicates: opts.skipDuplicates,
    baseDir: ctx.cwd,
    notice: (l) => ctx.out.info(l),
    progress: (label, total) => progress(ctx.out, label, total),
  });
  const ms = Math.round(performance.now() - started);
  if (ctx.out.json) return ctx.out.data({ table: `${heading.schema}.${heading.table}`, status: r.status, key: r.key, objects: r.objects, ms });
  ctx.out.line(`${r.status} ${heading.schema}.${heading.className} (${describeKey(r.key)}) in ${ms} ms`);
};

export const fetch: CommandHandler = async (ctx, [ref], opts) => {
  const { session, heading } = await open(ctx, ref!, opts.schema);
  const { fetchRows, decodeCell, summarize, displayScalar } = await import("../data/fetch.js");
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new UsageError(`--limit expects a whole number, got ${opts.limit}`);
  const result = await fetchRows(session, heading, { keys: opts.key ?? [], attrs: opts.attr, limit });
  const fetchOptions = opts.inverse ? { inverse: opts.inverse } : {};
  // Files are written for codec values; plain values too when --attr names them.
  const valueAttrs = result.attributes.filter((a) => !a.inKey && (opts.attr ? opts.attr.includes(a.name) : a.codec !== null));

  if (opts.out) {
    const { writeDecoded, extensionFor } = await import("../data/output.js");
    const targets = result.rows.flatMap((row) => valueAttrs.filter((a) => row.raw[a.name] !== null).map((a) => ({ row, a })));
    if (targets.length === 0) throw new UsageError("nothing to write: no row matches, or the values are empty", { code: "usage.empty" });
    const outIsDir = (await stat(opts.out).catch(() => null))?.isDirectory() ?? false;
    const written: string[] = [];
    if (targets.length === 1 && !outIsDir) {
      const { row, a } = targets[0]!;
      const decoded = await decodeCell(session, result, row, a, fetchOptions);
      written.push(await writeDecoded(decoded!, opts.out, opts.format));
    } else {
      for (const { row, a } of targets) {
        const decoded = await decodeCell(session, result, row, a, fetchOptions);
        const folder = join(opts.out, ...Object.entries(row.key).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`));
        // An attachment keeps its own file name, in a folder named after the attribute.
        const target = decoded!.kind === "file" ? join(folder, a.name) : join(folder, a.name + extensionFor(decoded!, opts.format));
        if (decoded!.kind === "file") await mkdir(target, { recursive: true });
        written.push(await writeDecoded(decoded!, target, opts.format));
      }
    }
    if (ctx.out.json) return ctx.out.data({ written });
    for (const w of written) ctx.out.line(w);
    return;
  }

  if (ctx.out.json) {
    const rows = result.rows.map((row) =>
      Object.fromEntries(
        result.attributes.map((a) => {
          const raw = row.raw[a.name];
          if (raw === null || raw === undefined) return [a.name, null];
          // JSON columns arrive as text or, when the driver parsed them, as objects.
          const isJson = a.sqlType === "json";
          if (isJson) return [a.name, typeof raw === "string" ? safeJson(raw) : raw];
          if (a.codec) return [a.name, summarize(a, raw, result.codecs.get(a.name))];
          return [a.name, displayScalar(a, raw)];
        }),
      ),
    );
    return ctx.out.data({ table: `${heading.schema}.${heading.table}`, rows });
  }
  if (result.rows.length === 0) return ctx.out.info("no rows");
  const { renderTable } = await import("../ui/table.js");
  const cells = result.rows.map((row) => result.attributes.map((a) => summarize(a, row.raw[a.name], result.codecs.get(a.name))));
  ctx.out.line(await renderTable(result.attributes.map((a) => (a.inKey ? `*${a.name}` : a.name)), cells, ctx.out.color));
  ctx.out.info(`${result.rows.length} row${result.rows.length === 1 ? "" : "s"}`);
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const remove: CommandHandler = async (ctx, [ref], opts) => {
  const { session, heading } = await open(ctx, ref!, opts.schema);
  const { deleteRows } = await import("../data/delete.js");
  const plan = await deleteRows(session, heading, opts.key ?? [], { cascade: Boolean(opts.cascade), dryRun: true });
  const total = plan.reduce((n, p) => n + p.rows, 0);
  if (total === 0) {
    if (ctx.out.json) return ctx.out.data({ deleted: [] });
    return ctx.out.info("no rows match");
  }
  if (!opts.force) {
    for (const p of plan) ctx.out.info(`  ${p.rows} row${p.rows === 1 ? "" : "s"} from ${p.schema}.${p.table}`);
    const { confirm } = await import("../ui/confirm.js");
    if (!(await confirm(`Delete ${total} rows?`))) throw new UsageError(`refusing to delete ${total} rows without --force`, { code: "usage.force" });
  }
  const done = await deleteRows(session, heading, opts.key ?? [], { cascade: Boolean(opts.cascade), dryRun: false });
  if (ctx.out.json) return ctx.out.data({ deleted: done });
  for (const p of done) ctx.out.line(`deleted ${p.rows} row${p.rows === 1 ? "" : "s"} from ${p.schema}.${p.table}`);
  ctx.out.info("store objects stay until `dj gc`");
};
