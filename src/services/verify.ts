/**
 * `dj verify`: an integrity audit of a schema's stored values against their objects. For every
 * row and codec attribute that lives in a store, the innermost codec of the chain (the one whose
 * output is the column, as for gc's references) checks the value with its `verify` hook: objects
 * exist with their recorded sizes, content-addressed objects hash to their names, `.npy` headers
 * give the row's shape and dtype, Zarr metadata matches; with `deep`, contents decode. A store
 * codec without a hook is checked generically (every referenced path exists). With `deep`, values
 * of chained codecs (`<blob@>` over `<hash>`) and in-table codec values are also decoded in full.
 *
 * Damage is reported, never thrown: each problem names the row key, the attribute, the store path
 * and what is wrong. A value that cannot be checked (its codec is not installed) is listed as
 * unchecked. Nothing is written.
 */
import type { Codec, KeyValue, VerifyContext, VerifyProblem } from "../codecs/types.js";
import type { ResolvedConfig } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { Attribute, Heading } from "../schema/heading.js";
import { openStore } from "../stores/open.js";
import { errorHelpers } from "../codecs/context-internals.js";
import { decodeValue, resolveAttributeCodec, type ResolvedAttributeCodec } from "./codec-context.js";
import { displayScalar } from "./fetch.js";
import { openSession, type Session, type SessionOptions } from "./session.js";
import { assertSchemaExists, schemaTables } from "./schema-tables.js";

export interface VerifyFinding {
  /** `schema.ClassName`. */
  table: string;
  key: Record<string, KeyValue>;
  attribute: string;
  /** The concrete store name ("" for values kept in the table). */
  store: string;
  path: string;
  problem: string;
}

export interface UncheckedAttribute {
  table: string;
  attribute: string;
  rows: number;
  reason: string;
}

export interface VerifyReport {
  schema: string;
  tables: string[];
  deep: boolean;
  rows_checked: number;
  values_checked: number;
  problems: VerifyFinding[];
  unchecked: UncheckedAttribute[];
}

/** Values checked at once: store round trips dominate, so a few overlap. */
const PARALLEL = 4;

export async function verifySchema(session: Session, opts: { schema: string; table: Heading | null; deep: boolean }): Promise<VerifyReport> {
  const { dialect } = session;
  if (!opts.table) await assertSchemaExists(dialect.introspector, opts.schema, "`dj schema list` lists the schemas");
  const headings = opts.table ? [opts.table] : (await schemaTables(dialect.introspector, opts.schema)).map((t) => t.heading);
  const report: VerifyReport = { schema: opts.schema, tables: headings.map(tableName), deep: opts.deep, rows_checked: 0, values_checked: 0, problems: [], unchecked: [] };
  for (const heading of headings) await verifyTable(session, heading, opts.deep, report);
  return report;
}

const tableName = (h: Heading) => `${h.schema}.${h.className}`;

async function verifyTable(session: Session, heading: Heading, deep: boolean, report: VerifyReport): Promise<void> {
  const { dialect, registry, config } = session;
  const pk = heading.attributes.filter((a) => a.inKey);
  // Which attributes can be checked, and how: resolved once per table, before any row is read.
  const checked: Array<{ attr: Attribute; resolved: ResolvedAttributeCodec; last: Codec }> = [];
  const unchecked: Array<{ attr: Attribute; reason: string }> = [];
  for (const attr of heading.attributes.filter((a) => a.codec && !a.inKey)) {
    let resolved: ResolvedAttributeCodec;
    try {
      resolved = await resolveAttributeCodec(registry, config, attr);
    } catch (err) {
      unchecked.push({ attr, reason: (err as Error).message });
      continue;
    }
    const inTable = resolved.chain.store === null;
    const last = resolved.chain.chain[resolved.chain.chain.length - 1]!;
    if (inTable && !deep) continue; // nothing in a store; --deep decodes it
    if (!inTable && !last.verify && !last.referencedPaths) unchecked.push({ attr, reason: `codec <${last.name}> has neither a verify hook nor referencedPaths` });
    else checked.push({ attr, resolved, last });
  }
  if (checked.length === 0 && unchecked.length === 0) return; // no codec values in a store here
  const where = dialect.compiler.where(null);
  const columns = [...pk, ...checked.map((c) => c.attr), ...unchecked.map((u) => u.attr)].map((a) => a.name);
  const { rows } = await dialect.driver.query<Record<string, unknown>>(dialect.compiler.select(heading.schema, heading.table, columns, where.clauses), where.params);
  report.rows_checked += rows.length;
  for (const { attr, reason } of unchecked) {
    const values = rows.filter((r) => r[attr.name] !== null && r[attr.name] !== undefined).length;
    if (values) report.unchecked.push({ table: tableName(heading), attribute: attr.name, rows: values, reason });
  }
  // Row by row, attributes in table order: the problems come out in that order.
  const checkRow = async (row: Record<string, unknown>): Promise<VerifyFinding[]> => {
    const key = Object.fromEntries(pk.map((a) => [a.name, displayScalar(a, row[a.name])]));
    const out: VerifyFinding[] = [];
    for (const { attr, resolved, last } of checked) {
      const raw = row[attr.name];
      if (raw === null || raw === undefined) continue;
      report.values_checked++;
      for (const p of await verifyValue(config, resolved, last, raw, deep)) {
        const store = p.store ?? (resolved.chain.store === null ? "" : config.stores.default ?? "");
        out.push({ table: tableName(heading), key, attribute: attr.name, store, path: p.path, problem: p.problem });
      }
    }
    return out;
  };
  for (let at = 0; at < rows.length; at += PARALLEL) {
    for (const found of await Promise.all(rows.slice(at, at + PARALLEL).map(checkRow))) report.problems.push(...found);
  }
}

