import type { Db } from "../../db.ts";
import { sqlTransaction } from "../../sql.ts";
import { isoDay } from "../../time.ts";
import type { EvidenceRef } from "../events/event-log.ts";
import { isLive, liveEvidenceIds } from "./evidence.ts";
import { draftRecommendations, evidenceGate, type Category, type Draft } from "./recommendation-rules.ts";
import type { ProjectState } from "./state.ts";

// Recommendation lifecycle. Identity is (project, category, episode):
// - a rule that keeps firing refreshes the same row (text, evidence, priority) and never touches its
//   status — acknowledged stays acknowledged, done and dismissed stay closed;
// - a rule that stops firing marks the row inactive (it leaves the primary list, status kept);
// - a rule that fires again after its row was closed *and* went quiet opens a new episode.
// Rows without enough evidence are stored hidden (publishable = false) with the gate's reason, and
// the caller logs a process_warning for each.

const DAY = 86_400_000;

/** Source links a user can open, one per evidence item that has one. */
export function evidenceLinks(refs: EvidenceRef[]): { kind: string; id: string; url: string }[] {
  return refs.filter((r) => r.url).slice(0, 20).map((r) => ({ kind: r.kind, id: r.id, url: r.url! }));
}

export type RefreshResult = { created: number; updated: number; deactivated: number; hidden: { category: Category; reason: string }[] };

export async function refreshRecommendations(db: Db, projectId: string, st: ProjectState, similarClientRiskCases = 0): Promise<RefreshResult> {
  const drafts = draftRecommendations({
    signals: st.signals, scores: st.scores, forecasts: st.forecasts, needs7d: st.facts.needs7d, needEvidence: st.facts.needEvidence,
    clientName: st.facts.clientName, similarClientRiskCases,
  });
  const live = await liveEvidenceIds(db, projectId, drafts.flatMap((d) => d.evidence));
  const firing = new Map<Category, Draft>(drafts.map((d) => [d.category, { ...d, evidence: d.evidence.filter((r) => isLive(live, r)) }]));
  const res: RefreshResult = { created: 0, updated: 0, deactivated: 0, hidden: [] };
  const now = st.now;

  await sqlTransaction(db, async (q) => {
    // Two refreshes of one project (a scheduled and a manual run) take turns, so neither opens a duplicate episode.
    await q`SELECT pg_advisory_xact_lock(hashtext(${`recommendations:${projectId}`}))`;
    // The latest episode of every category this project ever had.
    const latest = await q<{ id: string; category: string; episode: number; status: string; active: boolean }>`
      SELECT DISTINCT ON (category) id, category, episode, status::text, active FROM recommendations_v2
      WHERE project_id = ${projectId}::uuid ORDER BY category, episode DESC`;
    const byCategory = new Map(latest.map((r) => [r.category, r]));

    for (const [category, d] of firing) {
      const gate = evidenceGate(d.evidence);
      if (gate.status === "hidden") res.hidden.push({ category, reason: gate.reason });
      const c = {
        priority: d.priority, ownerRole: d.ownerRole, title: d.title, rationale: d.rationale, whyNow: d.whyNow, expectedImpact: d.expectedImpact, template: d.template,
        evidence: JSON.stringify(d.evidence), links: JSON.stringify(evidenceLinks(d.evidence)), signals: JSON.stringify(d.signalSnapshot), forecast: JSON.stringify(d.forecastSnapshot),
        count: gate.count, quality: gate.quality, gate: gate.status, reason: gate.reason,
      };
      const prev = byCategory.get(category);
      const closed = prev && (prev.status === "done" || prev.status === "dismissed");
      if (prev && !(closed && !prev.active)) {
        // Same episode: refresh what it says, keep its status. A closed one that is still firing stays closed and quiet.
        if (closed) await q`UPDATE recommendations_v2 SET last_fired_at = ${now}, updated_at = now() WHERE id = ${prev.id}::uuid`;
        else await q`
          UPDATE recommendations_v2 SET priority = ${c.priority}, owner_role = ${c.ownerRole}, title = ${c.title}, rationale = ${c.rationale}, why_now = ${c.whyNow},
            expected_impact = ${c.expectedImpact}, template = ${c.template}, text_source = 'template', evidence_refs = ${c.evidence}::jsonb, links = ${c.links}::jsonb,
            signal_snapshot = ${c.signals}::jsonb, forecast_snapshot = ${c.forecast}::jsonb, evidence_count = ${c.count}, evidence_quality = ${c.quality},
            evidence_gate_status = ${c.gate}::"EvidenceGateStatus", evidence_gate_reason = ${c.reason}, last_fired_at = ${now}, active = true, inactive_since = NULL, updated_at = now()
          WHERE id = ${prev.id}::uuid`;
        res.updated++;
        continue;
      }
      const episode = (prev?.episode ?? 0) + 1;
      await q`
        INSERT INTO recommendations_v2 (id, project_id, category, episode, dedupe_key, due_date, first_fired_at, risk_before,
          priority, owner_role, title, rationale, why_now, expected_impact, template, text_source, evidence_refs, links, signal_snapshot, forecast_snapshot,
          evidence_count, evidence_quality, evidence_gate_status, evidence_gate_reason, last_fired_at, updated_at)
        VALUES (gen_random_uuid(), ${projectId}::uuid, ${category}, ${episode}, ${`${category}#${episode}`}, ${isoDay(new Date(now.getTime() + d.dueInDays * DAY))}::date, ${now}, ${st.scores.risk.score},
          ${c.priority}, ${c.ownerRole}, ${c.title}, ${c.rationale}, ${c.whyNow}, ${c.expectedImpact}, ${c.template}, 'template', ${c.evidence}::jsonb, ${c.links}::jsonb,
          ${c.signals}::jsonb, ${c.forecast}::jsonb, ${c.count}, ${c.quality}, ${c.gate}::"EvidenceGateStatus", ${c.reason}, ${now}, now())`;
      res.created++;
    }
    const quiet = latest.filter((r) => r.active && !firing.has(r.category as Category)).map((r) => r.id);
    if (quiet.length) {
      await q`UPDATE recommendations_v2 SET active = false, inactive_since = ${now}, updated_at = now() WHERE id = ANY(${quiet}::uuid[])`;
      res.deactivated += quiet.length;
    }
    // Did acting help? The risk score 7 days after a recommendation was acknowledged or done.
    await q`
      UPDATE recommendations_v2 SET risk_after = ${st.scores.risk.score}, risk_after_measured_at = ${now}
      WHERE project_id = ${projectId}::uuid AND risk_after IS NULL
        AND coalesce(acknowledged_at, completed_at) IS NOT NULL AND coalesce(acknowledged_at, completed_at) <= ${new Date(now.getTime() - 7 * DAY)}`;
  });
  return res;
}
