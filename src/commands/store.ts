/** `dj store list`, `dj store check [NAME...]`, `dj store ls NAME [PREFIX]`, `dj gc`. */
import { randomBytes } from "node:crypto";
import { StoreError, UsageError } from "../errors.js";
import { plural } from "../ui/plural.js";
import type { CommandContext, CommandHandler } from "./context.js";

async function config(ctx: CommandContext) {
  const { loadConfig } = await import("../config/load.js");
  const { requireConfigured } = await import("../services/configured.js");
  const cfg = await loadConfig({ cwd: ctx.cwd, configPath: ctx.globals.config });
  requireConfigured(cfg, "store", ctx.cwd);
  return cfg;
}

export const list: CommandHandler = async (ctx) => {
  const cfg = await config(ctx);
  const { maskObject } = await import("../config/mask.js");
  const stores = Object.entries(cfg.stores.specs).map(([name, spec]) => ({
    name,
    default: name === cfg.stores.default,
    filepath_default: name === cfg.stores.filepath_default,
    ...maskObject({ ...spec }),
  }));
  if (ctx.out.json) return ctx.out.data({ default: cfg.stores.default, stores });
  if (stores.length === 0) return ctx.out.info("no stores configured (add a \"stores\" section to the config)");
  const { renderTable } = await import("../ui/table.js");
  const where = (s: (typeof stores)[number]) =>
    s.protocol === "s3" ? `${(s as { endpoint?: string }).endpoint}/${(s as { bucket?: string }).bucket}/${s.location}` : s.location;
  ctx.out.line(
    await renderTable(
      ["name", "protocol", "location", "default"],
      stores.map((s) => [s.name, s.protocol, where(s), [s.default ? "default" : "", s.filepath_default ? "filepath" : ""].filter(Boolean).join(", ")]),
      ctx.out.color,
    ),
  );
};

interface ProbeResult {
  store: string;
  ok: boolean;
  /** "ok", "stalled" (connected, then silent past timeouts.idle), "read-only", or "failed". */
  status: string;
  write_ms?: number;
  read_ms?: number;
  delete_ms?: number;
  error?: string;
  hint?: string;
}

/** Failures `dj store check` names by what they are rather than as a plain FAIL. */
const STATUS_BY_CODE: Record<string, string> = { "store.stalled": "stalled", "store.readonly": "read-only" };

export const check: CommandHandler = async (ctx, args) => {
  const cfg = await config(ctx);
  const { openStore } = await import("../stores/open.js");
  const names = args.length ? args : Object.keys(cfg.stores.specs);
  if (names.length === 0) throw new UsageError("no stores configured to check");
  const results: ProbeResult[] = [];
  for (const name of names) {
    const probeKey = `.dj-probe/${Date.now()}-${randomBytes(4).toString("hex")}`;
    const payload = randomBytes(1024);
    const r: ProbeResult = { store: name, ok: false, status: "failed" };
    results.push(r);
    try {
      const store = await openStore(cfg, name);
      let t = performance.now();
      await store.set(probeKey, payload);
      r.write_ms = Math.round(performance.now() - t);
      t = performance.now();
      const back = await store.get(probeKey);
      r.read_ms = Math.round(performance.now() - t);
      if (!back || Buffer.compare(Buffer.from(back), payload) !== 0) {
        throw new StoreError(`store "${name}": the probe object read back differs from what was written`, { code: "store.corrupt" });
      }
      t = performance.now();
      await store.delete(probeKey);
      r.delete_ms = Math.round(performance.now() - t);
      r.ok = true;
      r.status = "ok";
    } catch (err) {
      r.error = (err as Error).message;
      r.hint = (err as StoreError).hint;
      r.status = STATUS_BY_CODE[(err as StoreError).code ?? ""] ?? "failed";
    }
  }
  const failed = results.filter((r) => !r.ok);
  if (ctx.out.json) {
    ctx.out.data({ ok: failed.length === 0, stores: results });
    return failed.length ? 5 : 0;
  }
  for (const r of results) {
    if (r.ok) ctx.out.line(`ok    ${r.store}  write ${r.write_ms} ms, read ${r.read_ms} ms, delete ${r.delete_ms} ms`);
    else ctx.out.line(`${(r.status === "failed" ? "FAIL" : r.status.toUpperCase()).padEnd(5)} ${r.store}  ${r.error}${r.hint ? `\n      hint: ${r.hint}` : ""}`);
  }
  if (failed.length) {
    throw new StoreError(failed.length === 1 ? failed[0]!.error! : `${failed.length} stores failed the check: ${failed.map((f) => f.store).join(", ")}`, {
      hint: failed.length === 1 ? failed[0]!.hint : "each store's line above says what went wrong",
      code: "store.check",
    });
  }
};

