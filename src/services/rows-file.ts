/**
 * `dj insert --rows FILE.jsonl|FILE.csv`: one row per JSON line or CSV record. A string value
 * `"@path/to/file"` names a file (relative to the rows file) for a codec attribute.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import type { RowInput } from "./row-input.js";
import { checkJsonLimits } from "./values.js";

/** Rows are parsed in memory; a larger set of rows goes in several files (one batch each). */
export const ROWS_FILE_MAX_BYTES = 256 << 20;

function cell(row: RowInput, name: string, value: unknown): void {
  if (typeof value === "string" && value.startsWith("@")) row.files[name] = value.slice(1);
  else if (typeof value === "string") row.text[name] = value;
  else if (typeof value === "number" || typeof value === "boolean") row.text[name] = String(value);
  else if (value !== null) row.values[name] = value;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = "";
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      if (row.some((f) => f !== "")) rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== "")) rows.push(row);
  return rows;
}

export async function readRowsFile(cwd: string, file: string): Promise<{ rows: RowInput[]; baseDir: string }> {
  const path = resolve(cwd, file);
  const s = await stat(path).catch((err: Error) => {
    throw new InputError(`cannot read ${file}: ${err.message}`, { code: "input.file" });
  });
  if (!s.isFile()) throw new InputError(`${file} is ${s.isDirectory() ? "a directory" : "not a regular file"}: --rows needs a .jsonl or .csv file`, { code: "input.file" });
  if (s.size > ROWS_FILE_MAX_BYTES) {
    throw new InputError(`${file} is ${s.size} bytes; a rows file may hold at most ${ROWS_FILE_MAX_BYTES >> 20} MiB`, { hint: "split it into several files (each is inserted as its own batches)", code: "input.limit" });
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`, { code: "input.file" });
  }
  const rows: RowInput[] = [];
  if (/\.csv$/i.test(file)) {
    const [header, ...records] = parseCsv(text);
    if (!header) throw new InputError(`${file}: empty CSV file (a header row is needed)`, { code: "input.rows" });
    const names = header.map((h) => h.trim());
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    if (repeated !== undefined) throw new InputError(`${file}:1: column ${JSON.stringify(repeated)} appears more than once in the header`, { hint: "each attribute gets one column", code: "input.rows" });
    records.forEach((rec, i) => {
      if (rec.length !== header.length) throw new InputError(`${file}:${i + 2}: ${rec.length} fields, the header has ${header.length}`, { code: "input.rows" });
      const row: RowInput = { text: {}, values: {}, files: {}, unrouted: [] };
      header.forEach((name, j) => {
        if (rec[j] !== "") cell(row, name.trim(), rec[j]);
      });
      rows.push(row);
    });
  } else {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === "") return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (err) {
        throw new InputError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`, { code: "input.rows" });
      }
      if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new InputError(`${file}:${i + 1}: each line must be a JSON object`, { code: "input.rows" });
      checkJsonLimits(line, `${file}:${i + 1}`, 1); // the line's own object is one level
      const row: RowInput = { text: {}, values: {}, files: {}, unrouted: [] };
      for (const [k, v] of Object.entries(obj)) cell(row, k, v);
      rows.push(row);
    });
  }
  return { rows, baseDir: dirname(path) };
}
