import type { Db } from "../../db.ts";
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
  const live = new Set<string>();
  for (const [kind, tables] of Object.entries(TABLES) as [EvidenceRef["kind"], string[]][]) {
    const ids = [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))];
    if (!ids.length) continue;
    const union = tables.map((t) => `SELECT external_id FROM "${t}" WHERE project_id = $1::uuid AND external_id = ANY($2::text[]) AND deleted_at IS NULL`).join(" UNION ");
    const rows = await db.$queryRawUnsafe<{ external_id: string }[]>(union, projectId, ids);
    for (const r of rows) live.add(`${kind}:${r.external_id}`);
  }
  return live;
}

export const isLive = (live: Set<string>, r: EvidenceRef) => !(r.kind in TABLES) || live.has(`${r.kind}:${r.id}`);
