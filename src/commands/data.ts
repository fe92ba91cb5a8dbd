/** `dj insert`, `dj fetch`, `dj delete`. */
import { stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { UsageError } from "../errors.js";
import { plural } from "../ui/plural.js";
import type { CommandContext, CommandHandler } from "./context.js";

async function open(ctx: CommandContext, ref: string, schema: string | undefined) {
  const { openSession } = await import("../services/session.js");
  const { resolveTable } = await import("../services/table-ref.js");
  const session = await openSession({ cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) });
  const heading = await resolveTable(ref, schema ?? session.config.schema, session.dialect.introspector);
  return { session, heading };
}

export const insert: CommandHandler = async (ctx, [ref], opts) => {
  const { session, heading } = await open(ctx, ref!, opts.schema);
  const { insertRow, prepareTable, rowFromFlags, describeKey } = await import("../services/insert.js");
  const { explainForeignKeyError } = await import("../services/parents.js");
  const prepared = await prepareTable(session, heading);
  if (opts.rows) {
    if (opts.key || opts.from || opts.set) throw new UsageError("--rows cannot be combined with --key, --from or --set");
    const { readRowsFile } = await import("../services/rows-file.js");
    const { rows, baseDir } = await readRowsFile(ctx.cwd, opts.rows);
    const { insertBatch } = await import("../services/insert.js");
    const BATCH_ROWS = 500;
    let inserted = 0;
    let skipped = 0;
    for (let at = 0; at < rows.length; at += BATCH_ROWS) {
      try {
        const r = await insertBatch(session, prepared, rows.slice(at, at + BATCH_ROWS), { skipDuplicates: opts.skipDuplicates, baseDir, label: opts.rows, rowOffset: at, notice: (l) => ctx.out.info(l) });
        inserted += r.inserted;
        skipped += r.skipped;
      } catch (caught) {
        const err = await explainForeignKeyError(caught, session, heading, rows.slice(at, at + BATCH_ROWS).map((r) => r.text));
        if (err instanceof Error) err.message += ` (nothing of rows ${at + 1}–${Math.min(rows.length, at + BATCH_ROWS)} was kept; ${plural(inserted, "earlier row")} ${inserted === 1 ? "was" : "were"} inserted)`;
        throw err;
      }
    }
    if (ctx.out.json) return ctx.out.data({ table: `${heading.schema}.${heading.table}`, inserted, skipped });
    return ctx.out.line(`inserted ${plural(inserted, "row")} into ${heading.schema}.${heading.className}${skipped ? `, skipped ${plural(skipped, "duplicate")}` : ""}`);
  }
  const row = rowFromFlags(opts.key ?? [], opts.set ?? [], opts.from ?? []);
  const started = performance.now();
  const { progress } = await import("../ui/progress.js");
  const r = await insertRow(session, prepared, row, {
    skipDuplicates: opts.skipDuplicates,
    baseDir: ctx.cwd,
    notice: (l) => ctx.out.info(l),
    progress: (label, total) => progress(ctx.out, label, total),
  }).catch(async (err) => {
    throw await explainForeignKeyError(err, session, heading, [row.text]);
  });
  const ms = Math.round(performance.now() - started);
  if (ctx.out.json) return ctx.out.data({ table: `${heading.schema}.${heading.table}`, status: r.status, key: r.key, objects: r.objects, ...(r.measured ? { measured: r.measured } : {}), ms });
  ctx.out.line(`${r.status} ${heading.schema}.${heading.className} (${describeKey(r.key)}) in ${ms} ms`);
};

/** Values at least this large get a progress line (the threshold insert uses). */
const LARGE_VALUE_BYTES = 64 << 20;

