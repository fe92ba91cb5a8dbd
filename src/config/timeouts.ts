/**
 * Deadlines for every network call (the database and S3 stores), a dj-only top-level section:
 *
 *   "timeouts": { "connect": 10, "idle": 30, "retries": 2 }
 *
 * Seconds, like DataJoint's own settings. It lives at the top level because DataJoint for Python
 * ignores unknown top-level keys but refuses unknown keys inside `database` and `stores`, so one
 * file keeps serving both tools. `DJ_CONNECT_TIMEOUT`, `DJ_IDLE_TIMEOUT` and `DJ_RETRIES` beat the
 * file when set and non-empty, as DataJoint's mapped variables do.
 */
import type { Problem } from "./stores.js";
import type { Timeouts, ValueSource } from "./types.js";

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, idleMs: 30_000, retries: 2 };

const KEYS = {
  connect: { env: "DJ_CONNECT_TIMEOUT", field: "connectMs" },
  idle: { env: "DJ_IDLE_TIMEOUT", field: "idleMs" },
  retries: { env: "DJ_RETRIES", field: "retries" },
} as const;

const MAX_SECONDS = 24 * 3600;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function validateTimeouts(raw: unknown, env: NodeJS.ProcessEnv, problems: Problem[], sources: Record<string, ValueSource>): Timeouts {
  const out: Timeouts = { ...DEFAULT_TIMEOUTS };
  if (raw !== undefined && !isObject(raw)) {
    problems.push({ path: "timeouts", message: 'must be an object such as {"connect": 10, "idle": 30, "retries": 2}' });
    return out;
  }
  const section = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(section)) {
    if (!(key in KEYS)) problems.push({ path: `timeouts.${key}`, message: "unknown key; allowed: connect, idle (seconds), retries" });
  }
  for (const [key, { env: name, field }] of Object.entries(KEYS)) {
    const fromEnv = env[name] !== undefined && env[name] !== "";
    const value: unknown = fromEnv ? Number(env[name]) : section[key];
    if (value === undefined) {
      sources[`timeouts.${key}`] = "default";
      continue;
    }
    sources[`timeouts.${key}`] = fromEnv ? "env" : "file";
    const from = fromEnv ? ` (from ${name})` : "";
    if (field === "retries") {
      if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 10) out.retries = value;
      else problems.push({ path: "timeouts.retries", message: `must be a whole number from 0 to 10${from}` });
    } else if (typeof value === "number" && Number.isFinite(value) && value > 0 && value <= MAX_SECONDS) {
      out[field] = Math.max(1, Math.round(value * 1000));
    } else {
      problems.push({ path: `timeouts.${key}`, message: `must be a number of seconds above 0 (at most ${MAX_SECONDS})${from}` });
    }
  }
  return out;
}

/** "0.5 s", "30 s": how a deadline is named in messages. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
