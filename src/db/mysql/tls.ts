/**
 * `database.use_tls` → mysql2's `ssl` option, as DataJoint reads the key:
 *   true   — TLS required, the certificate verified against the system's CAs (Node's bundled
 *            roots plus the distribution's bundle) and the host name checked;
 *   object — TLS required with these options (`ca`, `cert`, `key` files, `check_hostname`, `cipher`);
 *   null   — TLS tried without verification, plain connection if the server has none (DataJoint's default);
 *   false  — no TLS.
 * mysql2 checks the chain only when `rejectUnauthorized` is set and the name only with
 * `verifyIdentity`, so both are given explicitly.
 */
import { existsSync, readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import type { SslOptions } from "mysql2";
import type { DatabaseConfig } from "../../config/types.js";
import { ConfigError, DatabaseError } from "../../errors.js";

const SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

function systemCAs(): string[] {
  const bundle = SYSTEM_BUNDLES.find((p) => existsSync(p));
  return bundle ? [...rootCertificates, readFileSync(bundle, "utf8")] : [...rootCertificates];
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`database.use_tls.${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      hint: "give the path of a PEM file, absolute or relative to the config file's folder",
      code: "config.tls",
    });
  }
}

/** The `ssl` option for mysql2, or undefined for no TLS. */
export function sslOptions(useTls: DatabaseConfig["use_tls"]): SslOptions | undefined {
  if (useTls === false) return undefined;
  if (useTls === null) return { rejectUnauthorized: false };
  const o = useTls === true ? {} : useTls;
  return {
    ca: o.ca ? readPem(o.ca, "ca") : systemCAs(),
    ...(o.cert ? { cert: readPem(o.cert, "cert") } : {}),
    ...(o.key ? { key: readPem(o.key, "key") } : {}),
    ...(o.cipher ? { ciphers: o.cipher } : {}),
    rejectUnauthorized: true,
    verifyIdentity: o.check_hostname !== false,
  };
}

const VERIFY_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
]);

/** A TLS failure as a database error (exit 4) with what to do, or null for other errors. */
export function translateTlsError(err: unknown, database: DatabaseConfig): DatabaseError | null {
  const e = err as { code?: string; message?: string };
  const where = `${database.host}:${database.port}`;
  if (e.code === "HANDSHAKE_NO_SSL_SUPPORT") {
    return new DatabaseError(`the database at ${where} does not offer TLS, but database.use_tls requires it`, {
      hint: 'enable TLS on the server, or set "use_tls": false (or leave it unset to fall back to a plain connection)',
      code: "db.tls",
      cause: err,
    });
  }
  // mysql2 reports every TLS failure during the handshake as HANDSHAKE_SSL_ERROR (Node's own
  // code is overwritten); the message is Node's, e.g. "unable to verify the first certificate".
  if (e.code && (VERIFY_CODES.has(e.code) || e.code === "HANDSHAKE_SSL_ERROR")) {
    const custom = typeof database.use_tls === "object" && database.use_tls?.ca;
    return new DatabaseError(`the certificate of the database at ${where} failed verification (${(e.message ?? e.code).trim()})`, {
      hint: custom
        ? "the server's certificate is not signed by database.use_tls.ca, or does not name this host; check both"
        : 'give the CA that signed the server\'s certificate with "use_tls": {"ca": "path/to/ca.pem"}; "use_tls": false turns TLS off',
      code: "db.tls",
      cause: err,
    });
  }
  return null;
}
