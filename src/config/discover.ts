/**
 * Which config file to read: `--config` / `DJ_CONFIG` name one directly; otherwise
 * `dj.config.json`, then DataJoint's `datajoint.json`, searched from the working directory
 * upward, stopping at a directory that holds `.git` or `.hg` (DataJoint's rule, so a project's
 * config never leaks into another repository).
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";

export const CONFIG_NAMES = ["dj.config.json", "datajoint.json"] as const;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function searchUpward(start: string, name: string): string | null {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, name);
    if (isFile(candidate)) return candidate;
    if (existsSync(join(dir, ".git")) || existsSync(join(dir, ".hg"))) return null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function findConfigFile(cwd: string, explicit: string | undefined, env: NodeJS.ProcessEnv): string | null {
  const named = explicit ?? (env.DJ_CONFIG || undefined);
  if (named) {
    const path = resolve(cwd, named);
    if (!isFile(path)) {
      throw new ConfigError(`config file ${path} does not exist`, {
        hint: explicit ? "check the --config path" : "check the DJ_CONFIG environment variable",
        code: "config.missing",
      });
    }
    return path;
  }
  for (const name of CONFIG_NAMES) {
    const found = searchUpward(cwd, name);
    if (found) return found;
  }
  return null;
}
