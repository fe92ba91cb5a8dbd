/** `dj codecs list [--verify]`, `dj codecs check [NAME...] [--required] [--schema S]`, `dj codecs new`. */
import { CodecError, UsageError } from "../errors.js";
import type { CommandContext, CommandHandler } from "./context.js";

async function registryFor(ctx: CommandContext) {
  const { loadConfig } = await import("../config/load.js");
  const { loadRegistry } = await import("../codecs/registry.js");
  const config = await loadConfig({ cwd: ctx.cwd, configPath: ctx.globals.config });
  return { config, registry: loadRegistry({ projectDir: config.baseDir }) };
}

export const list: CommandHandler = async (ctx, _args, opts) => {
  const { registry } = await registryFor(ctx);
  if (opts.verify) {
    for (const e of registry.list()) {
      if (e.status !== "ok") continue;
      try {
        const codec = await registry.get(e.name);
        e.stores ??= storesOf(codec);
        e.runtime = codec.runtime?.() || null;
      } catch {
        // The entry now carries the load error as its status.
      }
    }
  }
  const rows = registry.list();
  for (const p of registry.problems) ctx.out.warn(`${p.packageDir}: ${p.message}`);
  if (ctx.out.json) {
    return ctx.out.data({
      codecs: rows.map((e) => ({
        name: e.name,
        provider: e.provider,
        version: e.version,
        stores: e.stores,
        description: e.description,
        status: e.status,
        problem: e.problem,
        ...(e.runtime ? { runtime: e.runtime } : {}),
      })),
    });
  }
  const { renderColumns } = await import("../ui/columns.js");
  // Fits 80 columns: stores wraps first, then the description, then status (a load error; "ok
  // (native c-blosc" stays on one line), then the provider, then the description again.
  ctx.out.line(
    renderColumns(
      ["name", "provided by", "stores", "description", "status"],
      rows.map((e) => [e.name, e.provider, e.stores ?? "?", e.description, e.status !== "ok" ? `${e.status}: ${e.problem}` : e.runtime ? `ok (${e.runtime})` : "ok"]),
      {
        shrink: [
          { column: 2, min: 14 },
          { column: 3, min: 16 },
          { column: 4, min: 18 },
          { column: 1, min: 14 },
          { column: 3, min: 10 },
        ],
        color: ctx.out.color,
      },
    ),
  );
};

function storesOf(codec: { getDtype(isStore: boolean): string }): string {
  const tryDtype = (isStore: boolean) => {
    try {
      return codec.getDtype(isStore);
    } catch {
      return null;
    }
  };
  const inline = tryDtype(false);
  const store = tryDtype(true);
  // The same wording as the built-in table: "json (@store only)", "bytes / <hash> (@store)".
  if (inline === null) return store ? `${store} (@store only)` : "?";
  return store && store !== inline ? `${inline} / ${store} (@store)` : inline;
}

export const check: CommandHandler = async (ctx, args, opts) => {
  const { config, registry } = await registryFor(ctx);
  const { checkCodec } = await import("../codecs/check.js");
  const wanted: Array<{ req: string; source: string }> = args.map((req) => ({ req, source: "argument" }));
  if (opts.required) wanted.push(...config.requiredCodecs.map((req) => ({ req, source: "requiredCodecs" })));
  for (const schema of (opts.schema as string[] | undefined) ?? []) {
    const { codecsUsedBySchema } = await import("../services/schema-codecs.js");
    for (const use of await codecsUsedBySchema(config, schema)) {
      wanted.push({ req: use.codec, source: `${schema}.${use.table}.${use.attribute}` });
    }
  }
  if (wanted.length === 0) {
    if (opts.required) ctx.out.info("requiredCodecs is empty in the config: nothing to check");
    else if (!opts.schema) throw new UsageError("name the codecs to check, or use --required / --schema", { hint: "dj codecs check zarr photon" });
  }

  const results: Array<import("../codecs/check.js").CodecCheck> = [];
  const done = new Set<string>();
  for (const { req, source } of wanted) {
    if (done.has(req)) continue;
    done.add(req);
    results.push(await checkCodec(registry, req, source));
  }

  const failed = results.filter((r) => r.status !== "ok");
  if (ctx.out.json) {
    ctx.out.data({ ok: failed.length === 0, codecs: results });
    return failed.length ? 6 : 0;
  }
  for (const r of results) {
    if (r.status === "ok") ctx.out.line(`ok       ${r.name} (${r.provider})`);
    else {
      ctx.out.line(`${r.status.padEnd(8)} ${r.name}: ${r.problem}`);
      if (r.hint) ctx.out.line(`         hint: ${r.hint}`);
    }
  }
  if (failed.length) {
    throw new CodecError(`${failed.length} of ${results.length} codec${results.length > 1 ? "s" : ""} not usable: ${failed.map((f) => f.name).join(", ")}`, {
      code: "codec.check",
    });
  }
};

export const scaffold: CommandHandler = async (ctx, args, opts) => {
  const { scaffoldPlugin } = await import("../codecs/scaffold.js");
  await scaffoldPlugin(ctx, args[0]!, opts.dir as string | undefined);
};
