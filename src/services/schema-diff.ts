/**
 * `dj diff FILE.dj`: every table of the files compared with the database (heading-diff.ts).
 * Read only. The caller turns "not identical" into exit 8, so the command is a CI gate.
 */
import type { Heading } from "../schema/heading.js";
import { diffHeadings, isIdentical, type HeadingDiff } from "../schema/heading-diff.js";
import type { DeclaredTable } from "../schema/pipeline-file.js";
import { order, readPipelineFiles } from "./declare.js";
import { compilePlanned } from "./pipeline-compile.js";
import type { Session, SessionOptions } from "./session.js";

export interface TableDiff {
  decl: DeclaredTable;
  schema: string;
  className: string;
  table: string;
  status: "missing" | "identical" | "different";
  /** Null when the table is missing. */
  diff: HeadingDiff | null;
  heading: Heading;
  existing: Heading | null;
}

export async function diffPipeline(session: Session, files: string[], cwd: string, opts: { schema?: string } = {}): Promise<TableDiff[]> {
  const planned = order(await readPipelineFiles(files, cwd, opts.schema ?? session.config.schema));
  const compiled = await compilePlanned(planned, session.dialect, session.registry);
  return compiled.map(({ decl, heading, existing }) => {
    const diff = existing ? diffHeadings(existing, heading) : null;
    const status = !diff ? "missing" : isIdentical(diff) ? "identical" : "different";
    return { decl, schema: decl.schema, className: decl.master ? `${decl.master}.${decl.className}` : decl.className, table: heading.table, status, diff, heading, existing };
  });
}

/** `dj diff FILE...`: each table of the files against the database. */
export async function diffFiles(where: SessionOptions, files: string[], opts: { schema?: string } = {}): Promise<TableDiff[]> {
  const { openSession } = await import("./session.js");
  return diffPipeline(await openSession(where), files, where.cwd, opts);
}
