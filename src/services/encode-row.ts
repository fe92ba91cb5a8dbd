/**
 * One row's values → SQL columns: plain values parsed by type, `--from` files routed and opened,
 * then (after the caller's duplicate check, insert-keys.ts) every codec value encoded, objects
 * written through the guard.
 */
import type { InputValue, KeyValue, MeasuredFigures } from "../codecs/types.js";
import { ConflictError, UsageError } from "../errors.js";
import type { Param } from "../db/types.js";
import type { Attribute, Heading } from "../schema/heading.js";
import { encodeValue, resolveAttributeCodec, type ResolvedAttributeCodec, type WrittenObject } from "./codec-context.js";
import { counted } from "./counted.js";
import type { InsertGuard } from "./insert-guard.js";
import { jsonOrText } from "./json-text.js";
import type { RowInput } from "./row-input.js";
import type { Session } from "./session.js";
import { checkJsonLimits, parseAttributeValue } from "./values.js";

/** A table ready for inserts: its heading and each codec attribute's chain and store, resolved once. */
export interface Prepared {
  heading: Heading;
  codecs: Map<string, ResolvedAttributeCodec>;
}

export async function prepareTable(session: Session, heading: Heading): Promise<Prepared> {
  const codecs = new Map<string, ResolvedAttributeCodec>();
  for (const a of heading.attributes) {
    if (a.codec) codecs.set(a.name, await resolveAttributeCodec(session.registry, session.config, a));
  }
  return { heading, codecs };
}

export interface EncodeOptions {
  skipDuplicates?: boolean;
  baseDir: string;
  /** Called for arrays of at least 64 MiB with their size; returns the byte counter. */
  progress?: (label: string, total: number) => { add(bytes: number): void; done(): void };
}

export interface EncodedRow {
  status: "skipped" | "ready";
  key: Record<string, KeyValue>;
  columns: Record<string, Param>;
  measured: Record<string, MeasuredFigures>;
}

async function inputFor(path: string, attr: Attribute, prepared: Prepared, baseDir: string): Promise<InputValue> {
  const codec = prepared.codecs.get(attr.name)!.chain.chain[0]!;
  if (codec.accepts.includes("storePath") && codec.accepts.length === 1) return { kind: "storePath", path };
  const { checkInputFile } = await import("./input-file.js");
  const { full, stats: s } = await checkInputFile(path, baseDir, attr.name);
  if (s.isDirectory()) return { kind: "directory", path: full };
  if (full.endsWith(".npy") && codec.accepts.includes("ndarray")) {
    const { openNpy } = await import("../formats/npy.js");
    return { kind: "ndarray", array: await openNpy(full), sourcePath: full };
  }
  return { kind: "file", path: full };
}

/**
 * Route `--from FILE` without ATTR= to the one non-key attribute that takes it — or, when
 * several could, to the only required one among them; otherwise a usage error lists them.
 */
function route(file: string, prepared: Prepared, taken: Set<string>): Attribute {
  const wants = file.endsWith(".npy") ? "ndarray" : "file";
  const candidates = prepared.heading.attributes.filter(
    (a) => !a.inKey && !taken.has(a.name) && prepared.codecs.get(a.name)?.chain.chain[0]!.accepts.includes(wants),
  );
  if (candidates.length === 1) return candidates[0]!;
  // Several could: a single required one (not nullable, no default) is what the user means.
  const required = candidates.filter((a) => !a.nullable && a.default === null);
  if (required.length === 1) return required[0]!;
  if (candidates.length === 0) throw new UsageError(`--from ${file}: no attribute of ${prepared.heading.table} takes ${wants === "ndarray" ? "arrays" : "files"}`);
  throw new UsageError(`--from ${file}: several attributes could take it (${candidates.map((c) => c.name).join(", ")}); write --from ATTR=${file}`);
}

/** One row parsed and checked, before any object is written: its SQL columns, key and codec inputs. */
export interface ParsedRow {
  key: Record<string, KeyValue>;
  /** The key's SQL values in table order (for the batch's duplicate check). */
  keyParams: Param[];
  columns: Record<string, Param>;
  codecInputs: Map<string, InputValue>;
}

