/**
 * Store specs validated with DataJoint's rules (datajoint-compat.md §1.4): required and allowed
 * keys per protocol, common keys with their defaults, S3 credentials both-or-neither, the
 * section-prefix overlap rule. Unknown keys are errors that suggest the nearest valid key.
 */
import type { Protocol, StoreSpec } from "./types.js";
import { nearest } from "./nearest.js";
import { endpointCredentials } from "./endpoint-credentials.js";

export interface Problem {
  /** Dotted JSON path, e.g. `stores.mystore.bucket`. */
  path: string;
  message: string;
}

const COMMON = ["subfolding", "partition_pattern", "token_length", "hash_prefix", "schema_prefix", "filepath_prefix", "stage"];

const PROTOCOLS: Record<Protocol, { required: string[]; optional: string[] }> = {
  file: { required: ["protocol", "location"], optional: [] },
  s3: { required: ["protocol", "endpoint", "bucket", "location"], optional: ["access_key", "secret_key", "secure", "proxy_server"] },
  gcs: { required: ["protocol", "bucket", "location"], optional: ["token", "project"] },
  azure: { required: ["protocol", "container", "location"], optional: ["account_name", "account_key", "connection_string"] },
};

const DEFAULTS = {
  subfolding: null,
  partition_pattern: null,
  token_length: 8,
  hash_prefix: "_hash",
  schema_prefix: "_schema",
  filepath_prefix: null,
} as const;

export interface ValidatedStores {
  default: string | null;
  filepath_default: string | null;
  specs: Record<string, StoreSpec>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function validateStores(raw: unknown, problems: Problem[]): ValidatedStores {
  const result: ValidatedStores = { default: null, filepath_default: null, specs: {} };
  if (raw === undefined || raw === null) return result;
  if (!isObject(raw)) {
    problems.push({ path: "stores", message: "must be an object of store specs" });
    return result;
  }
  for (const [name, value] of Object.entries(raw)) {
    if (name === "default" || name === "filepath_default") {
      if (typeof value !== "string") problems.push({ path: `stores.${name}`, message: `stores.${name} must be a string` });
      else result[name] = value;
      continue;
    }
    const spec = validateStore(name, value, problems);
    if (spec) result.specs[name] = spec;
  }
  for (const key of ["default", "filepath_default"] as const) {
    const target = result[key];
    if (target !== null && !(target in result.specs) && !problems.some((p) => p.path.startsWith(`stores.${target}`))) {
      const suggestion = nearest(target, Object.keys(result.specs));
      problems.push({
        path: `stores.${key}`,
        message: `names store '${target}', which is not configured in stores${suggestion ? ` (did you mean '${suggestion}'?)` : ""}`,
      });
    }
  }
  return result;
}

function validateStore(name: string, value: unknown, problems: Problem[]): StoreSpec | null {
  const at = `stores.${name}`;
  if (!isObject(value)) {
    problems.push({ path: at, message: "must be an object with at least `protocol` and `location`" });
    return null;
  }
  const protocol = typeof value.protocol === "string" ? value.protocol.toLowerCase() : undefined;
  if (!protocol) {
    problems.push({ path: `${at}.protocol`, message: "is missing (one of file, s3, gcs, azure)" });
    return null;
  }
  const rules = PROTOCOLS[protocol as Protocol];
  if (!rules) {
    problems.push({
      path: `${at}.protocol`,
      message: `Unknown protocol "${protocol}" in config.stores["${name}"]. Built-in: file, s3, gcs, azure.`,
    });
    return null;
  }
  const allowed = [...rules.required, ...rules.optional, ...COMMON];
  const before = problems.length;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const suggestion = nearest(key, allowed);
      problems.push({
        path: `${at}.${key}`,
        message: `invalid key for a ${protocol} store${suggestion ? ` (did you mean '${suggestion}'?)` : ""}; allowed: ${allowed.join(", ")}`,
      });
    }
  }
  for (const key of rules.required) {
    if (value[key] === undefined || value[key] === null) problems.push({ path: `${at}.${key}`, message: `is missing (required for a ${protocol} store)` });
  }
  for (const key of ["location", "endpoint", "bucket", "container", "hash_prefix", "schema_prefix", "access_key", "secret_key", "stage"]) {
    if (value[key] !== undefined && value[key] !== null && typeof value[key] !== "string") problems.push({ path: `${at}.${key}`, message: "must be a string" });
  }
  checkCommonTypes(at, value, problems);
  if (protocol === "s3") {
    const hasAccess = value.access_key !== undefined;
    if (hasAccess !== (value.secret_key !== undefined)) {
      problems.push({
        path: `${at}.${hasAccess ? "secret_key" : "access_key"}`,
        message: "Incomplete S3 credentials: set both access_key and secret_key, or neither to use ambient AWS credentials.",
      });
    }
    if (typeof value.endpoint === "string" && endpointCredentials(value.endpoint)) {
      problems.push({
        path: `${at}.endpoint`,
        message: `holds credentials (user:password@ before the host; not shown). Put them in stores.${name}.access_key and stores.${name}.secret_key (or .secrets/stores.${name}.secret_key) and give the endpoint as host:port`,
      });
    }
    if (value.secure !== undefined && typeof value.secure !== "boolean") problems.push({ path: `${at}.secure`, message: "must be true or false" });
  }
  if (problems.length > before) return null;

  const spec = { ...DEFAULTS, ...value, protocol } as Record<string, unknown>;
  spec.token_length = Math.min(16, Math.max(4, Number(spec.token_length)));
  if (protocol === "s3" && spec.secure === undefined) spec.secure = true;
  const shapeProblems = problems.length;
  checkPrefixShapes(name, spec, problems);
  if (problems.length === shapeProblems) checkPrefixOverlap(name, spec, problems);
  return spec as unknown as StoreSpec;
}

