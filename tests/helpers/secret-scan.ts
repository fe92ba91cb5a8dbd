/**
 * Every run of the binary is searched for the secrets its project holds: the values of secret
 * keys in the config file (`password`, `secret_key`, …), the files under `.secrets/`, and
 * secret-looking environment variables. Any of them in stdout or stderr fails the test that ran
 * the command — a suite-wide check, so that no command, message or stack trace can print one.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

const SECRET_KEY = /^(password|secret_key|account_key|connection_string|token)$/;
const SECRET_ENV = /^(DJ_PASS|AWS_SECRET_ACCESS_KEY|.*_PASSWORD|.*_SECRET.*)$/;
/** Shorter values (empty test passwords, s3rver's "S3RVER", which is also its printed access key)
 * would match by chance and protect nothing. */
const MIN_LENGTH = 7;

function collect(value: unknown, out: Set<string>, key = ""): void {
  if (typeof value === "string") {
    if (SECRET_KEY.test(key) && value.length >= MIN_LENGTH) out.add(value);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collect(v, out, k);
  }
}

function readIfFile(path: string): string | null {
  try {
    return statSync(path).isFile() ? readFileSync(path, "utf8") : null;
  } catch {
    return null; // absent, or a dangling link a hostile-config test planted: nothing to read
  }
}

export function projectSecrets(cwd: string, args: string[], env: NodeJS.ProcessEnv): Set<string> {
  const out = new Set<string>();
  const configArg = args.indexOf("--config");
  const files = ["dj.config.json", "datajoint.json"].map((f) => join(cwd, f));
  if (configArg >= 0 && args[configArg + 1]) files.push(isAbsolute(args[configArg + 1]!) ? args[configArg + 1]! : join(cwd, args[configArg + 1]!));
  if (env.DJ_CONFIG) files.push(isAbsolute(env.DJ_CONFIG) ? env.DJ_CONFIG : join(cwd, env.DJ_CONFIG));
  for (const file of files) {
    const text = readIfFile(file);
    if (text === null) continue;
    try {
      collect(JSON.parse(text), out);
    } catch {
      // not JSON (a syntax-error test): its own assertions check what is printed
    }
  }
  const secretsDir = join(cwd, ".secrets");
  if (existsSync(secretsDir) && statSync(secretsDir).isDirectory()) {
    for (const name of readdirSync(secretsDir)) {
      if (!/(password|secret_key|account_key|token)$/.test(name)) continue;
      const text = readIfFile(join(secretsDir, name))?.trim();
      if (text && text.length >= MIN_LENGTH) out.add(text);
    }
  }
  for (const [k, v] of Object.entries(env)) if (SECRET_ENV.test(k) && v && v.length >= MIN_LENGTH) out.add(v);
  if (env.DJ_STORES) {
    try {
      collect(JSON.parse(env.DJ_STORES), out);
    } catch {
      // invalid DJ_STORES is a test of its own
    }
  }
  return out;
}

/** A leak is the whole secret, or the first 8 characters of a long one (a quoted parse error). */
export function leakedSecret(secrets: Set<string>, ...outputs: string[]): string | null {
  for (const s of secrets) {
    const needles = s.length >= 12 ? [s, s.slice(0, 8)] : [s];
    if (needles.some((n) => outputs.some((o) => o.includes(n)))) return s;
  }
  return null;
}
