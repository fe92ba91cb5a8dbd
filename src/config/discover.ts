/**
 * Which config file to read: `--config` / `DJ_CONFIG` name one directly; otherwise
 * `dj.config.json`, then DataJoint's `datajoint.json`, searched from the working directory
 * upward, stopping at a directory that holds `.git` or `.hg` (DataJoint's rule, so a project's
 * config never leaks into another repository).
 *
 * A name that exists in a folder is that folder's config, whatever it turns out to be: a dangling
 * link, a link loop, a folder, a FIFO or a file without read permission is an error naming it,
 * never skipped in favour of a parent folder's config (which would silently use other settings).
 */
import { accessSync, constants, existsSync, lstatSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";

export const CONFIG_NAMES = ["dj.config.json", "datajoint.json"] as const;

/** Whether anything (a file, a link, a folder) sits at `path`, without following links. */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw unusable(path, err, "the search");
  }
}

function unusable(path: string, err: unknown, how: string): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT" ? "is a link to something that does not exist"
    : code === "ELOOP" ? "is a link loop"
    : code === "EACCES" || code === "EPERM" ? "cannot be read (permission denied)"
    : `cannot be read (${code ?? (err as Error).message})`;
  return new ConfigError(`config file ${path} ${why}`, {
    hint: `fix or remove it (found by ${how}); dj does not fall back to another config`,
    code: "config.unreadable",
  });
}

/** The config file at `path` must be a readable regular file (a link to one is fine). */
export function assertUsableConfig(path: string, how: string): void {
  let kind: string | null;
  try {
    const st = statSync(path);
    kind = st.isFile() ? null : st.isDirectory() ? "a folder" : st.isFIFO() ? "a FIFO (named pipe)" : st.isSocket() ? "a socket" : "not a regular file";
  } catch (err) {
    throw unusable(path, err, how);
  }
  if (kind !== null) {
    throw new ConfigError(`config file ${path} is ${kind}, not a file`, {
      hint: `replace it with a JSON file or remove it (found by ${how}); dj does not fall back to another config`,
      code: "config.unreadable",
    });
  }
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw unusable(path, err, how);
  }
}

function searchUpward(start: string, name: string): string | null {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, name);
    if (entryExists(candidate)) {
      assertUsableConfig(candidate, "the search from the working directory");
      return candidate;
    }
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
    const how = explicit ? "--config" : "DJ_CONFIG";
    if (!entryExists(path)) {
      throw new ConfigError(`config file ${path} does not exist`, {
        hint: explicit ? "check the --config path" : "check the DJ_CONFIG environment variable",
        code: "config.missing",
      });
    }
    assertUsableConfig(path, how);
    return path;
  }
  for (const name of CONFIG_NAMES) {
    const found = searchUpward(cwd, name);
    if (found) return found;
  }
  return null;
}
