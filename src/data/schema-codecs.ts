/** The codecs used by a schema's tables, read from the column markers (for `dj codecs check --schema`). */
import { UsageError } from "../errors.js";
import type { ResolvedConfig } from "../config/types.js";

export async function codecsUsedBySchema(
  _config: ResolvedConfig,
  _schema: string,
): Promise<Array<{ table: string; attribute: string; codec: string }>> {
  throw new UsageError("--schema is not available yet");
}