/** Parse one row's values by type and open its `--from` files; nothing is written yet. */
export async function parseRow(prepared: Prepared, row: RowInput, opts: EncodeOptions): Promise<ParsedRow> {
  const { heading } = prepared;
  const attr = attributeLookup(prepared);
  const files = { ...row.files };
  const taken = new Set([...Object.keys(row.text), ...Object.keys(row.values), ...Object.keys(files)]);
  for (const f of row.unrouted) {
    const a = route(f, prepared, taken);
    files[a.name] = f;
    taken.add(a.name);
  }

  const columns: Record<string, Param> = {};
  const pathKey: Record<string, KeyValue> = {};
  const codecInputs = new Map<string, InputValue>();
  for (const [name, text] of Object.entries(row.text)) {
    const a = attr(name);
    if (a.codec) {
      const codec = prepared.codecs.get(name)!.chain.chain[0]!;
      if (codec.accepts.includes("storePath") && codec.accepts.length === 1) codecInputs.set(name, { kind: "storePath", path: text });
      else codecInputs.set(name, { kind: "value", value: parseJsonText(text, name) });
      continue;
    }
    const parsed = parseAttributeValue(name, a.type, text);
    columns[name] = parsed.sql;
    if (a.inKey) pathKey[name] = parsed.key;
  }
  for (const [name, value] of Object.entries(row.values)) {
    const a = attr(name);
    if (a.codec) codecInputs.set(name, { kind: "value", value });
    else {
      const parsed = parseAttributeValue(name, a.type, typeof value === "string" ? value : JSON.stringify(value));
      columns[name] = parsed.sql;
      if (a.inKey) pathKey[name] = parsed.key;
    }
  }
  try {
    for (const [name, path] of Object.entries(files)) {
      const a = attr(name);
      if (!a.codec) throw new UsageError(`--from ${name}=${path}: ${name} is a ${a.type} attribute; give its value with --set ${name}=VALUE`);
      codecInputs.set(name, await inputFor(path, a, prepared, opts.baseDir));
    }
    const missing = heading.attributes.filter((a) => !a.hidden && !a.nullable && a.default === null && !(a.name in columns) && !codecInputs.has(a.name));
    if (missing.length) {
      throw new UsageError(`missing value${missing.length > 1 ? "s" : ""} for ${missing.map((m) => m.name).join(", ")} of ${heading.schema}.${heading.className}`, {
        hint: "primary-key attributes go in --key NAME=VALUE, arrays and files in --from [NAME=]FILE, other values in --set NAME=VALUE",
      });
    }
  } catch (err) {
    await closeInputs(codecInputs);
    throw err;
  }

  // The key in table order, for addressing and for the duplicate check.
  const key: Record<string, KeyValue> = {};
  const keyParams: Param[] = [];
  for (const a of keyAttributes(heading)) {
    key[a.name] = pathKey[a.name]!;
    keyParams.push(columns[a.name]!);
  }
  return { key, keyParams, columns, codecInputs };
}

export function keyAttributes(heading: Heading): Attribute[] {
  return heading.attributes.filter((a) => a.inKey && !a.hidden);
}

function attributeLookup(prepared: Prepared): (name: string) => Attribute {
  const { heading } = prepared;
  const byName = new Map(heading.attributes.filter((a) => !a.hidden).map((a) => [a.name, a]));
  return (name) => {
    const a = byName.get(name);
    if (!a) throw new UsageError(`${heading.schema}.${heading.className} has no attribute "${name}"`, { hint: `attributes: ${[...byName.keys()].join(", ")}` });
    return a;
  };
}

/** The error for a row whose key exists (without --skip-duplicates). */
export function duplicateError(heading: Heading, key: Record<string, KeyValue>): ConflictError {
  return new ConflictError(`duplicate entry: ${heading.schema}.${heading.className} already has a row with ${describeKey(key)}`, {
    hint: "use --skip-duplicates to skip rows whose key exists",
    code: "db.duplicate",
  });
}

/** A row skipped as a duplicate: its opened inputs are closed, nothing was written. */
export async function skipRow(parsed: ParsedRow): Promise<EncodedRow> {
  await closeInputs(parsed.codecInputs);
  return { status: "skipped", key: parsed.key, columns: parsed.columns, measured: {} };
}

/** Encode a parsed row's codec values (objects written through the guard); closes its inputs. */
export async function encodeObjects(session: Session, prepared: Prepared, parsed: ParsedRow, opts: EncodeOptions, written: WrittenObject[], guard: InsertGuard): Promise<EncodedRow> {
  const { heading } = prepared;
  const inputs = [...parsed.codecInputs];
  const attr = attributeLookup(prepared);
  const columns = { ...parsed.columns };
  const measured: Record<string, MeasuredFigures> = {};
  try {
    for (const [name, original] of inputs) {
      let value = original;
      const bar = value.kind === "ndarray" && value.array.byteLength >= 64 << 20 ? opts.progress?.(name, value.array.byteLength) : undefined;
      if (bar && value.kind === "ndarray") value = { ...value, array: counted(value.array, (n) => bar.add(n)) };
      columns[name] = await encodeValue(value, {
        config: session.config,
        schema: heading.schema,
        table: heading.table,
        attr: attr(name),
        primaryKey: parsed.key,
        resolved: prepared.codecs.get(name)!,
        written,
        onReport: (figures) => (measured[name] = { ...measured[name], ...figures }),
        guard,
      });
      bar?.done();
    }
  } finally {
    await closeInputs(parsed.codecInputs);
  }
  return { status: "ready", key: parsed.key, columns, measured };
}

/** A codec value given as text: JSON when it parses (within the limits), else the plain string. */
function parseJsonText(text: string, name: string): unknown {
  const value = jsonOrText(text);
  if (value !== text) checkJsonLimits(text, `the value for ${name}`);
  return value;
}

async function closeInputs(inputs: Map<string, InputValue>): Promise<void> {
  for (const v of inputs.values()) if (v.kind === "ndarray") await v.array.close?.();
  // Cleared so that closing a row twice (on an error path) is harmless.
  inputs.clear();
}

export function describeKey(key: Record<string, KeyValue>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v instanceof Date ? v.toISOString() : String(v)}`)
    .join(", ");
}