/** The problems of one value: the innermost codec's hook (or the generic check), then --deep decoding. */
async function verifyValue(config: ResolvedConfig, resolved: ResolvedAttributeCodec, last: Codec, raw: unknown, deep: boolean): Promise<VerifyProblem[]> {
  const inTable = resolved.chain.store === null;
  let stored: unknown = raw;
  const whereAbouts = (): { store: string | null; path: string } => {
    try {
      const ref = last.referencedPaths?.(stored)[0];
      if (ref) return { store: ref.store, path: ref.path };
    } catch {
      // the value names no path: the problem is reported at the attribute
    }
    return { store: null, path: "" };
  };
  try {
    if (resolved.chain.finalDtype === "json" && typeof raw === "string") stored = JSON.parse(raw);
  } catch (err) {
    return [{ ...whereAbouts(), problem: `the column value is not JSON: ${(err as Error).message}` }];
  }
  let problems: VerifyProblem[] = [];
  if (!inTable) {
    try {
      problems = last.verify ? await last.verify(stored, verifyContext(config, last, deep)) : await referencesExist(config, last, stored);
    } catch (err) {
      return [{ ...whereAbouts(), problem: `cannot be checked: ${(err as Error).message}` }];
    }
  }
  // Decoding in full finds what the innermost codec's checks cannot (a blob that does not unpack).
  if (deep && problems.length === 0 && (inTable || resolved.chain.chain.length > 1)) {
    try {
      await consume(await decodeValue(raw, resolved.chain, config));
    } catch (err) {
      problems.push({ ...whereAbouts(), problem: `does not decode: ${(err as Error).message}` });
    }
  }
  return problems;
}

function verifyContext(config: ResolvedConfig, codec: Codec, deep: boolean): VerifyContext {
  return { options: (config.codecs[codec.name] ?? {}) as Record<string, unknown>, getStore: (name) => openStore(config, name), deep, ...errorHelpers };
}

/** For codecs without a hook: every referenced path is an object, or a folder holding one. */
async function referencesExist(config: ResolvedConfig, codec: Codec, stored: unknown): Promise<VerifyProblem[]> {
  const out: VerifyProblem[] = [];
  for (const ref of codec.referencedPaths!(stored)) {
    const store = await openStore(config, ref.store);
    if ((await store.size(ref.path)) !== undefined) continue;
    let folder = false;
    for await (const _ of store.list(`${ref.path}/`)) {
      folder = true;
      break;
    }
    if (!folder) out.push({ store: ref.store, path: ref.path, problem: "missing" });
  }
  return out;
}

/** Read a decoded value to its end, so every chunk of an array is decoded. */
async function consume(decoded: Awaited<ReturnType<typeof decodeValue>>): Promise<void> {
  const array = decoded.kind === "ndarray" ? decoded.array : decoded.kind === "tree" ? decoded.array : undefined;
  if (!array) return;
  for await (const _ of array.chunks(4 << 20)) {
    // each piece decoded is dropped: only failures matter
  }
}

export function assertSchema(schema: string | null | undefined): string {
  if (!schema) throw new UsageError("no schema to verify", { hint: 'name it with --schema NAME, or set "schema" in the config', code: "usage.schema" });
  return schema;
}

/** `schema.Table (k=v, …) attr: store:path: problem`, one line per problem. */
export function describeFinding(f: VerifyFinding): string {
  const key = Object.entries(f.key).map(([k, v]) => `${k}=${v instanceof Date ? v.toISOString() : String(v)}`).join(", ");
  const where = f.path ? `${f.store ? f.store + ":" : ""}${f.path}: ` : "";
  return `${f.table} (${key}) ${f.attribute}: ${where}${f.problem}`;
}

/** `dj verify [TABLE] [--schema S] [--deep]`: the table named, or every table of the schema. */
export async function verifyTables(opts: SessionOptions, req: { ref?: string; schema?: string; deep: boolean }): Promise<VerifyReport> {
  const session = await openSession(opts);
  let table: Heading | null = null;
  if (req.ref) {
    const { resolveTable } = await import("./table-ref.js");
    table = await resolveTable(req.ref, req.schema ?? session.config.schema, session.dialect.introspector);
  }
  const schema = table ? table.schema : assertSchema(req.schema ?? session.config.schema);
  return verifySchema(session, { schema, table, deep: req.deep });
}
