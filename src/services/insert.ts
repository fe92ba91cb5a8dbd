/**
 * `dj insert`: values are parsed and checked, objects are written first, then the row is
 * inserted in a transaction; when the row insert fails, the schema-addressed objects just
 * written are removed, so a failed insert leaves nothing behind (content-addressed `_hash`
 * objects excepted: they may be shared, and `dj gc` collects them). Every store access goes
 * through an InsertGuard (insert-guard.ts): intents for gc, the references check, undo on
 * SIGINT/SIGTERM.
 */
import type { InputValue, KeyValue, MeasuredFigures } from "../codecs/types.js";
import type { NdArraySource } from "../formats/ndarray.js";
import { ConflictError, UsageError, isDjError } from "../errors.js";
import type { Connection, Param } from "../db/types.js";
import type { Attribute, Heading } from "../schema/heading.js";
import { encodeValue, resolveAttributeCodec, type ResolvedAttributeCodec, type WrittenObject } from "./codec-context.js";
import { InsertGuard } from "./insert-guard.js";
import type { Session } from "./session.js";
import { checkJsonLimits, parseAttributeValue } from "./values.js";

/** One row as given on the command line or in a rows file, before parsing. */
export interface RowInput {
  /** attribute → text (from --key, --set, CSV cells, JSONL scalars). */
  text: Record<string, string>;
  /** attribute → a structured JSON value (JSONL objects/arrays for json and blob attributes). */
  values: Record<string, unknown>;
  /** attribute → a file or folder path (--from, "@file" references). */
  files: Record<string, string>;
  /** --from without ATTR=: routed to the attribute that takes it. */
  unrouted: string[];
}

export interface InsertOutcome {
  status: "inserted" | "skipped";
  key: Record<string, KeyValue>;
  objects: number;
  /** Figures the codecs measured, by attribute (`ctx.report`); absent when none reported. */
  measured?: Record<string, MeasuredFigures>;
}

function splitAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

export function rowFromFlags(keys: string[], sets: string[], froms: string[]): RowInput {
  const row: RowInput = { text: {}, values: {}, files: {}, unrouted: [] };
  for (const k of keys) {
    const [name, value] = splitAssignment(k, "--key");
    if (name in row.text) throw new UsageError(`--key ${name} is given twice`, { hint: "a row has one value per attribute" });
    row.text[name] = value;
  }
  for (const s of sets) {
    const [name, value] = splitAssignment(s, "--set");
    if (name in row.text) throw new UsageError(`${name} is given twice`);
    row.text[name] = value;
  }
  for (const f of froms) {
    const eq = f.indexOf("=");
    // `ATTR=FILE` when the part before = is an attribute name; else the whole text is a path.
    if (eq > 0 && /^[a-z][a-z0-9_]*$/.test(f.slice(0, eq))) row.files[f.slice(0, eq)] = f.slice(eq + 1);
    else row.unrouted.push(f);
  }
  return row;
}

