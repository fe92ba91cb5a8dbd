/** `dj codecs list [--verify]`, `dj codecs check [NAME...] [--required] [--schema S]`, `dj codecs new`. */
import { CodecError } from "../errors.js";
import { failed } from "./context.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";

export const list: Handler<"codecs list"> = async (ctx, _args, opts) => {
  const { listCodecs } = await import("../services/codecs.js");
  const { codecs: rows, problems } = await listCodecs(where(ctx), Boolean(opts.verify));
  for (const p of problems) ctx.out.warn(p);
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

export const check: Handler<"codecs check"> = async (ctx, args, opts) => {
  const { checkCodecs } = await import("../services/codecs.js");
  const { results, nothingRequired } = await checkCodecs(where(ctx), { names: args, required: Boolean(opts.required), schemas: opts.schema ?? [] });
  if (nothingRequired) ctx.out.info("requiredCodecs is empty in the config: nothing to check");
  const bad = results.filter((r) => r.status !== "ok");
  if (ctx.out.json) ctx.out.data({ ok: bad.length === 0, codecs: results });
  for (const r of results) {
    if (r.status === "ok") ctx.out.line(`ok       ${r.name} (${r.provider})`);
    else {
      ctx.out.line(`${r.status.padEnd(8)} ${r.name}: ${r.problem}`);
      if (r.hint) ctx.out.line(`         hint: ${r.hint}`);
    }
  }
  if (bad.length) {
    return failed(
      new CodecError(`${bad.length} of ${results.length} codec${results.length > 1 ? "s" : ""} not usable: ${bad.map((f) => f.name).join(", ")}`, {
        code: "codec.check",
      }),
    );
  }
};

export const scaffold: Handler<"codecs new"> = async (ctx, [name], opts) => {
  const { scaffoldPlugin } = await import("../codecs/scaffold.js");
  const made = await scaffoldPlugin(ctx.cwd, name!, opts.dir);
  if (ctx.out.json) return ctx.out.data(made);
  ctx.out.line(`created ${made.package} in ${made.dir}`);
  ctx.out.info(`next: npm install ${opts.dir ?? `./${made.package}`}  (then: dj codecs check ${name})`);
};
