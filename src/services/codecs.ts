/**
 * `dj codecs list | check`: the codecs of the project (built-in and plugins) and whether the
 * ones asked for are installed and load. `--schema` reads the codecs a schema's tables use.
 */
import type { CodecCheck } from "../codecs/check.js";
import type { CodecEntry, CodecRegistry } from "../codecs/registry.js";
import type { ResolvedConfig } from "../config/types.js";
import { UsageError } from "../errors.js";
import { loadSessionConfig, type SessionOptions } from "./session.js";

async function registryFor(opts: SessionOptions): Promise<{ config: ResolvedConfig; registry: CodecRegistry }> {
  const { loadRegistry } = await import("../codecs/registry.js");
  const config = await loadSessionConfig(opts);
  return { config, registry: loadRegistry({ projectDir: config.baseDir }) };
}

/** Every codec; with `verify`, each plugin loaded (a failure becomes the entry's status). */
export async function listCodecs(opts: SessionOptions, verify: boolean): Promise<{ codecs: CodecEntry[]; problems: string[] }> {
  const { registry } = await registryFor(opts);
  if (verify) {
    for (const e of registry.list()) {
      if (e.status !== "ok") continue;
      try {
        const codec = await registry.get(e.name);
        e.stores ??= storesOf(codec);
        e.runtime = codec.runtime?.() || null;
      } catch (err) {
        // registry.get records the load error as the entry's status; anything else is a bug.
        if (registry.list().find((x) => x.name === e.name)?.status === "ok") throw err;
      }
    }
  }
  return { codecs: registry.list(), problems: registry.problems.map((p) => `${p.packageDir}: ${p.message}`) };
}

function storesOf(codec: { getDtype(isStore: boolean): string }): string {
  const tryDtype = (isStore: boolean) => {
    try {
      return codec.getDtype(isStore);
    } catch {
      // getDtype refuses a storage it does not support ("requires @"): that is the answer.
      return null;
    }
  };
  const inline = tryDtype(false);
  const store = tryDtype(true);
  // The same wording as the built-in table: "json (@store only)", "bytes / <hash> (@store)".
  if (inline === null) return store ? `${store} (@store only)` : "?";
  return store && store !== inline ? `${inline} / ${store} (@store)` : inline;
}

export interface CodecCheckRequest {
  names: string[];
  required: boolean;
  schemas: string[];
}

/** Each codec asked for (once), checked. `empty` is set when `--required` named nothing. */
export async function checkCodecs(opts: SessionOptions, req: CodecCheckRequest): Promise<{ results: CodecCheck[]; nothingRequired: boolean }> {
  const { config, registry } = await registryFor(opts);
  const { checkCodec } = await import("../codecs/check.js");
  const wanted: Array<{ req: string; source: string }> = req.names.map((name) => ({ req: name, source: "argument" }));
  if (req.required) wanted.push(...config.requiredCodecs.map((r) => ({ req: r, source: "requiredCodecs" })));
  for (const schema of req.schemas) {
    for (const use of await codecsUsedBySchema(config, schema)) wanted.push({ req: use.codec, source: `${schema}.${use.table}.${use.attribute}` });
  }
  if (wanted.length === 0 && !req.required && req.schemas.length === 0) {
    throw new UsageError("name the codecs to check, or use --required / --schema", { hint: "dj codecs check zarr photon" });
  }
  const results: CodecCheck[] = [];
  const done = new Set<string>();
  for (const { req: r, source } of wanted) {
    if (done.has(r)) continue;
    done.add(r);
    results.push(await checkCodec(registry, r, source));
  }
  return { results, nothingRequired: req.required && wanted.length === 0 };
}

/** The codecs used by a schema's tables, read from the column markers. */
async function codecsUsedBySchema(config: ResolvedConfig, schema: string): Promise<Array<{ table: string; attribute: string; codec: string }>> {
  const { openDialect } = await import("../db/open.js");
  const { assertSchemaExists, schemaTables } = await import("./schema-tables.js");
  const { introspector } = await openDialect(config);
  await assertSchemaExists(introspector, schema);
  const uses: Array<{ table: string; attribute: string; codec: string }> = [];
  for (const { info, heading } of await schemaTables(introspector, schema)) {
    for (const a of heading.attributes) if (a.codec) uses.push({ table: info.name, attribute: a.name, codec: a.codec.name });
  }
  return uses;
}