export const ls: CommandHandler = async (ctx, args) => {
  const cfg = await config(ctx);
  const { openStore } = await import("../stores/open.js");
  const [name, prefix = ""] = args;
  const store = await openStore(cfg, name!);
  const objects: Array<{ key: string; size: number; modified: string }> = [];
  for await (const o of store.list(prefix.replace(/^\/+/, ""))) {
    objects.push({ key: o.key, size: o.size, modified: o.modified.toISOString() });
  }
  objects.sort((a, b) => a.key.localeCompare(b.key));
  if (ctx.out.json) return ctx.out.data({ store: name, prefix, objects });
  for (const o of objects) ctx.out.line(`${String(o.size).padStart(12)}  ${o.modified}  ${o.key}`);
  ctx.out.info(plural(objects.length, "object"));
};

export const gc: CommandHandler = async (ctx, _args, opts) => {
  const { openSession } = await import("../services/session.js");
  const { collectGarbage, parseAge } = await import("../services/gc.js");
  const minAge = String(opts.minAge ?? "1h");
  const minAgeMs = parseAge(minAge);
  const session = await openSession({ cwd: ctx.cwd, configPath: ctx.globals.config, log: (l) => ctx.out.debug(l) });
  const schemas: string[] = opts.schema ?? (session.config.schema ? [session.config.schema] : []);
  if (schemas.length === 0) throw new UsageError("name the schemas to scan with --schema (or set \"schema\" in the config)");
  const report = await collectGarbage(session, { schemas, store: opts.store ?? null, dryRun: Boolean(opts.dryRun), minAgeMs });
  const refused = report.scan_errors.length > 0 && !report.dry_run;
  if (ctx.out.json) {
    ctx.out.data({ ...report, min_age: minAge });
  } else {
    const mb = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;
    ctx.out.line(`store ${report.store}, schemas ${report.schemas.join(", ")}${report.dry_run ? " (dry run)" : ""}`);
    if (report.stores_in_scope.length > 1) ctx.out.line(`  one location with stores ${report.stores_in_scope.slice(1).join(", ")}: their references count too`);
    // Say which age limit applied, so a dry run that lists nothing is not mistaken for "clean".
    ctx.out.line(`  --min-age ${minAge}: unreferenced objects younger than that are kept`);
    ctx.out.line(`  hash-addressed:   ${report.hash_paths_stored} stored, ${report.hash_paths_referenced} referenced, ${report.hash_paths_orphaned} orphaned (${mb(report.hash_paths_orphaned_bytes)})`);
    ctx.out.line(`  schema-addressed: ${report.schema_paths_stored} stored, ${report.schema_paths_referenced} referenced, ${report.schema_paths_orphaned} orphaned (${mb(report.schema_paths_orphaned_bytes)})`);
    if (report.skipped_young) ctx.out.line(`  ${plural(report.skipped_young, "unreferenced object")} younger than --min-age ${minAge} kept`);
    if (report.skipped_in_flight) ctx.out.line(`  ${plural(report.skipped_in_flight, "unreferenced object")} kept for ${plural(report.inserts_in_flight, "insert")} in flight`);
    if (report.temp_files_found || report.multipart_uploads_found) {
      const what = `${plural(report.temp_files_found, "temp file")} and ${plural(report.multipart_uploads_found, "unfinished upload")} left by interrupted writes`;
      ctx.out.line(report.dry_run || refused ? `  ${what}` : `  ${what}: removed ${report.temp_files_deleted} and ${report.multipart_uploads_aborted}`);
    }
    if (report.dry_run) for (const p of [...report.orphaned_hash_paths, ...report.orphaned_schema_paths]) ctx.out.line(`  would remove ${p}`);
    else if (!refused) ctx.out.line(`  deleted ${plural(report.deleted, "object")}, ${mb(report.bytes_freed)} freed`);
    for (const e of report.scan_errors) ctx.out.warn(e);
    for (const w of report.warnings) ctx.out.warn(w);
  }
  if (refused) {
    if (ctx.out.json) return 5;
    throw new StoreError(`Refusing to delete: ${plural(report.scan_errors.length, "scan error")} — a partial scan could classify live objects as orphaned`, {
      hint: "fix the errors above (install missing codecs, check the store), or use --dry-run to see what was found",
      code: "gc.scan",
    });
  }
  if (report.errors.length) {
    throw new StoreError(`${plural(report.errors.length, "object")} could not be deleted: ${report.errors[0]}`, { code: "gc.delete" });
  }
};
