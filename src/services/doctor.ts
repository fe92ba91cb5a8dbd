/**
 * `dj doctor`: one check per part — config valid, database reachable (and its version), each
 * store reachable, required codecs present. Checks run on; each failure keeps its exit class.
 */
import { ExitCode, isDjError, type ErrorKind } from "../errors.js";
import { plural } from "../plural.js";
import type { SessionOptions } from "./session.js";

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** The exit code this check's failure stands for (0 when ok). */
  code: number;
  /** The exit class of the failure (absent when ok). */
  kind?: ErrorKind;
}

const failedCheck = (name: string, detail: string, kind: ErrorKind): DoctorCheck => ({ name, ok: false, detail, code: ExitCode[kind], kind });

async function run(name: string, fn: () => Promise<string>): Promise<DoctorCheck> {
  try {
    return { name, ok: true, detail: await fn(), code: 0 };
  } catch (err) {
    // The check's failure is its result: doctor reports every part, not only the first broken one.
    return failedCheck(name, (err as Error).message, isDjError(err) ? err.kind : "internal");
  }
}

export async function runDoctor(opts: SessionOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const { resolveConfig } = await import("../config/load.js");
  const { config, problems } = await resolveConfig({ cwd: opts.cwd, configPath: opts.configPath });
  checks.push(
    problems.length
      ? failedCheck("config", `${plural(problems.length, "problem")}: ${problems[0]!.path}: ${problems[0]!.message}`, "config")
      : { name: "config", ok: true, detail: config.file ?? "no config file (defaults)", code: 0 },
  );
  if (problems.length) return checks;
  // Without a config file there is nothing to check a database against, and opening the
  // embedded one would create .dj/ in the current folder: doctor only looks, it creates nothing.
  const { notConfigured } = await import("./configured.js");
  const unconfigured = notConfigured(config, "database", opts.cwd);
  if (unconfigured) {
    checks[0] = failedCheck("config", `${unconfigured.message}; ${unconfigured.hint}`, "config");
    return checks;
  }
  checks.push(
    await run("database", async () => {
      const { openDialect } = await import("../db/open.js");
      return (await openDialect(config)).version();
    }),
  );
  for (const name of Object.keys(config.stores.specs)) {
    checks.push(
      await run(`store ${name}`, async () => {
        const { openStore } = await import("../stores/open.js");
        const store = await openStore(config, name);
        const started = performance.now();
        for await (const _ of store.list(".dj-doctor-probe/")) break;
        return `${store.root} (${Math.round(performance.now() - started)} ms)`;
      }),
    );
  }
  // The same check as `dj codecs check --required`, so the two always agree.
  const { loadRegistry } = await import("../codecs/registry.js");
  const { checkCodec } = await import("../codecs/check.js");
  const registry = loadRegistry({ projectDir: config.baseDir });
  for (const req of config.requiredCodecs) {
    const r = await checkCodec(registry, req, "requiredCodecs");
    if (r.status === "ok") checks.push({ name: `codec ${req}`, ok: true, detail: r.provider!, code: 0 });
    else checks.push(failedCheck(`codec ${req}`, `${r.problem}${r.hint ? ` (${r.hint})` : ""}`, "codec"));
  }
  return checks;
}
