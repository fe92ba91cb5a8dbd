/** `dj store list`, `dj store check [NAME...]`, `dj store ls NAME [PREFIX]`, `dj gc`. */
import { StoreError } from "../errors.js";
import { plural } from "../ui/plural.js";
import { failed } from "./context.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";

export const list: Handler<"store list"> = async (ctx) => {
  const { listStores } = await import("../services/stores.js");
  const { default: dflt, stores } = await listStores(where(ctx));
  if (ctx.out.json) return ctx.out.data({ default: dflt, stores });
  if (stores.length === 0) return ctx.out.info("no stores configured (add a \"stores\" section to the config)");
  const { renderTable } = await import("../ui/table.js");
  const location = (s: (typeof stores)[number]) => (s.protocol === "s3" ? `${s.endpoint}/${s.bucket}/${s.location}` : s.location);
  ctx.out.line(
    await renderTable(
      ["name", "protocol", "location", "default"],
      stores.map((s) => [s.name, s.protocol, location(s), [s.default ? "default" : "", s.filepath_default ? "filepath" : ""].filter(Boolean).join(", ")]),
      ctx.out.color,
    ),
  );
};

export const check: Handler<"store check"> = async (ctx, args) => {
  const { checkStores } = await import("../services/stores.js");
  const results = await checkStores(where(ctx), args);
  const bad = results.filter((r) => !r.ok);
  if (ctx.out.json) ctx.out.data({ ok: bad.length === 0, stores: results });
  for (const r of results) {
    if (r.ok) ctx.out.line(`ok    ${r.store}  write ${r.write_ms} ms, read ${r.read_ms} ms, delete ${r.delete_ms} ms`);
    else ctx.out.line(`${(r.status === "failed" ? "FAIL" : r.status.toUpperCase()).padEnd(5)} ${r.store}  ${r.error}${r.hint ? `\n      hint: ${r.hint}` : ""}`);
  }
  if (bad.length) {
    return failed(
      new StoreError(bad.length === 1 ? bad[0]!.error! : `${bad.length} stores failed the check: ${bad.map((f) => f.store).join(", ")}`, {
        hint: bad.length === 1 ? bad[0]!.hint : "each store's line above says what went wrong",
        code: "store.check",
      }),
    );
  }
};

export const ls: Handler<"store ls"> = async (ctx, args) => {
  const { listObjects } = await import("../services/stores.js");
  const [name, prefix = ""] = args;
  const objects = await listObjects(where(ctx), name!, prefix);
  if (ctx.out.json) return ctx.out.data({ store: name, prefix, objects });
  for (const o of objects) ctx.out.line(`${String(o.size).padStart(12)}  ${o.modified}  ${o.key}`);
  ctx.out.info(plural(objects.length, "object"));
};

export const gc: Handler<"gc"> = async (ctx, _args, opts) => {
  const { runGc } = await import("../services/stores.js");
  const minAge = opts.minAge;
  const report = await runGc(where(ctx), { schemas: opts.schema, store: opts.store, dryRun: Boolean(opts.dryRun), minAge });
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
    return failed(new StoreError(`Refusing to delete: ${plural(report.scan_errors.length, "scan error")} — a partial scan could classify live objects as orphaned`, {
      hint: "fix the errors above (install missing codecs, check the store), or use --dry-run to see what was found",
      code: "gc.scan",
    }));
  }
  if (report.errors.length) {
    return failed(new StoreError(`${plural(report.errors.length, "object")} could not be deleted: ${report.errors[0]}`, { code: "gc.delete" }));
  }
};
