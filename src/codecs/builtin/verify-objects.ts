/**
 * Checks shared by the built-in codecs' `verify` hooks (`dj verify`): an object exists with the
 * size its row records; a folder holds what its manifest lists. Each returns problems, never throws
 * for damage (only when the store itself fails).
 */
import type { Store } from "../../stores/types.js";
import type { VerifyProblem } from "../types.js";

export const problem = (store: string | null, path: string, text: string): VerifyProblem => ({ store, path, problem: text });

/** The object at `path` exists and, when `expected` is a number, has that many bytes. */
export async function checkObjectSize(store: Store, storeName: string | null, path: string, expected: unknown): Promise<VerifyProblem[]> {
  const size = await store.size(path);
  if (size === undefined) return [problem(storeName, path, "missing")];
  if (typeof expected === "number" && size !== expected) return [problem(storeName, path, `size ${size} bytes, the row records ${expected}`)];
  return [];
}

interface Manifest {
  files: Array<{ path: string; size: number }>;
}

/**
 * A folder object: every file of its `<path>.manifest.json` exists with its size, and the totals
 * match the row's `size` and `item_count`. Without a manifest (folders other tools wrote), the
 * files under the folder are counted instead.
 */
export async function checkFolder(store: Store, storeName: string | null, path: string, meta: Record<string, unknown>): Promise<VerifyProblem[]> {
  const out: VerifyProblem[] = [];
  const manifestPath = `${path}.manifest.json`;
  const manifestBytes = await store.get(manifestPath);
  let files: Manifest["files"] | null = null;
  if (manifestBytes) {
    try {
      const parsed = JSON.parse(Buffer.from(manifestBytes).toString("utf8")) as Manifest;
      if (!Array.isArray(parsed.files)) throw new Error('no "files" list');
      files = parsed.files;
    } catch (err) {
      out.push(problem(storeName, manifestPath, `manifest does not parse: ${(err as Error).message}`));
    }
  }
  let total = 0;
  let count = 0;
  if (files) {
    for (const f of files) {
      const found = await checkObjectSize(store, storeName, `${path}/${f.path}`, f.size);
      out.push(...found.map((p) => (p.problem.startsWith("size") ? { ...p, problem: p.problem.replace("the row records", "the manifest records") } : p)));
      total += f.size;
      count++;
    }
  } else {
    for await (const o of store.list(`${path}/`)) {
      total += o.size;
      count++;
    }
    if (count === 0 && !manifestBytes) return [problem(storeName, path, "missing (an empty or absent folder)")];
  }
  if (typeof meta.size === "number" && total !== meta.size) out.push(problem(storeName, path, `folder holds ${total} bytes, the row records ${meta.size}`));
  if (typeof meta.item_count === "number" && count !== meta.item_count) out.push(problem(storeName, path, `folder holds ${count} files, the row records ${meta.item_count}`));
  return out;
}
