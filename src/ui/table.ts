/**
 * Plain tables for terminal output. cli-table3 prints ANSI colour codes even when piped, so
 * styles are switched off unless stdout is a TTY with colour allowed.
 */

type TableCtor = new (opts: object) => { push(...r: string[][]): void; toString(): string };

export async function renderTable(head: string[], rows: string[][], color: boolean): Promise<string> {
  // A plain import (not createRequire) so that the bundled binary carries cli-table3 inline.
  const { default: Table } = (await import("cli-table3")) as unknown as { default: TableCtor };
  const table = new Table({
    head,
    style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    wordWrap: true,
  });
  table.push(...rows);
  return table.toString();
}
