/**
 * Where a store's objects physically are, so that two store names for one place are one store to
 * `dj gc`. A file store's root is the real path of its location (symlinks resolved); an S3
 * store's is `s3://{endpoint host}/{bucket}/{location}`. Two stores overlap when their roots are
 * equal or one lies inside the other; keys are compared as `{root}/{key}` strings.
 */
import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import type { ResolvedConfig, StoreSpec } from "../config/types.js";
import { StoreError } from "../errors.js";

export interface StoreRoot {
  name: string;
  /** `/real/path` or `s3://host/bucket/location`; null when it cannot be resolved (missing folder). */
  root: string | null;
}

function s3Root(spec: StoreSpec & { endpoint?: string; bucket?: string; secure?: boolean }): string {
  const endpoint = String(spec.endpoint ?? "");
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `${spec.secure === false ? "http" : "https"}://${endpoint}`);
  // URL drops a scheme's default port, so https://h and https://h:443 are one endpoint.
  const location = spec.location.replace(/^\/+|\/+$/g, "");
  return [`s3://${url.host.toLowerCase()}`, spec.bucket, location].filter(Boolean).join("/");
}

export async function storeRoot(config: ResolvedConfig, name: string): Promise<StoreRoot> {
  const spec = config.stores.specs[name];
  if (!spec) return { name, root: null };
  if (spec.protocol === "s3") return { name, root: s3Root(spec as never) };
  if (spec.protocol === "file") {
    // A location that does not exist (yet) holds nothing, so it overlaps nothing.
    const root = await realpath(resolve(config.baseDir, spec.location)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
      throw new StoreError(`store "${name}": cannot resolve its location ${spec.location}: ${err.message}`, { cause: err, code: "store.location" });
    });
    return { name, root };
  }
  return { name, root: null };
}

/** True when one root equals or contains the other. */
export function rootsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(b + "/") || b.startsWith(a + "/");
}

/** Every configured store whose location overlaps `name`'s (itself first). */
export async function overlappingStores(config: ResolvedConfig, name: string): Promise<StoreRoot[]> {
  const own = await storeRoot(config, name);
  if (!own.root) return [own];
  const group = [own];
  for (const other of Object.keys(config.stores.specs)) {
    if (other === name) continue;
    const r = await storeRoot(config, other);
    if (r.root && rootsOverlap(own.root, r.root)) group.push(r);
  }
  return group;
}

/** Groups of two or more store names whose locations overlap, for `dj config validate`. */
export async function overlappingGroups(config: ResolvedConfig): Promise<Array<{ stores: string[]; roots: string[] }>> {
  const roots = (await Promise.all(Object.keys(config.stores.specs).map((n) => storeRoot(config, n)))).filter((r) => r.root);
  const groups: StoreRoot[][] = [];
  for (const r of roots) {
    const joined = groups.filter((g) => g.some((m) => rootsOverlap(m.root!, r.root!)));
    const merged = [r, ...joined.flat()];
    for (const g of joined) groups.splice(groups.indexOf(g), 1);
    groups.push(merged);
  }
  return groups
    .filter((g) => g.length > 1)
    .map((g) => ({ stores: g.map((m) => m.name).sort(), roots: [...new Set(g.map((m) => m.root!))].sort() }));
}
