/**
 * `<attach>` / `<attach@store>`: a file kept with its name — `filename \0 contents` — in the
 * table (longblob) or through `<hash>`. Fetching restores the file under its own name.
 * The file is held in memory: at most ATTACH_MAX_BYTES (1 GiB); larger files go to `<object@>`.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { CodecError, InputError } from "../../errors.js";
import type { Codec } from "../types.js";
import { STDIN_PATH } from "./input-stream.js";
import { ATTACH_MAX_BYTES, readBounded, tooLarge } from "./limits.js";

const attach: Codec<Uint8Array> = {
  name: "attach",
  description: "a file, restored under its own name",
  accepts: ["file"],
  getDtype: (isStore) => (isStore ? "<hash>" : "bytes"),
  async validate(value) {
    if (value.kind !== "file") throw new InputError(`<attach> expects a file path, got ${value.kind === "directory" ? "a directory" : value.kind}`, { code: "input.value" });
    const s = await stat(value.path).catch(() => null);
    if (!s || !(s.isFile() || s.isFIFO() || value.path === STDIN_PATH)) throw new InputError(`<attach> expects a file path: ${value.path} is not a file`, { code: "input.value" });
    if (s.isFile() && s.size > ATTACH_MAX_BYTES) throw tooLarge("attach", value.path, s.size, ATTACH_MAX_BYTES, "<object@>");
  },
  async encode(value) {
    if (value.kind !== "file") throw new InputError(`<attach> expects a file path, got ${value.kind}`, { code: "input.value" });
    const name = Buffer.from(basename(value.path), "utf8");
    const contents = await readBounded(value.path, ATTACH_MAX_BYTES, () => tooLarge("attach", value.path, null, ATTACH_MAX_BYTES, "<object@>"));
    return new Uint8Array(Buffer.concat([name, Buffer.from([0]), contents]));
  },
  async decode(stored) {
    const data = stored instanceof Uint8Array ? stored : null;
    const nul = data ? data.indexOf(0) : -1;
    if (!data || nul < 0) throw new CodecError("<attach>: stored value has no file name (expected filename\\0contents)", { code: "codec.decode" });
    return { kind: "file", name: Buffer.from(data.subarray(0, nul)).toString("utf8"), data: data.subarray(nul + 1) };
  },
};

export default attach;
