/**
 * `dj fetch`: rows restricted by `--key`/`--where`, in a total order, paged by --limit/--offset; codec values decoded lazily. Printing uses the stored
 * metadata where it can (an `<npy@>` value shows as `float32[4,100]` without reading the
 * array); writing streams arrays to `.npy`, restores attachments under their names and copies
 * objects and Zarr trees.
 */
import type { DecodedValue, KeyValue } from "../codecs/types.js";
import type { Param } from "../db/types.js";
import { UsageError } from "../errors.js";
import type { Attribute, Heading } from "../schema/heading.js";
import { decodeValue, resolveAttributeCodec, type ResolvedAttributeCodec } from "./codec-context.js";
import { jsonOrText } from "./json-text.js";
import { openTable, type Session, type SessionOptions } from "./session.js";
import { orderOf, restrictionOf } from "./restriction.js";

export interface FetchQuery {
  keys: string[];
  /** A `--where` expression, AND-ed with the keys. */
  where?: string;
  attrs?: string[];
  /** `--order-by` values; the primary key always follows as the tie-breaker. */
  orderBy?: string[];
  limit?: number;
  offset?: number;
}

/** The attributes a fetch returns: the key and the `--attr` names (default: every visible one). */
export function fetchedAttributes(heading: Heading, attrs: readonly string[] | undefined): Attribute[] {
  const visible = heading.attributes.filter((a) => !a.hidden);
  if (!attrs?.length) return visible;
  for (const n of attrs) if (!visible.some((a) => a.name === n)) throw new UsageError(`${heading.schema}.${heading.className} has no attribute "${n}"`, { hint: `attributes: ${visible.map((x) => x.name).join(", ")}` });
  return visible.filter((a) => a.inKey || attrs.includes(a.name));
}

/** The SELECT of a fetch: restriction bound, order total (the key last), page applied. */
export function fetchSelect(session: Session, heading: Heading, attributes: Attribute[], q: FetchQuery): { sql: string; params: Param[] } {
  const { compiler } = session.dialect;
  const where = compiler.where(restrictionOf(heading, { keys: q.keys, where: q.where }));
  const sql = compiler.select(heading.schema, heading.table, attributes.map((a) => a.name), where.clauses, { orderBy: orderOf(heading, q.orderBy), limit: q.limit, offset: q.offset });
  return { sql, params: where.params };
}

export interface FetchedRow {
  /** Primary-key values (typed for display). */
  key: Record<string, KeyValue>;
  /** Raw column values, by attribute. */
  raw: Record<string, unknown>;
}

export interface FetchResult {
  heading: Heading;
  attributes: Attribute[];
  rows: FetchedRow[];
  codecs: Map<string, ResolvedAttributeCodec | Error>;
}

export async function fetchRows(session: Session, heading: Heading, q: FetchQuery): Promise<FetchResult> {
  const { dialect } = session;
  const pk = heading.attributes.filter((a) => !a.hidden && a.inKey);
  const attributes = fetchedAttributes(heading, q.attrs);
  const select = fetchSelect(session, heading, attributes, q);
  const { rows } = await dialect.driver.query<Record<string, unknown>>(select.sql, select.params);
  const codecs = new Map<string, ResolvedAttributeCodec | Error>();
  for (const a of attributes) {
    if (!a.codec) continue;
    try {
      codecs.set(a.name, await resolveAttributeCodec(session.registry, session.config, a));
    } catch (err) {
      codecs.set(a.name, err as Error); // an unknown codec is shown opaque, not fatal for the table
    }
  }
  return {
    heading,
    attributes,
    codecs,
    rows: rows.map((r) => ({ key: Object.fromEntries(pk.map((a) => [a.name, displayScalar(a, r[a.name])])), raw: r })),
  };
}

/** A plain column value for display and JSON: uuid as text, bytes as a size. */
export function displayScalar(a: Attribute, v: unknown): KeyValue {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) {
    if (a.type === "uuid" && v.length === 16) {
      const h = v.toString("hex");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    return `<${v.length} bytes>`;
  }
  if (a.sqlType === "json" && typeof v === "object") return JSON.stringify(v);
  return v as KeyValue;
}

/** Decode one codec value of a fetched row. */
export async function decodeCell(session: Session, result: FetchResult, row: FetchedRow, attr: Attribute, fetchOptions: Record<string, unknown>): Promise<DecodedValue | null> {
  const raw = row.raw[attr.name];
  if (raw === null || raw === undefined) return null;
  const codec = result.codecs.get(attr.name);
  if (!codec) return { kind: "value", value: raw };
  if (codec instanceof Error) throw codec;
  return decodeValue(raw, codec.chain, session.config, fetchOptions);
}

/** What a codec value looks like in a table, from its stored metadata when possible. */
export function summarize(attr: Attribute, raw: unknown, codec: ResolvedAttributeCodec | Error | undefined): string {
  if (raw === null || raw === undefined) return "";
  if (!attr.codec) return String(displayScalar(attr, raw));
  if (codec instanceof Error || codec === undefined) return `<${attr.codec.name}: codec not installed>`;
  if (codec.chain.finalDtype === "bytes") return `<${attr.codec.name}: ${(raw as Buffer).length} bytes>`;
  let meta: Record<string, unknown>;
  try {
    meta = typeof raw === "string" ? JSON.parse(raw) : (raw as Record<string, unknown>);
  } catch {
    return String(raw);
  }
  if (Array.isArray(meta.shape) && typeof meta.dtype === "string") return `${meta.dtype}[${meta.shape.join(",")}]`;
  if (meta.is_dir === true) return `<folder ${meta.path}${typeof meta.item_count === "number" ? `, ${meta.item_count} files` : ""}>`;
  if (typeof meta.size === "number") return `<${attr.codec.name}: ${meta.size} bytes>`;
  return `<${attr.codec.name}>`;
}

/** `dj fetch TABLE` without --out: the rows as JSON values and as table cells. */
export interface FetchedTable {
  /** `schema.table` (SQL name). */
  table: string;
  /** Column headers, key attributes marked `*`. */
  headers: string[];
  /** One object per row: codec values as their metadata summary, JSON columns parsed. */
  rows: Array<Record<string, unknown>>;
  /** The same rows as text cells for a terminal table. */
  cells: string[][];
}

export async function fetchTable(opts: SessionOptions, ref: string, schema: string | undefined, q: FetchQuery): Promise<FetchedTable> {
  const { session, heading } = await openTable(opts, ref, schema);
  const result = await fetchRows(session, heading, q);
  const rows = result.rows.map((row) =>
    Object.fromEntries(
      result.attributes.map((a) => {
        const raw = row.raw[a.name];
        if (raw === null || raw === undefined) return [a.name, null];
        // JSON columns arrive as text or, when the driver parsed them, as objects.
        if (a.sqlType === "json") return [a.name, typeof raw === "string" ? jsonOrText(raw) : raw];
        if (a.codec) return [a.name, summarize(a, raw, result.codecs.get(a.name))];
        return [a.name, displayScalar(a, raw)];
      }),
    ),
  );
  return {
    table: `${heading.schema}.${heading.table}`,
    headers: result.attributes.map((a) => (a.inKey ? `*${a.name}` : a.name)),
    rows,
    cells: result.rows.map((row) => result.attributes.map((a) => summarize(a, row.raw[a.name], result.codecs.get(a.name)))),
  };
}
