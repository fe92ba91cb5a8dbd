/**
 * DataJoint's master–part integrity for `dj delete` (its `part_integrity`): part rows exist only
 * with their master row, so a delete that would remove part rows while leaving their master is
 *  - "enforce" (the default): refused, naming the master;
 *  - "cascade": widened to the master rows those part rows belong to, and so to everything that
 *    goes with them (the master's other parts, its dependents);
 *  - "ignore": allowed (integrity is the user's business).
 * As in DataJoint, "with their master" means the master table is among the tables the delete
 * removes rows from.
 */
import { ConflictError } from "../errors.js";
import type { KeyRow, Param } from "../db/types.js";
import type { Heading } from "../schema/heading.js";

export type PartIntegrity = "enforce" | "ignore" | "cascade";

export interface DeleteNode {
  heading: Heading;
  keys: KeyRow[];
}

const name = (h: Heading) => `${h.schema}.${h.table}`;
const hasRows = (nodes: DeleteNode[], schema: string, table: string) => nodes.some((n) => n.heading.schema === schema && n.heading.table === table && n.keys.length > 0);

/** Part nodes whose master loses no rows in this delete. */
function orphanedParts(nodes: DeleteNode[]): DeleteNode[] {
  return nodes.filter((n) => n.heading.master && n.keys.length > 0 && !hasRows(nodes, n.heading.schema, n.heading.master));
}

const HINT =
  "delete from the master (its parts go with it), add --part-integrity cascade to delete the master rows too, or --part-integrity ignore to delete the part rows alone";

/**
 * Apply the policy to the rows a delete would remove. `seed` is the table the user named;
 * `include(master, keys)` adds master rows (with their cascade) to the delete.
 */
export async function applyPartIntegrity(
  mode: PartIntegrity,
  seed: Heading,
  nodes: DeleteNode[],
  masterOf: (part: Heading) => Promise<Heading | null>,
  include: (master: Heading, keys: KeyRow[]) => Promise<void>,
): Promise<void> {
  if (mode === "ignore") return;
  if (mode === "enforce") {
    const orphans = orphanedParts(nodes);
    if (orphans.length === 0) return;
    const first = orphans[0]!;
    const master = `${first.heading.schema}.${first.heading.master}`;
    if (first.heading === seed) {
      throw new ConflictError(`cannot delete from part table ${name(seed)} directly: part rows go with their master ${master}`, { hint: HINT, code: "delete.part" });
    }
    const list = orphans.map((n) => `${name(n.heading)} (${n.keys.length} row${n.keys.length === 1 ? "" : "s"}, master ${n.heading.schema}.${n.heading.master})`).join(", ");
    throw new ConflictError(`the delete would remove rows of part table${orphans.length === 1 ? "" : "s"} ${list} without their master`, { hint: HINT, code: "delete.part" });
  }
  // cascade: pull masters in until every part that loses rows loses them with its master.
  const done = new Set<string>();
  for (;;) {
    const next = orphanedParts(nodes).find((n) => !done.has(name(n.heading)));
    if (!next) return;
    done.add(name(next.heading));
    // A master that cannot be found (dropped, or no foreign key to it) must stop the delete:
    // going on would delete the part rows alone, which is what "cascade" promises not to do.
    const master = await masterOf(next.heading);
    if (!master) {
      throw new ConflictError(`cannot delete rows of part table ${name(next.heading)} with their master: its master ${next.heading.schema}.${next.heading.master} is not in the database`, { hint: HINT, code: "delete.part" });
    }
    const fk = next.heading.foreignKeys.find((f) => f.parentSchema === master.schema && f.parentTable === master.table);
    if (!fk) {
      throw new ConflictError(`cannot delete rows of part table ${name(next.heading)} with their master: it has no foreign key to ${name(master)}`, { hint: HINT, code: "delete.part" });
    }
    const seen = new Set<string>();
    const keys: KeyRow[] = [];
    for (const row of next.keys) {
      const k: Record<string, Param> = {};
      fk.refColumns.forEach((ref, i) => (k[ref] = row[fk.columns[i]!] ?? null));
      const id = JSON.stringify(k, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
      if (!seen.has(id)) keys.push(k), seen.add(id);
    }
    await include(master, keys);
  }
}
