/**
 * `dj doctor`: one line per check — config valid, database reachable (and its version), each
 * store reachable, required codecs present — and the exit code of the first failure.
 */
import { isDjError, exitCodeOf } from "../errors.js";
import { plural } from "../ui/plural.js";
import type { CommandHandler } from "./context.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  code: number;
}

async function run(name: string, fn: () => Promise<string>): Promise<Check> {
  try {
    return { name, ok: true, detail: await fn(), code: 0 };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message, code: isDjError(err) ? exitCodeOf(err) : 1 };
  }
}

export const doctor: CommandHandler = async (ctx) => {
  const checks: Check[] = [];
  const { resolveConfig } = await import("../config/load.js");
  const { config, problems } = await resolveConfig({ cwd: ctx.cwd, configPath: ctx.globals.config });
  checks.push({
    name: "config",
    ok: problems.length === 0,
    detail: problems.length ? `${plural(problems.length, "problem")}: ${problems[0]!.path}: ${problems[0]!.message}` : (config.file ?? "no config file (defaults)"),
    code: problems.length ? 3 : 0,
  });
  // Without a config file there is nothing to check a database against, and opening the
  // embedded one would create .dj/ in the current folder: doctor only looks, it creates nothing.
  const { notConfigured } = await import("../services/configured.js");
  const unconfigured = notConfigured(config, "database", ctx.cwd);
  if (problems.length === 0 && unconfigured) {
    checks[0] = { name: "config", ok: false, detail: `${unconfigured.message}; ${unconfigured.hint}`, code: 3 };
  } else if (problems.length === 0) {
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
      const detail = r.status === "ok" ? r.provider! : `${r.problem}${r.hint ? ` (${r.hint})` : ""}`;
      checks.push({ name: `codec ${req}`, ok: r.status === "ok", detail, code: r.status === "ok" ? 0 : 6 });
    }
  }
  const failed = checks.find((c) => !c.ok);
  if (ctx.out.json) {
    ctx.out.data({ ok: !failed, checks });
  } else {
    for (const c of checks) ctx.out.line(`${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(16)} ${c.detail}`);
  }
  return failed ? failed.code : 0;
};
