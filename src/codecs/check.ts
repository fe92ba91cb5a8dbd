/**
 * Is a wanted codec usable? One answer for `dj codecs check` and `dj doctor`: installed, not a
 * duplicate, compatible, inside the wanted version range, and its module loads.
 */
import type { CodecError } from "../errors.js";
import { missingCodecHint } from "./hints.js";
import type { CodecRegistry } from "./registry.js";

export type CheckStatus = "ok" | "missing" | "incompatible" | "duplicate" | "error" | "version-mismatch";

export interface CodecCheck {
  name: string;
  /** The wanted semver range of the providing package, if any. */
  wanted: string | null;
  installed: string | null;
  provider: string | null;
  status: CheckStatus;
  problem: string | null;
  hint: string | null;
  /** Where the requirement came from: `argument`, `requiredCodecs`, `schema.Table.attr`. */
  source: string;
}

/** `zarr@^0.1` → {name: zarr, range: ^0.1}. */
export function splitRequirement(req: string): { name: string; range: string | null } {
  const at = req.indexOf("@");
  return at <= 0 ? { name: req, range: null } : { name: req.slice(0, at), range: req.slice(at + 1) || null };
}

export async function checkCodec(registry: CodecRegistry, req: string, source: string): Promise<CodecCheck> {
  const { name, range } = splitRequirement(req);
  const entry = registry.entry(name);
  const r: CodecCheck = { name, wanted: range, installed: entry?.version ?? null, provider: entry?.provider ?? null, status: "ok", problem: null, hint: null, source };
  if (!entry) {
    // The registry's own words, so `dj doctor`, `dj codecs check` and `dj insert` read alike.
    return { ...r, status: "missing", problem: `Unknown codec: <${name}>`, hint: missingCodecHint(name, registry.list().map((e) => e.name)) };
  }
  if (entry.status !== "ok") return { ...r, status: entry.status, problem: entry.problem };
  if (range) {
    const semver = (await import("semver")).default;
    if (semver.validRange(range) === null) return { ...r, status: "version-mismatch", problem: `"${req}": ${range} is not a valid semver range` };
    if (!semver.satisfies(entry.version ?? "0.0.0", range, { includePrerelease: true })) {
      return {
        ...r,
        status: "version-mismatch",
        problem: `codec <${name}>: ${entry.provider} is installed, ${range} is wanted`,
        hint: entry.packageName ? `npm install "${entry.packageName}@${range}"` : `install a dj-cli version matching ${range}`,
      };
    }
  }
  try {
    await registry.get(name);
  } catch (err) {
    return { ...r, status: "error", problem: (err as Error).message, hint: (err as CodecError).hint ?? null };
  }
  return r;
}
