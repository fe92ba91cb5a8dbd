/**
 * `dj fetch --slice`: the slice as `.npy`, to `--out FILE`, or to stdout when stdout is not a
 * terminal (`dj fetch ... --slice 0:10 > part.npy`, or piped into `np.load`).
 */
import { UsageError } from "../errors.js";
import type { CommandContext } from "./context.js";

export async function fetchSliceCommand(ctx: CommandContext, session: import("../services/session.js").Session, heading: import("../schema/heading.js").Heading, opts: Record<string, any>): Promise<void> {
  if (opts.format !== undefined && opts.format !== "npy") throw new UsageError(`--slice writes .npy; --format ${opts.format} does not apply`, { code: "usage.slice" });
  if (!opts.out && (process.stdout.isTTY || ctx.out.json)) {
    throw new UsageError("--slice writes a .npy file: give --out FILE.npy, or redirect stdout", { hint: 'e.g. dj fetch ... --slice "0:1000,3" --out part.npy', code: "usage.out" });
  }
  const { fetchSlice } = await import("../services/slice-fetch.js");
  const r = await fetchSlice(session, heading, {
    keys: opts.key ?? [],
    attrs: opts.attr,
    slice: String(opts.slice),
    out: opts.out,
    fetchOptions: opts.inverse ? { inverse: opts.inverse } : {},
  });
  if (r.npy) {
    await new Promise<void>((resolve, reject) => process.stdout.write(r.npy!, (err) => (err ? reject(err) : resolve())));
    return;
  }
  if (ctx.out.json) return ctx.out.data({ written: [r.written], attr: r.attr, key: r.key, dtype: r.dtype, shape: r.shape });
  ctx.out.line(r.written);
  ctx.out.info(`${r.dtype}[${r.shape.join(",")}] from ${r.attr}`);
}
