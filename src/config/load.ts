/**
 * Configuration loading with DataJoint's precedence (datajoint-compat.md §1.2):
 *   defaults < file < mapped environment variables (when non-empty) ; DJ_STORES replaces
 *   `stores` ; secret files fill what is still unset. `DJ_IGNORE_CONFIG_FILE=true` skips the
 *   file and the secrets.
 * Every problem names the file, the JSON path and what is wrong (exit 3).
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../errors.js";
import { registerSecret } from "../ui/redact.js";
import { findConfigFile } from "./discover.js";
import { validateDatabase } from "./database.js";
import { locateJsonSyntaxError } from "./json-syntax.js";
import { assertNoForbiddenKeys, isForbiddenSegment } from "./safe-keys.js";
import { findSecretsDir, readSecrets } from "./secrets.js";
import { validateTimeouts } from "./timeouts.js";
import { isValidSchemaName, SCHEMA_NAME_RULE } from "./schema-name-rule.js";
import { validateStores, type Problem } from "./stores.js";
import type { ResolvedConfig, ValueSource } from "./types.js";

export interface LoadOptions {
  cwd: string;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Where DataJoint's system-wide secrets live (tests point it elsewhere). */
  systemSecretsDir?: string;
}

export interface LoadResult {
  config: ResolvedConfig;
  problems: Problem[];
}

type Json = Record<string, unknown>;

/** Environment variables that beat the file when set and non-empty. */
const ENV_MAP: Record<string, [string, string]> = {
  DJ_HOST: ["database", "host"],
  DJ_USER: ["database", "user"],
  DJ_PASS: ["database", "password"],
  DJ_BACKEND: ["database", "backend"],
  DJ_PORT: ["database", "port"],
  DJ_DATABASE_NAME: ["database", "name"],
  DJ_DATABASE_PREFIX: ["database", "database_prefix"],
};

/**
 * The variables that point a project without a `database` section (dj's embedded database) at a
 * server. DJ_USER and DJ_PASS alone do not: many DataJoint users keep them in their shell for
 * their lab's server, and they would otherwise send every command of an embedded project to
 * whatever MySQL listens on localhost (docs/decisions.md).
 */
