/**
 * `dj doctor`: one line per check (src/services/doctor.ts), and the exit code of the first
 * failure, which is also the `error` of the `--json` document.
 */
import { makeError } from "../errors.js";
import { failed } from "./context.js";
import type { Handler } from "./options.js";
import { where } from "./where.js";

export const doctor: Handler<"doctor"> = async (ctx) => {
  const { runDoctor } = await import("../services/doctor.js");
  const checks = await runDoctor(where(ctx));
  const bad = checks.filter((c) => !c.ok);
  if (ctx.out.json) ctx.out.data({ ok: bad.length === 0, checks });
  for (const c of checks) ctx.out.line(`${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(16)} ${c.detail}`);
  const first = bad[0];
  if (first) return failed(makeError(first.kind ?? "internal", `${bad.length} of ${checks.length} checks failed: ${bad.map((c) => c.name).join(", ")}`));
};
