/**
 * `dj doctor`: one line per check — config valid, database reachable (and its version), each
 * store reachable, required codecs present — and the exit code of the first failure.
 */
import { isDjError, exitCodeOf } from "../errors.js";
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
    detail: problems.length ? `${problems.length} problem(s): ${problems[0]!.path}: ${problems[0]!.message}` : (config.file ?? "no config file (defaults)"),
    code: problems.length ? 3 : 0,
  });
  if (problems.length === 0) {
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
    const { loadRegistry } = await import("../codecs/registry.js");
    const registry = loadRegistry({ projectDir: config.baseDir });
    for (const req of config.requiredCodecs) {
      const name = req.split("@")[0]!;
      checks.push(await run(`codec ${req}`, async () => (await registry.get(name), registry.entry(name)!.provider)));
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
