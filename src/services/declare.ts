/**
 * `dj declare`: every table of the given `.dj` files, parents first, in one go. A table that
 * exists with the same definition is `exists`; one that exists with another definition is a
 * conflict (exit 8) showing the difference. Every definition is parsed and compiled before
 * the first statement runs, so a syntax error changes nothing.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CodecRegistry } from "../codecs/registry.js";
import type { ResolvedConfig } from "../config/types.js";
import { ConflictError, InputError, isDjError } from "../errors.js";
import type { Connection, Dialect, Param } from "../db/types.js";
import type { SessionOptions } from "./session.js";
import { parseDefinition } from "../schema/definition.js";
import { definitionLines } from "../schema/describe.js";
import { diffHeadings, isIdentical } from "../schema/heading-diff.js";
import type { Heading } from "../schema/heading.js";
import { parsePipelineFile, type DeclaredTable } from "../schema/pipeline-file.js";
import { canonicalNativeType } from "../schema/types.js";
import { insertContents, planContents, writeContents, type ContentsPlan } from "./lookup-contents.js";
import { compilePlanned, keyOf, targetKey, type Planned } from "./pipeline-compile.js";


export interface DeclareResult {
  schema: string;
  className: string;
  table: string;
  status: "created" | "exists" | "planned";
  sql: string[];
  /** Lookup contents: rows inserted (planned, with --dry-run) and rows already there. */
  contents?: { inserted: number; present: number };
}

export async function readPipelineFiles(files: string[], cwd: string, defaultSchema: string | null): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const f of files) {
    const path = resolve(cwd, f);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      throw new InputError(`cannot read ${f}: ${(err as Error).message}`, { code: "input.file" });
    }
    for (const decl of parsePipelineFile(f, text, defaultSchema)) planned.push({ decl, def: parseDefinition(f, decl.lines) });
  }
  return planned;
}

/** Parents first; cycles and self-references are errors naming the tables. */
export function order(planned: Planned[]): Planned[] {
  const byKey = new Map(planned.map((p) => [keyOf(p.decl), p]));
  for (const p of planned) {
    if (byKey.get(keyOf(p.decl)) !== p) throw new InputError(`${p.decl.file}:${p.decl.line}: table ${keyOf(p.decl)} is declared twice`, { code: "definition.duplicate" });
  }
  const out: Planned[] = [];
  const state = new Map<Planned, "visiting" | "done">();
  const visit = (p: Planned, path: string[]) => {
    if (state.get(p) === "done") return;
    if (state.get(p) === "visiting") {
      throw new InputError(`circular dependency: ${[...path, keyOf(p.decl)].join(" -> ")}`, { code: "definition.cycle" });
    }
    state.set(p, "visiting");
    const deps = p.def.items.filter((i) => i.kind === "foreignKey").map((i) => targetKey((i as { target: string }).target, p.decl));
    if (p.decl.master) deps.push(`${p.decl.schema}.${p.decl.master}`);
    for (const d of deps) {
      const dep = byKey.get(d);
      if (dep) visit(dep, [...path, keyOf(p.decl)]);
    }
    state.set(p, "done");
    out.push(p);
  };
  for (const p of planned) visit(p, []);
  return out;
}

/**
 * A type as compared for the exists/conflict check: core and codec types as written (their
 * marker keeps them), native types as the database reads them back (case, spacing, `serial`).
 */
function comparableType(a: Heading["attributes"][number]): string {
  return a.marker || a.codec ? a.type.replace(/\s+/g, "") : canonicalNativeType(a.type);
}

const unquote = (d: string | null) => (d === null ? "" : d.replace(/^'(.*)'$/s, "$1").replace(/^current_timestamp(\(\))?$/i, "CURRENT_TIMESTAMP"));
/** A default as compared: numbers by value (MySQL reads `0.5` back as `0.500` for decimal(6,3)). */
const comparableDefault = (d: string | null) => {
  const v = unquote(d);
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v) ? String(Number(v)) : v;
};

function canonicalAttribute(a: Heading["attributes"][number]): string {
  if (a.foreignKey) return `fk-attr ${a.name} key=${a.inKey} null=${a.nullable}`;
  return `attr ${a.name} ${comparableType(a)} key=${a.inKey} null=${a.nullable} default=${a.nullable ? "" : comparableDefault(a.default)} # ${a.comment}`;
}

/** The definition lines that differ, leaving out attributes written differently but meaning the same. */
function difference(existing: Heading, wanted: Heading): string {
  const same = new Set(
    existing.attributes.filter((a) => wanted.attributes.some((b) => b.name === a.name && canonicalAttribute(b) === canonicalAttribute(a))).map((a) => a.name),
  );
  const differs = (l: string) => !same.has(/^([a-z][a-z0-9_]*)\s*[=:]/.exec(l)?.[1] ?? "");
  const a = definitionLines(existing);
  const b = definitionLines(wanted);
  const out: string[] = [];
  for (const l of a) if (!b.includes(l) && differs(l)) out.push(`  - ${l}`);
  for (const l of b) if (!a.includes(l) && differs(l)) out.push(`  + ${l}`);
  return out.length ? out.join("\n") : "  (the definitions differ in foreign-key or index details)";
}

