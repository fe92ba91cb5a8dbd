/**
 * `dj fetch --slice`: the slice as `.npy`, to `--out FILE`, or to stdout when stdout is not a
 * terminal (`dj fetch ... --slice 0:10 > part.npy`, or piped into `np.load`).
 */
import { UsageError } from "../errors.js";
import type { CommandContext } from "./context.js";
import type { OptionsOf } from "./options.js";
import { where } from "./where.js";
import { stdout } from "../ui/stdio.js";

export async function fetchSliceCommand(ctx: CommandContext, ref: string, opts: OptionsOf<"fetch">): Promise<void> {
  // The text is checked before anything is opened: a typo costs no connection.
  const { fetchTableSlice, parseSlice } = await import("../services/slice-fetch.js");
  parseSlice(String(opts.slice));
  if (opts.format !== undefined && opts.format !== "npy") throw new UsageError(`--slice writes .npy; --format ${opts.format} does not apply`, { code: "usage.slice" });
  // A slice is of one value: an order or a page would pick a row silently.
  for (const [flag, given] of [["--order-by", opts.orderBy?.length], ["--limit", opts.limit], ["--offset", opts.offset]] as const) {
    if (given) throw new UsageError(`--slice reads one value; ${flag} does not apply`, { hint: "name the row with --key or --where", code: "usage.slice" });
  }
  if (!opts.out && (stdout.isTTY || ctx.out.json)) {
    throw new UsageError("--slice writes a .npy file: give --out FILE.npy, or redirect stdout", { hint: 'e.g. dj fetch ... --slice "0:1000,3" --out part.npy', code: "usage.out" });
  }
  const r = await fetchTableSlice(where(ctx), { ref, schema: opts.schema }, {
    keys: opts.key ?? [],
    where: opts.where,
    attrs: opts.attr,
    slice: String(opts.slice),
    out: opts.out,
    fetchOptions: opts.inverse ? { inverse: opts.inverse } : {},
  });
  if (r.npy) {
    await stdout.writeAndWait(r.npy);
    return;
  }
  if (ctx.out.json) return ctx.out.data({ written: [r.written], attr: r.attr, key: r.key, dtype: r.dtype, shape: r.shape });
  ctx.out.line(r.written);
  ctx.out.info(`${r.dtype}[${r.shape.join(",")}] from ${r.attr}`);
}
