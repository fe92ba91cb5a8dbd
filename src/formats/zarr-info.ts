/**
 * What `dj show` reports of a Zarr array, from its metadata document alone (`.zarray` for v2,
 * `zarr.json` for v3): read leniently — a field this does not understand is left out rather than
 * failing — because showing is not validating (`dj verify` validates).
 */
export interface ZarrInfo {
  zarrFormat: 2 | 3;
  shape?: number[];
  dtype?: string;
  chunks?: number[];
  order?: string;
  /** `zstd(level=1)`, `blosc(cname=lz4, clevel=5, shuffle=1)`, `none`; v3: the codec pipeline. */
  compressor?: string;
  filters?: string[];
}

const ints = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((n) => Number.isInteger(n)) ? (v as number[]) : undefined);

/** `name(k=v, …)` of a codec config, its id/name key left out. */
function codecText(c: unknown, idKey: "id" | "name"): string {
  if (!c || typeof c !== "object") return String(c);
  const o = c as Record<string, unknown>;
  const config = idKey === "name" ? ((o.configuration ?? {}) as Record<string, unknown>) : Object.fromEntries(Object.entries(o).filter(([k]) => k !== "id"));
  const args = Object.entries(config).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  return `${String(o[idKey])}${args.length ? `(${args.join(", ")})` : ""}`;
}

export function zarrInfo(doc: string, format: 2 | 3): ZarrInfo {
  const m = JSON.parse(doc) as Record<string, unknown>;
  if (format === 2) {
    return {
      zarrFormat: 2,
      shape: ints(m.shape),
      dtype: typeof m.dtype === "string" ? m.dtype : undefined,
      chunks: ints(m.chunks),
      order: typeof m.order === "string" ? m.order : undefined,
      compressor: m.compressor === null ? "none" : m.compressor === undefined ? undefined : codecText(m.compressor, "id"),
      ...(Array.isArray(m.filters) && m.filters.length ? { filters: m.filters.map((f) => codecText(f, "id")) } : {}),
    };
  }
  const grid = (m.chunk_grid ?? {}) as { configuration?: { chunk_shape?: unknown } };
  const codecs = Array.isArray(m.codecs) ? m.codecs : [];
  // The array→bytes codec (`bytes`, or `sharding_indexed`) is layout; the rest is compression.
  const compression = codecs.filter((c) => !["bytes", "transpose"].includes(String((c as { name?: unknown }).name)));
  return {
    zarrFormat: 3,
    shape: ints(m.shape),
    dtype: typeof m.data_type === "string" ? m.data_type : undefined,
    chunks: ints(grid.configuration?.chunk_shape),
    compressor: compression.length ? compression.map((c) => codecText(c, "name")).join(" | ") : "none",
  };
}
