/**
 * Plain tables for terminal output. cli-table3 prints ANSI colour codes even when piped, so
 * styles are switched off unless stdout is a TTY with colour allowed.
 */
import { createRequire } from "node:module";

export async function renderTable(head: string[], rows: string[][], color: boolean): Promise<string> {
  const Table = createRequire(import.meta.url)("cli-table3") as new (opts: object) => { push(...r: string[][]): void; toString(): string };
  const table = new Table({
    head,
    style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    wordWrap: true,
  });
  table.push(...rows);
  return table.toString();
}
