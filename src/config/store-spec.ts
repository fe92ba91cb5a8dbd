/**
 * Resolve a store name as codecs and commands ask for it: `null`/`""` means `stores.default`
 * (or `stores.filepath_default` for `<filepath@>`), with DataJoint's error texts.
 */
import { ConfigError } from "../errors.js";
import type { ResolvedConfig, StoreSpec } from "./types.js";

export function getStoreSpec(
  config: ResolvedConfig,
  name: string | null,
  opts: { filepath?: boolean } = {},
): { name: string; spec: StoreSpec } {
  let resolved = name;
  if (resolved === null || resolved === "") {
    if (opts.filepath) {
      resolved = config.stores.filepath_default;
      if (!resolved) {
        throw new ConfigError(
          "stores.filepath_default is not configured. Set stores.filepath_default or specify store explicitly with <filepath@store>",
          { code: "config.store" },
        );
      }
    } else {
      resolved = config.stores.default;
      if (!resolved) {
        throw new ConfigError("stores.default is not configured", {
          hint: 'add "default": "<store name>" to the "stores" section of the config',
          code: "config.store",
        });
      }
    }
  }
  const spec = config.stores.specs[resolved];
  if (!spec) {
    const known = Object.keys(config.stores.specs);
    throw new ConfigError(`Storage '${resolved}' is requested but not configured in stores`, {
      hint: known.length ? `configured stores: ${known.join(", ")}` : "add it to the \"stores\" section of the config",
      code: "config.store",
    });
  }
  return { name: resolved, spec };
}