function checkCommonTypes(at: string, value: Record<string, unknown>, problems: Problem[]): void {
  const { subfolding, partition_pattern, token_length, filepath_prefix } = value;
  if (subfolding !== undefined && subfolding !== null) {
    if (!Array.isArray(subfolding) || !subfolding.every((n) => Number.isInteger(n) && n > 0)) {
      problems.push({ path: `${at}.subfolding`, message: "must be a list of positive integers, e.g. [2, 2]" });
    }
  }
  if (partition_pattern !== undefined && partition_pattern !== null && typeof partition_pattern !== "string") {
    problems.push({ path: `${at}.partition_pattern`, message: 'must be a string such as "{subject_id}/{session_date}"' });
  }
  if (token_length !== undefined && !Number.isInteger(token_length)) problems.push({ path: `${at}.token_length`, message: "must be an integer (4 to 16)" });
  if (filepath_prefix !== undefined && filepath_prefix !== null && typeof filepath_prefix !== "string") {
    problems.push({ path: `${at}.filepath_prefix`, message: "must be a string or null" });
  }
}

/**
 * dj's sections must be folders of their own inside the location: an empty prefix would put
 * objects at the root, among files dj never wrote (and gc could not tell them apart); an absolute
 * prefix or a `.`/`..` segment would leave the location, or alias another section; `.dj-gc` is
 * the control area where inserts and gc runs announce themselves. `filepath_prefix` may be null
 * (no restriction) but, when given, follows the same rules.
 */
function checkPrefixShapes(name: string, spec: Record<string, unknown>, problems: Problem[]): void {
  for (const k of ["hash_prefix", "schema_prefix", "filepath_prefix"] as const) {
    const v = spec[k];
    if (typeof v !== "string") continue;
    const at = `stores.${name}.${k}`;
    const segments = v.replace(/\/+$/, "").split("/");
    let problem: string | null = null;
    if (v.replace(/^\/+|\/+$/g, "") === "") {
      problem = k === "filepath_prefix" ? "is empty; use null for no restriction" : "is empty; dj's objects would lie at the store's root among other files, where gc cannot tell them apart";
    } else if (v.startsWith("/")) problem = `is absolute ("${v}"); prefixes are folders inside the store's location`;
    else if (v.includes("\\") || segments.some((s) => s === "." || s === ".." || s === "")) problem = `("${v}") must be a plain relative folder: no ".", ".." or empty segments, no backslashes`;
    else if (segments[0] === ".dj-gc") problem = `("${v}") lies in .dj-gc/, dj's control area`;
    if (problem) problems.push({ path: at, message: problem });
  }
}

/** Non-empty section prefixes must not be prefixes of one another (DataJoint's rule). */
function checkPrefixOverlap(name: string, spec: Record<string, unknown>, problems: Problem[]): void {
  const keys = ["hash_prefix", "schema_prefix", "filepath_prefix"] as const;
  const norm = keys
    .map((k) => ({ k, v: typeof spec[k] === "string" ? (spec[k] as string) : "" }))
    .filter((p) => p.v.replace(/^\/+|\/+$/g, "") !== "")
    .map((p) => ({ ...p, n: p.v.replace(/^\/+|\/+$/g, "") + "/" }));
  for (let i = 0; i < norm.length; i++) {
    for (let j = i + 1; j < norm.length; j++) {
      const a = norm[i]!;
      const b = norm[j]!;
      if (a.n.startsWith(b.n) || b.n.startsWith(a.n)) {
        problems.push({
          path: `stores.${name}.${b.k}`,
          message: `config.stores["${name}"]: ${a.k}="${a.v}" and ${b.k}="${b.v}" overlap. Storage section prefixes must be mutually exclusive.`,
        });
      }
    }
  }
}