interface Prepared {
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

/** Count the bytes a codec reads from an array, for a progress line on large inputs. */
export function counted(array: NdArraySource, add: (bytes: number) => void): NdArraySource {
  return {
    ...array,
    read: async (offset, length) => {
      const data = await array.read(offset, length);
      add(data.byteLength);
      return data;
    },
    ...(array.readInto
      ? {
          readInto: async (offset: number, into: Uint8Array) => {
            await array.readInto!(offset, into);
            add(into.byteLength);
          },
        }
      : {}),
    async *chunks(pieceBytes) {
      for await (const c of array.chunks(pieceBytes)) {
        add(c.byteLength);
        yield c;
      }
    },
  };
}

export interface InsertOptions {
  skipDuplicates?: boolean;
  baseDir: string;
  /** One-line notices for the user (waiting for a concurrent gc). */
  notice?: (line: string) => void;
  /** Called for arrays of at least 64 MiB with their size; returns the byte counter. */
  progress?: (label: string, total: number) => { add(bytes: number): void; done(): void };
}

interface EncodedRow {
  status: "skipped" | "ready";
  key: Record<string, KeyValue>;
  columns: Record<string, Param>;
  measured: Record<string, MeasuredFigures>;
}

/** Insert one row: objects first, then the row in a transaction; a failure removes the objects. */
export async function insertRow(session: Session, prepared: Prepared, row: RowInput, opts: InsertOptions): Promise<InsertOutcome> {
  const written: WrittenObject[] = [];
  const guard = new InsertGuard(session.config, written, opts.notice);
  try {
    const encoded = await encodeRow(session, prepared, row, opts, written, guard);
    if (encoded.status === "skipped") {
      await guard.finish();
      return { status: "skipped", key: encoded.key, objects: 0 };
    }
    await guard.beforeCommit();
    await guard.commit(() => session.dialect.driver.transaction((conn) => insertEncoded(session, prepared, conn, [encoded])));
    await guard.finish();
    const measured = Object.keys(encoded.measured).length ? { measured: encoded.measured } : {};
    return { status: "inserted", key: encoded.key, objects: written.length, ...measured };
  } catch (err) {
    throw await withCleanup(err, guard);
  }
}

/**
 * Insert many rows as one batch: every row's objects are written first, then all rows go in
 * one transaction. When anything fails, nothing of the batch stays (objects removed, rows
 * rolled back). `rowOffset` numbers rows in messages.
 */
export async function insertBatch(session: Session, prepared: Prepared, rows: RowInput[], opts: InsertOptions & { label: string; rowOffset: number }): Promise<{ inserted: number; skipped: number }> {
  const written: WrittenObject[] = [];
  const guard = new InsertGuard(session.config, written, opts.notice);
  const ready: EncodedRow[] = [];
  let skipped = 0;
  try {
    for (const [i, row] of rows.entries()) {
      try {
        const encoded = await encodeRow(session, prepared, row, opts, written, guard);
        if (encoded.status === "skipped") skipped++;
        else ready.push(encoded);
      } catch (err) {
        if (err instanceof Error) err.message = `${opts.label} row ${opts.rowOffset + i + 1}: ${err.message}`;
        throw err;
      }
    }
    if (ready.length) {
      await guard.beforeCommit();
      await guard.commit(() => session.dialect.driver.transaction((conn) => insertEncoded(session, prepared, conn, ready)));
    }
    await guard.finish();
    return { inserted: ready.length, skipped };
  } catch (err) {
    throw await withCleanup(err, guard);
  }
}

async function insertEncoded(session: Session, prepared: Prepared, conn: Connection, rows: EncodedRow[]): Promise<void> {
  const { compiler } = session.dialect;
  for (const r of rows) {
    const names = Object.keys(r.columns);
    await conn.query(compiler.insert(prepared.heading.schema, prepared.heading.table, names, 1, {}), names.map((n) => r.columns[n]!));
  }
}

/** Remove what a failed insert wrote; if that fails too, say so in the error's hint. */
async function withCleanup(err: unknown, guard: InsertGuard): Promise<unknown> {
  const problems = await guard.fail();
  if (problems.length && isDjError(err)) {
    return Object.assign(err, { hint: `${err.hint ? err.hint + "; " : ""}could not remove ${problems.length} object(s) written: ${problems.join("; ")}` });
  }
  return err;
}

async function encodeRow(session: Session, prepared: Prepared, row: RowInput, opts: InsertOptions, written: WrittenObject[], guard: InsertGuard): Promise<EncodedRow> {
  const { heading } = prepared;
  const { dialect, config } = session;
  const byName = new Map(heading.attributes.filter((a) => !a.hidden).map((a) => [a.name, a]));
  const attr = (name: string) => {
    const a = byName.get(name);
    if (!a) throw new UsageError(`${heading.schema}.${heading.className} has no attribute "${name}"`, { hint: `attributes: ${[...byName.keys()].join(", ")}` });
    return a;
  };
  const files = { ...row.files };
  const taken = new Set([...Object.keys(row.text), ...Object.keys(row.values), ...Object.keys(files)]);
  for (const f of row.unrouted) {
    const a = route(f, prepared, taken);
    files[a.name] = f;
    taken.add(a.name);
  }

  const columns: Record<string, Param> = {};
  const measured: Record<string, MeasuredFigures> = {};
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

  // The key in table order, for addressing and for the duplicate check.
  const key: Record<string, KeyValue> = {};
  for (const a of heading.attributes.filter((x) => x.inKey && !x.hidden)) key[a.name] = pathKey[a.name]!;
  const keyWhere = dialect.compiler.where(Object.fromEntries(heading.attributes.filter((a) => a.inKey && !a.hidden).map((a) => [a.name, columns[a.name]!])));
  const existing = await dialect.driver.query(dialect.compiler.count(heading.schema, heading.table, keyWhere.clauses), keyWhere.params);
  if (Number((existing.rows[0] as { n: number }).n) > 0) {
    if (opts.skipDuplicates) {
      await closeInputs(codecInputs);
      return { status: "skipped", key, columns, measured: {} };
    }
    await closeInputs(codecInputs);
    throw new ConflictError(`duplicate entry: ${heading.schema}.${heading.className} already has a row with ${describeKey(key)}`, {
      hint: "use --skip-duplicates to skip rows whose key exists",
      code: "db.duplicate",
    });
  }

  try {
    for (const [name, original] of codecInputs) {
      let value = original;
      const bar = value.kind === "ndarray" && value.array.byteLength >= 64 << 20 ? opts.progress?.(name, value.array.byteLength) : undefined;
      if (bar && value.kind === "ndarray") value = { ...value, array: counted(value.array, (n) => bar.add(n)) };
      columns[name] = await encodeValue(value, {
        config,
        schema: heading.schema,
        table: heading.table,
        attr: attr(name),
        primaryKey: key,
        resolved: prepared.codecs.get(name)!,
        written,
        onReport: (figures) => (measured[name] = { ...measured[name], ...figures }),
        guard,
      });
      bar?.done();
    }
  } finally {
    await closeInputs(codecInputs);
  }
  return { status: "ready", key, columns, measured };
}

function parseJsonText(text: string, name: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // a plain string value
  }
  checkJsonLimits(text, `the value for ${name}`);
  return value;
}

async function closeInputs(inputs: Map<string, InputValue>): Promise<void> {
  for (const v of inputs.values()) if (v.kind === "ndarray") await v.array.close?.();
}

export function describeKey(key: Record<string, KeyValue>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v instanceof Date ? v.toISOString() : String(v)}`)
    .join(", ");
}
