/** The configuration as `dj config show` and `dj store list` print it: secrets as "****". */
import type { ResolvedConfig } from "./types.js";

const SECRET_KEYS = new Set(["password", "secret_key", "account_key", "connection_string", "token"]);

export function maskValue(key: string, value: unknown): unknown {
  return SECRET_KEYS.has(key) && value !== null && value !== undefined && value !== "" ? "****" : value;
}

export function maskObject<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, maskValue(k, v)])) as T;
}

export function displayConfig(config: ResolvedConfig): Record<string, unknown> {
  const stores: Record<string, unknown> = {};
  if (config.stores.default !== null) stores.default = config.stores.default;
  if (config.stores.filepath_default !== null) stores.filepath_default = config.stores.filepath_default;
  for (const [name, spec] of Object.entries(config.stores.specs)) stores[name] = maskObject({ ...spec });
  return {
    file: config.file,
    database: config.database ? maskObject({ ...config.database }) : { backend: "embedded", path: ".dj/dj.sqlite" },
    stores,
    schema: config.schema,
    requiredCodecs: config.requiredCodecs,
    codecs: config.codecs,
    timeouts: { connect: config.timeouts.connectMs / 1000, idle: config.timeouts.idleMs / 1000, retries: config.timeouts.retries },
  };
}
