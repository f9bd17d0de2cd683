import { poolOf, type Db } from "../../db.ts";
import type { EvidenceRef } from "../events/event-log.ts";

// Evidence must still exist: a link to a message, issue or deal that was deleted upstream explains
// nothing. Refs are checked against the raw mirrors (soft-deleted rows count as gone); kinds without
// a mirror (docs, chunks) pass.

const TABLES: Partial<Record<EvidenceRef["kind"], string[]>> = {
  message: ["cw_messages"],
  issue: ["linear_issues", "linear_projects"],
  deal: ["attio_deals", "attio_companies", "attio_people"],
};

export async function liveEvidenceIds(db: Db, projectId: string, refs: EvidenceRef[]): Promise<Set<string>> {
  // One query for every kind: a UNION of the mirrors, each with its kind's ids.
  const parts: string[] = [];
  const params: unknown[] = [projectId];
  for (const [kind, tables] of Object.entries(TABLES) as [EvidenceRef["kind"], string[]][]) {
    const ids = [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))];
    if (!ids.length) continue;
    params.push(ids);
    for (const t of tables) parts.push(`SELECT '${kind}:' || external_id AS key FROM "${t}" WHERE project_id = $1::uuid AND external_id = ANY($${params.length}::text[]) AND deleted_at IS NULL`);
  }
  if (!parts.length) return new Set();
  const { rows } = await poolOf(db).query<{ key: string }>(parts.join(" UNION ALL "), params);
  return new Set(rows.map((r) => r.key));
}

export const isLive = (live: Set<string>, r: EvidenceRef) => !(r.kind in TABLES) || live.has(`${r.kind}:${r.id}`);
