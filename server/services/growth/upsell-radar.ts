import type { Db } from "../../db.ts";
import { NotFoundError } from "../../errors.ts";
import { sql } from "../../sql.ts";
import { recordAudit, type Actor } from "../audit.ts";
import type { EvidenceRef } from "../events/event-log.ts";
import { effectiveUnderstandings } from "../understanding/service.ts";

// Upsell radar: concrete openings rather than a score — a client asking for more in conversation
// (messages of the last 21 days that message understanding reads as a new need) and deals moving through qualification, proposal or
// negotiation, weighted by size (SPEC §11). Each opening is one row per source record; a refresh
// updates what is proposed or accepted and never brings back what someone dismissed.

const DAY = 86_400_000;
const WINDOW_DAYS = 21;
const OPEN_STAGE = /qualif|proposal|negotiat/i;

export type UpsellStatus = "proposed" | "accepted" | "dismissed";
type Opening = { sourceKind: "message" | "deal"; sourceRef: string; title: string; reason: string; score: number; amount: number | null; evidence: EvidenceRef[] };

export const dealScore = (amount: number | null) => ((amount ?? 0) > 50_000 ? 0.8 : (amount ?? 0) > 20_000 ? 0.7 : 0.62);

export async function refreshUpsellRadar(db: Db, input: { projectId: string; now: Date }): Promise<{ openings: number; inserted: number; updated: number }> {
  const q = sql(db);
  const since = new Date(input.now.getTime() - WINDOW_DAYS * DAY);
  const [messages, deals] = await Promise.all([
    // The client's messages of the window; message understanding (with people's corrections) says which carry a need.
    q<{ source_ref: string; occurred_at: Date; message_id: string; evidence_refs: EvidenceRef[] }>`
      SELECT source_ref, occurred_at, payload->>'messageId' AS message_id, evidence_refs FROM kag_event_log
      WHERE project_id = ${input.projectId}::uuid AND event_type = 'message_received' AND occurred_at > ${since} AND occurred_at <= ${input.now}
      ORDER BY occurred_at`,
    q<{ external_id: string; name: string | null; stage: string; amount: number | null; web_url: string | null }>`
      SELECT external_id, name, stage, amount::float8 AS amount, data->>'web_url' AS web_url FROM attio_deals
      WHERE project_id = ${input.projectId}::uuid AND deleted_at IS NULL AND stage IS NOT NULL`,
  ]);
  const understood = await effectiveUnderstandings(db, input.projectId, messages.map((m) => m.message_id).filter(Boolean));
  const needs = messages.flatMap((m) => {
    const need = understood.get(m.message_id)?.labels.find((l) => l.label === "new_need");
    return need ? [{ ...m, span: need.span }] : [];
  });
  const openings: Opening[] = [
    ...needs.map((n) => ({
      sourceKind: "message" as const, sourceRef: n.source_ref, title: `Client asked for more: “${n.span.slice(0, 120)}”`,
      reason: `need expressed on ${n.occurred_at.toISOString().slice(0, 10)} (last ${WINDOW_DAYS} days)`, score: 0.72, amount: null,
      evidence: n.evidence_refs.map((e) => ({ ...e, snippet: n.span.slice(0, 300) })),
    })),
    ...deals.filter((d) => OPEN_STAGE.test(d.stage)).map((d) => ({
      sourceKind: "deal" as const, sourceRef: d.external_id, title: `${d.name ?? "Deal"} is in ${d.stage}`,
      reason: `open deal${d.amount ? ` worth ${Math.round(d.amount).toLocaleString("en-US")}` : ""} in ${d.stage}`, score: dealScore(d.amount), amount: d.amount,
      evidence: [{ kind: "deal" as const, id: d.external_id, url: d.web_url ?? undefined, snippet: `${d.name ?? "Deal"} · ${d.stage}` }],
    })),
  ];
  // A message no longer read as a need (a person corrected it, or it left the window) is no longer
  // an opening — unless someone is already pursuing it.
  await q`DELETE FROM upsell_opportunities WHERE project_id = ${input.projectId}::uuid AND source_kind = 'message' AND status = 'proposed'
    AND source_ref <> ALL(${openings.filter((o) => o.sourceKind === "message").map((o) => o.sourceRef)}::text[])`;
  if (!openings.length) return { openings: 0, inserted: 0, updated: 0 };
  const [res] = await q<{ inserted: number; updated: number }>`
    WITH up AS (
      INSERT INTO upsell_opportunities (id, project_id, source_kind, source_ref, title, reason, score, amount, evidence_refs, first_seen_at, last_seen_at)
      SELECT gen_random_uuid(), ${input.projectId}::uuid, o."sourceKind", o."sourceRef", o.title, o.reason, o.score, o.amount, o.evidence, ${input.now}, ${input.now}
      FROM jsonb_to_recordset(${JSON.stringify(openings)}::jsonb) AS o("sourceKind" text, "sourceRef" text, title text, reason text, score float8, amount float8, evidence jsonb)
      ON CONFLICT (project_id, source_kind, source_ref) DO UPDATE SET title = EXCLUDED.title, reason = EXCLUDED.reason, score = EXCLUDED.score,
        amount = EXCLUDED.amount, evidence_refs = EXCLUDED.evidence_refs, last_seen_at = EXCLUDED.last_seen_at
      WHERE upsell_opportunities.status <> 'dismissed'
      RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`;
  return { openings: openings.length, inserted: res!.inserted, updated: res!.updated };
}

export async function listUpsellOpportunities(db: Db, input: { projectId: string; includeDismissed?: boolean; limit: number }) {
  return sql(db)<{ id: string; sourceKind: string; title: string; reason: string; score: number; amount: number | null; evidenceRefs: EvidenceRef[]; status: UpsellStatus; firstSeenAt: Date; lastSeenAt: Date }>`
    SELECT id, source_kind AS "sourceKind", title, reason, score, amount, evidence_refs AS "evidenceRefs", status, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt"
    FROM upsell_opportunities WHERE project_id = ${input.projectId}::uuid AND (${input.includeDismissed ?? false} OR status <> 'dismissed')
    ORDER BY (status = 'dismissed'), score DESC, last_seen_at DESC LIMIT ${input.limit}`;
}

export async function decideUpsellOpportunity(db: Db, input: { projectId: string; id: string; status: UpsellStatus; actor: Actor; now: Date; requestId?: string }) {
  const rows = await sql(db)<{ id: string }>`
    UPDATE upsell_opportunities SET status = ${input.status}, decided_at = ${input.now}, decided_by = ${input.actor.userId ?? null}::uuid
    WHERE id = ${input.id}::uuid AND project_id = ${input.projectId}::uuid RETURNING id`;
  if (!rows.length) throw new NotFoundError("upsell opportunity not found in this project");
  await recordAudit(db, { actor: input.actor, projectId: input.projectId, action: "upsell.status", entityType: "upsell_opportunity", entityId: input.id, requestId: input.requestId, payload: { status: input.status } });
  return { id: input.id, status: input.status };
}
