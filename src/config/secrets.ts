/**
 * DataJoint's secret files: one value per file, whitespace-trimmed, named by its config path
 * (`database.password`, `stores.mystore.secret_key`), in `.secrets/` beside the config file or
 * else in `/run/secrets/datajoint/`. They only fill values that file and environment left unset.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** A failure of the file system call itself (ENOENT, EACCES, ...), not a bug. */
const isOsError = (err: unknown) => typeof (err as NodeJS.ErrnoException).code === "string" && typeof (err as NodeJS.ErrnoException).syscall === "string";

export interface SecretValue {
  /** Dotted path, e.g. `stores.mystore.secret_key`. */
  path: string[];
  value: string;
  file: string;
}

export const SYSTEM_SECRETS_DIR = "/run/secrets/datajoint";

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (err) {
    if (isOsError(err)) return false; // missing or not reachable, as Python's os.path.isdir reads it
    throw err;
  }
}

export function findSecretsDir(configDir: string | null, systemDir = SYSTEM_SECRETS_DIR): string | null {
  if (configDir && isDir(join(configDir, ".secrets"))) return join(configDir, ".secrets");
  return isDir(systemDir) ? systemDir : null;
}

export function readSecrets(dir: string): SecretValue[] {
  const out: SecretValue[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const parts = name.split(".");
    const wanted =
      (parts.length === 2 && parts[0] === "database" && (parts[1] === "user" || parts[1] === "password")) ||
      (parts.length === 3 && parts[0] === "stores");
    if (!wanted) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      out.push({ path: parts, value: readFileSync(file, "utf8").trim(), file });
    } catch (err) {
      // An unreadable secret file is treated as absent, as DataJoint does.
      if (!isOsError(err)) throw err;
    }
  }
  return out;
}