export const fetch: CommandHandler = async (ctx, [ref], opts) => {
  if (opts.slice !== undefined) return (await import("./fetch-slice.js")).fetchSliceCommand(ctx, ref!, opts);
  const { session, heading } = await open(ctx, ref!, opts.schema);
  const { fetchRows, decodeCell, summarize, displayScalar } = await import("../services/fetch.js");
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new UsageError(`--limit expects a whole number, got ${opts.limit}`);
  const result = await fetchRows(session, heading, { keys: opts.key ?? [], attrs: opts.attr, limit });
  const fetchOptions = opts.inverse ? { inverse: opts.inverse } : {};
  // Files are written for codec values; plain values too when --attr names them.
  const valueAttrs = result.attributes.filter((a) => !a.inKey && (opts.attr ? opts.attr.includes(a.name) : a.codec !== null));

  if (opts.out) {
    const { writeDecoded, extensionFor, withProgressNote } = await import("../services/output.js");
    const targets = result.rows.flatMap((row) => valueAttrs.filter((a) => row.raw[a.name] !== null).map((a) => ({ row, a })));
    const table = `${heading.schema}.${heading.className}`;
    if (targets.length === 0) throw nothingToWrite(table, result.rows.length, valueAttrs.map((a) => a.name), Boolean(opts.key?.length));
    const outIsDir = (await stat(opts.out).catch(() => null))?.isDirectory() ?? false;
    // `--out x.npy` names one file: several values there would need a folder, which is not what
    // the user asked for (and a folder named x.npy surprises everyone). `--out x.d/` is a folder.
    if (targets.length > 1 && !outIsDir && extname(opts.out) !== "" && !/[\\/]$/.test(opts.out)) {
      const rowCount = new Set(targets.map((t) => t.row)).size;
      throw new UsageError(`--out ${opts.out} is one file, but ${plural(targets.length, "value")} match (${plural(rowCount, "row")} of ${table})`, {
        hint: "restrict to one row with --key (and one attribute with --attr), or give a folder: --out DIR writes DIR/<key>/<attr>.<ext>",
        code: "usage.out",
      });
    }
    const written: string[] = [];
    // Large arrays show the same progress line as insert (on a terminal only).
    const { progress } = await import("../ui/progress.js");
    const { counted } = await import("../services/insert.js");
    const decode = async (row: (typeof targets)[number]["row"], a: (typeof targets)[number]["a"]) => {
      const decoded = (await decodeCell(session, result, row, a, fetchOptions))!;
      const array = decoded.kind === "ndarray" || decoded.kind === "tree" ? decoded.array : undefined;
      if (!array || array.byteLength < LARGE_VALUE_BYTES || (decoded.kind === "tree" && opts.format === "zarr")) return { decoded, done: () => {} };
      const bar = progress(ctx.out, a.name, array.byteLength);
      return { decoded: { ...decoded, array: counted(array, (n) => bar.add(n)) } as typeof decoded, done: () => bar.done() };
    };
    try {
      if (targets.length === 1 && !outIsDir) {
        const { row, a } = targets[0]!;
        const { decoded, done } = await decode(row, a);
        written.push(await writeDecoded(decoded, opts.out, opts.format));
        done();
      } else {
        for (const { row, a } of targets) {
          const { decoded, done } = await decode(row, a);
          const folder = join(opts.out, ...Object.entries(row.key).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`));
          // An attachment keeps its own file name, in a folder named after the attribute.
          const target = decoded.kind === "file" ? join(folder, a.name) : join(folder, a.name + extensionFor(decoded, opts.format));
          written.push(await writeDecoded(decoded, target, opts.format, { attachmentFolder: true }));
          done();
        }
      }
    } catch (err) {
      // The values written so far stay (each is whole); say which, so a retry can skip them.
      throw withProgressNote(err, written, targets.length);
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
  ctx.out.info(plural(result.rows.length, "row"));
};

/** Why `fetch --out` has nothing to write, plainly. */
function nothingToWrite(table: string, rows: number, attrs: string[], restricted: boolean): UsageError {
  const code = "usage.empty";
  if (rows === 0) {
    return restricted
      ? new UsageError(`no row of ${table} matches the key: nothing to write`, { hint: `\`dj fetch ${table}\` lists its rows`, code })
      : new UsageError(`${table} has no rows: nothing to write`, { hint: `rows come with \`dj insert ${table} ...\``, code });
  }
  if (attrs.length === 0) {
    return new UsageError(`${table} has no codec attributes to write to files`, { hint: "name plain attributes with --attr, or fetch without --out to print the rows", code });
  }
  return new UsageError(`nothing to write: ${rows === 1 ? "the matching row has" : `none of the ${rows} matching rows has`} a value in ${attrs.join(", ")}`, { code });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const remove: CommandHandler = async (ctx, [ref], opts) => {
  const { session, heading } = await open(ctx, ref!, opts.schema);
  const { deleteRows } = await import("../services/delete.js");
  const plan = await deleteRows(session, heading, opts.key ?? [], { cascade: Boolean(opts.cascade), dryRun: true, all: Boolean(opts.all), partIntegrity: opts.partIntegrity });
  const total = plan.reduce((n, p) => n + p.rows, 0);
  if (total === 0) {
    if (ctx.out.json) return ctx.out.data({ deleted: [] });
    return ctx.out.info("no rows match");
  }
  if (!opts.force) {
    for (const p of plan) ctx.out.info(`  ${plural(p.rows, "row")} from ${p.schema}.${p.table}`);
    const { confirm } = await import("../ui/confirm.js");
    if (!(await confirm(`Delete ${plural(total, "row")}?`))) throw new UsageError(`refusing to delete ${plural(total, "row")} without --force`, { code: "usage.force" });
  }
  const done = await deleteRows(session, heading, opts.key ?? [], { cascade: Boolean(opts.cascade), dryRun: false, all: Boolean(opts.all), partIntegrity: opts.partIntegrity });
  if (ctx.out.json) return ctx.out.data({ deleted: done });
  for (const p of done) ctx.out.line(`deleted ${plural(p.rows, "row")} from ${p.schema}.${p.table}`);
  ctx.out.info("store objects stay until `dj gc`");
};