export interface DeclareOptions {
  dryRun?: boolean;
  schema?: string;
}

export async function declarePipeline(
  config: ResolvedConfig,
  dialect: Dialect,
  registry: CodecRegistry,
  files: string[],
  cwd: string,
  opts: DeclareOptions = {},
): Promise<DeclareResult[]> {
  const planned = order(await readPipelineFiles(files, cwd, opts.schema ?? config.schema));
  const { introspector, compiler, driver } = dialect;

  // Compile everything before the first statement: a bad definition changes nothing.
  const plan: Array<{ decl: DeclaredTable; heading: Heading; existing: Heading | null; create: string[] }> = [];
  for (const { decl, heading, existing } of await compilePlanned(planned, dialect, registry)) {
    if (existing && !isIdentical(diffHeadings(existing, heading))) {
      throw new ConflictError(
        `${decl.file}:${decl.line}: table ${decl.schema}.${decl.className} (${heading.table}) exists with a different definition:\n${difference(existing, heading)}`,
        { hint: "`dj alter` changes secondary attributes and the comment (`dj diff` shows what differs); or drop the table first (`dj drop`)", code: "declare.conflict" },
      );
    }
    // The DDL too: a table the dialect cannot create (a cross-schema reference on the embedded
    // database) is refused before anything runs.
    plan.push({ decl, heading, existing, create: existing ? [] : compiler.createTable(heading) });
  }

  // Contents are checked against existing rows before anything runs, too.
  const contents = await planContents(dialect, plan);
  const results: DeclareResult[] = [];
  const schemasReady = new Set<string>();
  const work: Array<{ label: string; statements: string[]; lineage: { sql: string; params: Param[] } | null }> = [];
  for (const { decl, heading, existing, create } of plan) {
    const result: DeclareResult = { schema: decl.schema, className: decl.className, table: heading.table, status: "exists", sql: [] };
    results.push(result);
    if (existing) continue;
    const statements: string[] = [];
    if (!schemasReady.has(decl.schema)) {
      if (!(await introspector.schemaExists(decl.schema))) statements.push(compiler.createSchema(decl.schema));
      statements.push(compiler.createLineageTable(decl.schema));
      schemasReady.add(decl.schema);
    }
    statements.push(...create);
    const lineage = Object.entries(heading.lineage).sort(([a], [b]) => a.localeCompare(b));
    result.sql = [...statements, ...(lineage.length ? [compiler.upsertLineage(decl.schema, lineage.length)] : [])];
    result.status = opts.dryRun ? "planned" : "created";
    work.push({
      label: `${decl.schema}.${decl.className} (${heading.table})`,
      statements,
      lineage: lineage.length ? { sql: compiler.upsertLineage(decl.schema, lineage.length), params: lineage.flatMap(([attr, origin]) => [heading.table, attr, origin]) } : null,
    });
  }
  const resultOf = (c: ContentsPlan) => results.find((r) => r.schema === c.heading.schema && r.table === c.heading.table)!;
  if (opts.dryRun) {
    for (const c of contents) resultOf(c).contents = { inserted: c.insert.length, present: c.present };
    return results;
  }
  const create = async (conn: Connection, whole: boolean) => {
    for (const w of work) {
      try {
        for (const s of w.statements) await conn.query(s);
        if (w.lineage) await conn.query(w.lineage.sql, w.lineage.params);
      } catch (err) {
        // The server's words alone do not say which table of the files it refused.
        if (isDjError(err) && err instanceof Error) err.message = `${w.label}: ${err.message}${whole ? "; nothing of this declare was created" : ""}`;
        throw err;
      }
    }
  };
  if (compiler.transactionalDdl) {
    // All or nothing: a table the server refuses halfway leaves no earlier table, lineage or row.
    await driver.transaction(async (conn) => {
      await create(conn, true);
      for (const c of contents) resultOf(c).contents = { inserted: await insertContents(conn, compiler, c), present: c.present };
    });
  } else {
    // MySQL commits each DDL statement on its own; SQLite cannot attach a schema's file inside a
    // transaction. Tables go one by one, parents first, and each table's contents in a transaction.
    await create(driver, false);
    for (const c of contents) resultOf(c).contents = { inserted: c.insert.length ? await writeContents(dialect, c) : 0, present: c.present };
  }
  return results;
}

/** `dj declare FILE...`: the tables of the files, declared (or only compiled, with dryRun). */
export async function declareFiles(opts: SessionOptions, files: string[], declare: DeclareOptions): Promise<DeclareResult[]> {
  const { openSession } = await import("./session.js");
  const session = await openSession(opts);
  return declarePipeline(session.config, session.dialect, session.registry, files, opts.cwd, declare);
}
