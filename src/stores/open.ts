/**
 * `openStore(config, name)`: the configured store by name (null/"" → stores.default), one
 * instance per name per process, closed on exit.
 */
import { resolve } from "node:path";
import { getStoreSpec } from "../config/store-spec.js";
import type { ResolvedConfig, StoreSpec } from "../config/types.js";
import { StoreError } from "../errors.js";
import { onClose } from "../lifecycle.js";
import type { Store } from "./types.js";

const cache = new Map<string, Promise<Store>>();

export function openStore(config: ResolvedConfig, name: string | null, opts: { filepath?: boolean } = {}): Promise<Store> {
  return openResolvedStore(config, getStoreSpec(config, name, opts));
}

/** The store of a spec already resolved (an insert resolves each attribute's store once). */
export function openResolvedStore(config: ResolvedConfig, { name: resolved, spec }: { name: string; spec: StoreSpec }): Promise<Store> {
  const cacheKey = `${config.file ?? config.baseDir}\0${resolved}`;
  let pending = cache.get(cacheKey);
  if (!pending) {
    pending = (async (): Promise<Store> => {
      switch (spec.protocol) {
        case "file": {
          const { FileStore } = await import("./file.js");
          const store = new FileStore(resolved, resolve(config.baseDir, spec.location));
          await store.assertRoot();
          return store;
        }
        case "s3": {
          const { S3Store } = await import("./s3.js");
          const store = new S3Store(resolved, spec, config.timeouts);
          onClose(() => store.close());
          return store;
        }
        default:
          throw new StoreError(`store "${resolved}": the ${spec.protocol} protocol is not supported by dj yet`, {
            hint: "use a file or s3 store (GCS and Azure offer S3-compatible endpoints)",
            code: "store.protocol",
          });
      }
    })();
    // A store that failed to open is not cached (the next call tries again); the failure itself
    // reaches every caller through `pending`.
    pending.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, pending);
  }
  return pending;
}
