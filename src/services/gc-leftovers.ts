/**
 * What killed writes leave in a store: temporary files (`*.saving`) and unfinished S3 multipart
 * uploads, looked for in the sections gc collects and in the control area. Listing them is best
 * effort (a server without ListMultipartUploads gets a warning, not a refused gc): they are
 * never live data, so missing one cannot lose anything.
 */
import { CONTROL_PREFIX, recordTtlMs } from "../stores/control.js";
import type { Leftover, Store } from "../stores/types.js";
import type { GcReport } from "./gc.js";

export async function findLeftovers(store: Store, sections: string[], report: GcReport): Promise<Leftover[]> {
  if (!store.listLeftovers) return [];
  const found: Leftover[] = [];
  for (const prefix of [...sections, `${CONTROL_PREFIX}/`]) {
    try {
      for await (const l of store.listLeftovers(prefix)) found.push(l);
    } catch (err) {
      const text = (err as Error).message;
      const warning = /NotImplemented|not implemented/i.test(text)
        ? `store ${store.name}: the server cannot list unfinished multipart uploads, so none were looked for`
        : `looking for leftovers under ${store.name}:${prefix}: ${text}`;
      if (!report.warnings.includes(warning)) report.warnings.push(warning);
    }
  }
  return found;
}

/**
 * Leftovers old enough to remove: older than --min-age, not named by a running insert, and in
 * the control area older than the record TTL (an intent's own temp file while it is written).
 */
export function oldLeftovers(leftovers: Leftover[], cutoff: number, inFlight: (key: string) => boolean, report: GcReport): Leftover[] {
  const controlCutoff = Math.min(cutoff, Date.now() - recordTtlMs());
  const old = leftovers.filter((l) => {
    const limit = l.key.startsWith(`${CONTROL_PREFIX}/`) ? controlCutoff : cutoff;
    return l.modified.getTime() <= limit && !inFlight(l.key.replace(/\.[0-9a-f]{12}\.saving$|\.saving$/, ""));
  });
  for (const l of old) {
    if (l.kind === "temp-file") report.temp_files_found++;
    else report.multipart_uploads_found++;
  }
  return old;
}

export async function removeLeftovers(store: Store, leftovers: Leftover[], report: GcReport): Promise<void> {
  for (const l of leftovers) {
    try {
      await store.removeLeftover!(l);
      if (l.kind === "temp-file") report.temp_files_deleted++;
      else report.multipart_uploads_aborted++;
    } catch (err) {
      report.errors.push(`${l.key}${l.uploadId ? ` (upload ${l.uploadId})` : ""}: ${(err as Error).message}`);
    }
  }
}
