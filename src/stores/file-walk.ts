/**
 * The one walk over a file store's folders: every regular file under a folder, depth first.
 * Folders that vanish while it runs (another process deleting) are skipped; any other listing
 * failure goes to the caller's `listFailed`, which names it in the caller's terms.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export async function* filesUnder(start: string, listFailed: (dir: string, err: unknown) => Error): AsyncIterable<{ full: string; name: string }> {
  const stack = [start];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) continue;
      throw listFailed(dir, err);
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile()) yield { full, name: e.name };
    }
  }
}
