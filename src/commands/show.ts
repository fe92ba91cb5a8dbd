/** `dj show TABLE [--key K=V ...] [--where EXPR] [--attr A ...]`: what stored values are, from metadata alone. */
import type { Handler } from "./options.js";
import { where } from "./where.js";

const bytesText = (n: number): string => {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]} (${n} bytes)`;
};

export const show: Handler<"show"> = async (ctx, [ref], opts) => {
  const { showTable } = await import("../services/show.js");
  const { table, values } = await showTable(where(ctx), { ref: ref!, schema: opts.schema }, { keys: opts.key ?? [], where: opts.where, attrs: opts.attr });
  if (ctx.out.json) return ctx.out.data({ table, values });
  values.forEach((v, i) => {
    if (i > 0) ctx.out.line();
    const key = Object.entries(v.key).map(([k, x]) => `${k}=${String(x)}`).join(" ");
    ctx.out.line(`${v.attr}  ${v.type}  (${key})`);
    const field = (name: string, value: string | undefined) => value !== undefined && ctx.out.line(`  ${name.padEnd(12)}${value}`);
    field("shape", v.shape && `[${v.shape.join(", ")}]`);
    field("dtype", v.dtype);
    field("order", v.order);
    field("chunks", v.chunks && `[${v.chunks.join(", ")}]`);
    field("compressor", v.compressor);
    field("filters", v.filters?.join(", "));
    field("zarr format", v.zarrFormat === undefined ? undefined : String(v.zarrFormat));
    field("stored", v.storedBytes === undefined ? undefined : bytesText(v.storedBytes) + (v.objects && v.objects > 1 ? ` in ${v.objects} objects` : ""));
    field("path", v.path);
    field("store", v.store);
    if (v.missing) field("missing", "the object is not in the store (`dj verify` checks every value)");
  });
};
