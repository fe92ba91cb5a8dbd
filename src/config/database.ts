/**
 * The `database` section, validated with a zod schema (zod is imported lazily: it costs ~90 ms
 * and `dj --help` never needs it). A section that is plainly valid — known keys, values of
 * exactly the accepted types — is read by `plainDatabase` without loading zod at all (every
 * database command paid that ~90 ms otherwise); anything else goes through zod, which gives the
 * messages. A unit test checks that both agree on every section the plain reader accepts.
 * Keys and defaults are DataJoint's (datajoint-compat.md §1.3); values from environment
 * variables arrive as strings and are coerced where DataJoint coerces.
 */
import { isAbsolute, resolve } from "node:path";
import type { DatabaseConfig, TlsOptions, ValueSource } from "./types.js";
import { nearest } from "./nearest.js";
import type { Problem } from "./stores.js";

const KEYS = ["host", "user", "password", "port", "backend", "name", "use_tls", "reconnect", "database_prefix", "create_tables"];

const BACKENDS = ["mysql", "postgresql", "postgres", "sqlite"] as const;

type Parsed = {
  host: string;
  user: string | null;
  password: string | null;
  port?: number;
  backend: (typeof BACKENDS)[number];
  name: string | null;
  use_tls: boolean | null | Record<string, unknown> | "true" | "false";
  reconnect: boolean;
  database_prefix: string;
  create_tables: boolean | "true" | "false";
};

const isStringOrNull = (v: unknown) => v === null || typeof v === "string";

/** The section with zod's defaults applied, or null when it is not plainly valid (then zod decides). */
export function plainDatabase(raw: Record<string, unknown>): Parsed | null {
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) return null;
  const { host = "localhost", user = null, password = null, port, backend = "mysql", name = null, use_tls = null, reconnect = true, database_prefix = "", create_tables = true } = raw;
  if (typeof host !== "string" || host.length === 0 || !isStringOrNull(user) || !isStringOrNull(password) || !isStringOrNull(name)) return null;
  let portNumber: number | undefined;
  if (port !== undefined) {
    portNumber = typeof port === "number" ? port : typeof port === "string" && /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) return null;
  }
  if (typeof backend !== "string" || !(BACKENDS as readonly string[]).includes(backend)) return null;
  const tlsOk = use_tls === null || typeof use_tls === "boolean" || use_tls === "true" || use_tls === "false" || (typeof use_tls === "object" && !Array.isArray(use_tls));
  if (!tlsOk || typeof reconnect !== "boolean" || typeof database_prefix !== "string") return null;
  if (typeof create_tables !== "boolean" && create_tables !== "true" && create_tables !== "false") return null;
  return {
    host,
    user: user as string | null,
    password: password as string | null,
    ...(portNumber !== undefined ? { port: portNumber } : {}),
    backend: backend as Parsed["backend"],
    name: name as string | null,
    use_tls: use_tls as Parsed["use_tls"],
    reconnect,
    database_prefix,
    create_tables: create_tables as Parsed["create_tables"],
  };
}

export async function validateDatabase(
  raw: Record<string, unknown> | null,
  problems: Problem[],
  sources: Record<string, ValueSource>,
  baseDir = process.cwd(),
): Promise<DatabaseConfig | null> {
  if (raw === null) return null;
  const v = plainDatabase(raw) ?? (await zodDatabase(raw, problems, sources));
  if (v === null) return null;
  const tls = typeof v.use_tls === "object" && v.use_tls !== null ? tlsOptions(v.use_tls, problems, baseDir) : undefined;
  if (tls === null) return null;
  return finish(v, sources, tls);
}

const TLS_FILES = ["ca", "cert", "key"] as const;
const TLS_KEYS = [...TLS_FILES, "check_hostname", "cipher"];

/** `use_tls` as an object: known keys only, file paths made absolute (relative to the config's folder). */
function tlsOptions(raw: Record<string, unknown>, problems: Problem[], baseDir: string): TlsOptions | null {
  const before = problems.length;
  const out: TlsOptions = {};
  for (const [k, value] of Object.entries(raw)) {
    if (!TLS_KEYS.includes(k)) {
      const suggestion = nearest(k, TLS_KEYS);
      problems.push({ path: `database.use_tls.${k}`, message: `unknown TLS option${suggestion ? ` (did you mean '${suggestion}'?)` : ""}; allowed: ${TLS_KEYS.join(", ")}` });
    } else if (k === "check_hostname") {
      if (typeof value === "boolean") out.check_hostname = value;
      else problems.push({ path: "database.use_tls.check_hostname", message: "must be true or false" });
    } else if (typeof value !== "string" || value === "") {
      problems.push({ path: `database.use_tls.${k}`, message: k === "cipher" ? "must be an OpenSSL cipher list" : "must be the path of a PEM file" });
    } else if (k === "cipher") {
      out.cipher = value;
    } else {
      out[k as (typeof TLS_FILES)[number]] = isAbsolute(value) ? value : resolve(baseDir, value);
    }
  }
  return problems.length > before ? null : out;
}

/** zod's reading of the section: the parsed value, or the problems it found. */
export async function zodDatabase(raw: Record<string, unknown>, problems: Problem[], sources: Record<string, ValueSource>): Promise<Parsed | null> {
  const { z } = await import("zod");
  const schema = z
    .object({
      host: z.string().min(1).default("localhost"),
      user: z.string().nullable().default(null),
      password: z.string().nullable().default(null),
      port: z.coerce.number().int().min(1).max(65535).optional(),
      backend: z.enum(BACKENDS).default("mysql"),
      name: z.string().nullable().default(null),
      use_tls: z.union([z.boolean(), z.null(), z.record(z.string(), z.unknown()), z.enum(["true", "false"])]).default(null),
      reconnect: z.boolean().default(true),
      database_prefix: z.string().default(""),
      create_tables: z.union([z.boolean(), z.enum(["true", "false"])]).default(true),
    })
    .strict();

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const suggestion = nearest(key, KEYS);
          problems.push({ path: `database.${key}`, message: `unknown key${suggestion ? ` (did you mean '${suggestion}'?)` : ""}` });
        }
        continue;
      }
      const path = ["database", ...issue.path.map(String)].join(".");
      const from = sources[path] === "env" ? " (from the environment)" : "";
      problems.push({ path, message: `${issue.message}${from}` });
    }
    return null;
  }
  return result.data;
}

function finish(v: Parsed, sources: Record<string, ValueSource>, tls?: TlsOptions): DatabaseConfig {
  let host = v.host;
  let port = v.port;
  // DataJoint: a port in `host` ("db:3307") wins over `database.port`.
  const m = /^(.*):(\d+)$/.exec(host);
  if (m && !host.includes("]")) {
    host = m[1]!;
    port = Number(m[2]);
    sources["database.port"] = sources["database.host"] ?? "file";
  }
  const backend = v.backend === "postgres" ? "postgresql" : v.backend;
  if (port === undefined) sources["database.port"] ??= "default";
  for (const k of ["host", "backend", "user"]) sources[`database.${k}`] ??= "default";
  return {
    backend,
    host,
    port: port ?? (backend === "postgresql" ? 5432 : 3306),
    user: v.user,
    password: v.password,
    use_tls: typeof v.use_tls === "string" ? v.use_tls === "true" : tls ?? (v.use_tls as boolean | null),
    name: v.name,
    database_prefix: v.database_prefix,
  };
}
