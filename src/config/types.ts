/**
 * The resolved configuration every service receives. Produced by `loadConfig()` (config/load.ts)
 * from `dj.config.json` / `datajoint.json`, environment variables and secret files, validated
 * with DataJoint's rules (datajoint-compat.md §1).
 */

export type Protocol = "file" | "s3" | "gcs" | "azure";

/** Keys every store may carry, with DataJoint's defaults applied. */
export interface CommonStoreSpec {
  protocol: Protocol;
  location: string;
  subfolding: number[] | null;
  partition_pattern: string | null;
  /** Clamped to 4..16 as DataJoint does. */
  token_length: number;
  hash_prefix: string;
  schema_prefix: string;
  filepath_prefix: string | null;
  stage?: string;
}

export interface FileStoreSpec extends CommonStoreSpec {
  protocol: "file";
}

export interface S3StoreSpec extends CommonStoreSpec {
  protocol: "s3";
  endpoint: string;
  bucket: string;
  access_key?: string;
  secret_key?: string;
  /** Default true: an endpoint without a scheme gets https://. */
  secure: boolean;
  proxy_server?: string;
}

export interface GcsStoreSpec extends CommonStoreSpec {
  protocol: "gcs";
  bucket: string;
  token?: string;
  project?: string;
}

export interface AzureStoreSpec extends CommonStoreSpec {
  protocol: "azure";
  container: string;
  account_name?: string;
  account_key?: string;
  connection_string?: string;
}

export type StoreSpec = FileStoreSpec | S3StoreSpec | GcsStoreSpec | AzureStoreSpec;

/** `database.use_tls` as an object: the driver's TLS options, as DataJoint passes them on. */
export interface TlsOptions {
  /** CA certificate file (PEM) to verify the server against, instead of the system's CAs. Absolute after loading. */
  ca?: string;
  /** Client certificate and key files (PEM), for servers that want them. Absolute after loading. */
  cert?: string;
  key?: string;
  /** Verify that the certificate names the host (default true). */
  check_hostname?: boolean;
  /** OpenSSL cipher list. */
  cipher?: string;
}

export interface DatabaseConfig {
  backend: "mysql" | "postgresql" | "sqlite";
  host: string;
  port: number;
  user: string | null;
  password: string | null;
  /**
   * DataJoint's reading: null tries TLS and falls back to none; true requires TLS verified against
   * the system's CAs; an object requires TLS with these options; false never uses TLS.
   */
  use_tls: boolean | null | TlsOptions;
  name: string | null;
  database_prefix: string;
}

/** Deadlines for network calls (`timeouts` in the config, see config/timeouts.ts). */
export interface Timeouts {
  /** Establishing a connection: TCP, TLS and the database handshake. */
  connectMs: number;
  /** The longest a request may go without progress (S3: no byte either way; database: no answer to a statement). */
  idleMs: number;
  /** Extra attempts for idempotent requests, with exponential backoff. */
  retries: number;
}

/** Where a resolved value came from, for `dj config show --sources`. */
export type ValueSource = "file" | "env" | "secret" | "default";

export interface ResolvedConfig {
  /** Absolute path of the config file that was read, or null when none was found/used. */
  file: string | null;
  /** Directory that relative paths (file-store locations, `.dj/`) resolve against. */
  baseDir: string;
  /** null when the config has no `database` section: the embedded database is used. */
  database: DatabaseConfig | null;
  stores: {
    default: string | null;
    filepath_default: string | null;
    specs: Record<string, StoreSpec>;
  };
  schema: string | null;
  requiredCodecs: string[];
  codecs: Record<string, Record<string, unknown>>;
  download_path: string;
  timeouts: Timeouts;
  /** Dotted JSON path → source of the value, e.g. `database.password` → `secret`. */
  sources: Record<string, ValueSource>;
  /** Values that must never be printed (passwords, secret keys), for masking any output. */
  secrets: string[];
}