const NAMES_A_SERVER = new Set(["DJ_HOST", "DJ_BACKEND"]);

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Accept DataJoint's flat dot keys (`"database.host"`, `"stores.main.location"`) beside nested ones. */
function unflatten(raw: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(raw)) {
    const parts = key.split(".");
    if (parts.length === 1 || !["database", "stores", "connection", "display", "timeouts"].includes(parts[0]!)) {
      out[key] = isObject(value) && isObject(out[key]) ? { ...(out[key] as Json), ...value } : value;
      continue;
    }
    let node = out;
    for (const p of parts.slice(0, -1)) {
      if (!isObject(node[p])) node[p] = {};
      node = node[p] as Json;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return out;
}

function readConfigFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file ${file} (${code === "EACCES" ? "permission denied" : (code ?? (err as Error).message)})`, {
      code: "config.unreadable",
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    // Never V8's message: it quotes the text around the error, which may be a secret.
    const at = locateJsonSyntaxError(text);
    const where = at ? ` at line ${at.line}, column ${at.column}: ${at.problem}` : "";
    throw new ConfigError(`${file}: not valid JSON${where}`, {
      hint: "fix the syntax there (the text itself is not shown, as it may hold a secret)",
      code: "config.syntax",
    });
  }
  if (!isObject(parsed)) throw new ConfigError(`${file}: the top level must be a JSON object`, { code: "config.invalid" });
  assertNoForbiddenKeys(parsed, file);
  return unflatten(parsed);
}

/** Load and validate; problems are returned, not thrown (for `dj config validate`). */
export async function resolveConfig(opts: LoadOptions): Promise<LoadResult> {
  const env = opts.env ?? process.env;
  const ignoreFile = /^(true|1|yes)$/i.test(env.DJ_IGNORE_CONFIG_FILE ?? "");
  const file = ignoreFile ? null : findConfigFile(opts.cwd, opts.configPath, env);
  const raw: Json = file ? readConfigFile(file) : {};
  const baseDir = file ? dirname(file) : opts.cwd;
  const sources: Record<string, ValueSource> = {};
  const problems: Problem[] = [];

  const db: Json = isObject(raw.database) ? { ...raw.database } : {};
  if (raw.database !== undefined && !isObject(raw.database)) problems.push({ path: "database", message: "must be an object" });
  for (const k of Object.keys(db)) sources[`database.${k}`] = "file";
  let hasDatabase = isObject(raw.database);
  for (const [name, [, key]] of Object.entries(ENV_MAP)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    db[key] = value;
    sources[`database.${key}`] = "env";
    if (NAMES_A_SERVER.has(name)) hasDatabase = true;
  }

  let storesRaw: unknown = raw.stores;
  if (storesRaw !== undefined) markSources(sources, "stores", storesRaw, "file");
  if (env.DJ_STORES) {
    try {
      storesRaw = parseEnvJson(env.DJ_STORES);
      if (!isObject(storesRaw)) throw new Error("not a JSON object");
      assertNoForbiddenKeys(storesRaw, "DJ_STORES");
      for (const k of Object.keys(sources)) if (k.startsWith("stores.")) delete sources[k];
      markSources(sources, "stores", storesRaw, "env");
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      problems.push({ path: "DJ_STORES", message: `must be a JSON object of store specs (${(err as Error).message})` });
    }
  }

  const secretsDir = ignoreFile ? null : findSecretsDir(file ? baseDir : null, opts.systemSecretsDir);
  if (secretsDir) {
    for (const secret of readSecrets(secretsDir)) {
      const [section, a, b] = secret.path;
      if (secret.path.some(isForbiddenSegment)) {
        throw new ConfigError(`secret file ${secret.file}: its name is not allowed (__proto__, constructor and prototype cannot be config keys)`, {
          hint: "rename or remove that file",
          code: "config.key",
        });
      }
      if (section === "database" && (db[a!] === undefined || db[a!] === null)) {
        db[a!] = secret.value;
        sources[`database.${a}`] = "secret";
      } else if (section === "stores" && b && isObject(storesRaw) && isObject(storesRaw[a!]) && !(b in (storesRaw[a!] as Json))) {
        storesRaw = { ...storesRaw, [a!]: { ...(storesRaw[a!] as Json), [b]: secret.value } };
        sources[`stores.${a}.${b}`] = "secret";
      }
    }
  }

  const database = await validateDatabase(hasDatabase ? db : null, problems, sources, baseDir);
  const stores = validateStores(storesRaw, problems);
  const additions = validateAdditions(raw, problems);
  const timeouts = validateTimeouts(raw.timeouts, env, problems, sources);

  const secrets: string[] = [];
  if (database?.password) secrets.push(database.password);
  for (const spec of Object.values(stores.specs)) {
    for (const key of ["secret_key", "account_key", "connection_string", "token"] as const) {
      const v = (spec as unknown as Json)[key];
      if (typeof v === "string" && v) secrets.push(v);
    }
  }
  secrets.forEach(registerSecret);

  const config: ResolvedConfig = {
    file,
    baseDir,
    database,
    stores,
    ...additions,
    timeouts,
    sources,
    secrets,
  };
  return { config, problems };
}

/** DJ_STORES as JSON; a syntax error gives the position only (the value may hold secret keys). */
function parseEnvJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const at = locateJsonSyntaxError(text);
    throw new Error(`not valid JSON${at ? ` at column ${at.column}${at.line > 1 ? ` of line ${at.line}` : ""}: ${at.problem}` : ""}`);
  }
}

function markSources(sources: Record<string, ValueSource>, prefix: string, value: unknown, source: ValueSource): void {
  if (!isObject(value)) {
    sources[prefix] = source;
    return;
  }
  for (const [k, v] of Object.entries(value)) markSources(sources, `${prefix}.${k}`, v, source);
}

function validateAdditions(raw: Json, problems: Problem[]): Pick<ResolvedConfig, "schema" | "requiredCodecs" | "codecs" | "download_path"> {
  const out: Pick<ResolvedConfig, "schema" | "requiredCodecs" | "codecs" | "download_path"> = {
    schema: null,
    requiredCodecs: [],
    codecs: {},
    download_path: ".",
  };
  if (raw.schema !== undefined) {
    if (isValidSchemaName(raw.schema)) out.schema = raw.schema;
    else problems.push({ path: "schema", message: `must be a schema (database) name: ${SCHEMA_NAME_RULE}` });
  }
  if (raw.requiredCodecs !== undefined) {
    if (Array.isArray(raw.requiredCodecs) && raw.requiredCodecs.every((c) => typeof c === "string" && c.length > 0)) {
      out.requiredCodecs = raw.requiredCodecs as string[];
    } else {
      problems.push({ path: "requiredCodecs", message: 'must be a list of codec names, optionally with a version range ("zarr@^0.1")' });
    }
  }
  if (raw.codecs !== undefined) {
    if (isObject(raw.codecs) && Object.values(raw.codecs).every(isObject)) out.codecs = raw.codecs as Record<string, Json>;
    else problems.push({ path: "codecs", message: 'must map codec names to option objects, e.g. {"zarr": {"format": 2}}' });
  }
  if (raw.download_path !== undefined) {
    if (typeof raw.download_path === "string") out.download_path = raw.download_path;
    else problems.push({ path: "download_path", message: "must be a string" });
  }
  return out;
}

/** Load the configuration or fail with the first problem (exit 3). */
export async function loadConfig(opts: LoadOptions): Promise<ResolvedConfig> {
  const { config, problems } = await resolveConfig(opts);
  if (problems.length > 0) {
    const first = problems[0]!;
    const where = config.file ?? "configuration";
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
    throw new ConfigError(`${where}: ${first.path}: ${first.message}${more}`, {
      hint: "run `dj config validate` to list every problem",
      code: "config.invalid",
    });
  }
  return config;
}
