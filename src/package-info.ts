/**
 * dj's own package root and version, found by walking up from this file — the same code runs
 * from `dist/src/` (installed) and from `src/` (tests under tsx).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: { root: string; version: string } | null = null;

export function djPackage(): { root: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8"));
      if (pkg.name === "dj-cli") return (cached = { root: dir, version: String(pkg.version) });
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("dj's package.json was not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
