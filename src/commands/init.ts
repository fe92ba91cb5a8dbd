/**
 * `dj init`: a starter project a new user can run the main job in with no server — no
 * `database` section (so the embedded database in `.dj/` is used) and one `file` store as the
 * default. Refuses to overwrite an existing config unless `--force`.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConflictError } from "../errors.js";
import type { Handler } from "./options.js";

export const CONFIG_FILE = "dj.config.json";

export function starterConfig(storeLocation: string): Record<string, unknown> {
  return {
    stores: {
      default: "local",
      local: { protocol: "file", location: storeLocation },
    },
    schema: "lab",
    requiredCodecs: [],
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export const init: Handler<"init"> = async (ctx, _args, opts) => {
  const file = join(ctx.cwd, CONFIG_FILE);
  if ((await exists(file)) && !opts.force) {
    throw new ConflictError(`${file} already exists`, {
      hint: "use --force to overwrite it, or edit it by hand",
      code: "init.exists",
    });
  }
  const location = opts.storeLocation;
  const storeDir = resolve(ctx.cwd, location);
  await mkdir(storeDir, { recursive: true });
  const config = starterConfig(location);
  await writeFile(file, JSON.stringify(config, null, 2) + "\n");

  if (ctx.out.json) {
    ctx.out.data({ config: file, store: storeDir, database: "embedded" });
  } else {
    ctx.out.line(`wrote ${file}`);
    ctx.out.line(`store "local" (file) at ${storeDir}`);
    ctx.out.info("database: embedded (.dj/ beside the config); add a \"database\" section to use MySQL/MariaDB");
  }
};
