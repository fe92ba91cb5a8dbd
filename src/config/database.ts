/**
 * The `database` section, validated with a zod schema (zod is imported lazily: it costs ~90 ms
 * and `dj --help` never needs it). Keys and defaults are DataJoint's (datajoint-compat.md §1.3);
 * values from environment variables arrive as strings and are coerced where DataJoint coerces.
 */
import type { DatabaseConfig, ValueSource } from "./types.js";
import { nearest } from "./nearest.js";
import type { Problem } from "./stores.js";

const KEYS = ["host", "user", "password", "port", "backend", "name", "use_tls", "reconnect", "database_prefix", "create_tables"];

export async function validateDatabase(
  raw: Record<string, unknown> | null,
  problems: Problem[],
  sources: Record<string, ValueSource>,
): Promise<DatabaseConfig | null> {
  if (raw === null) return null;
  const { z } = await import("zod");
  const schema = z
    .object({
      host: z.string().min(1).default("localhost"),
      user: z.string().nullable().default(null),
      password: z.string().nullable().default(null),
      port: z.coerce.number().int().min(1).max(65535).optional(),
      backend: z.enum(["mysql", "postgresql", "postgres", "sqlite"]).default("mysql"),
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
  const v = result.data;
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
    use_tls: typeof v.use_tls === "string" ? v.use_tls === "true" : typeof v.use_tls === "object" && v.use_tls !== null ? true : v.use_tls,
    name: v.name,
    database_prefix: v.database_prefix,
  };
}
