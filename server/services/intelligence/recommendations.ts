import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
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
const json = (v: unknown) => v as Prisma.InputJsonValue;
const utcDate = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/** Source links a user can open, one per evidence item that has one. */
export function evidenceLinks(refs: EvidenceRef[]): { kind: string; id: string; url: string }[] {
  return refs.filter((r) => r.url).slice(0, 20).map((r) => ({ kind: r.kind, id: r.id, url: r.url! }));
}

export type RefreshResult = { created: number; updated: number; deactivated: number; hidden: { category: Category; reason: string }[] };

export async function refreshRecommendations(db: Db, projectId: string, st: ProjectState, similarClientOutcomes: { projectName: string; evidence: EvidenceRef[] }[] = []): Promise<RefreshResult> {
  const drafts = draftRecommendations({
    signals: st.signals, scores: st.scores, forecasts: st.forecasts, needs7d: st.facts.needs7d, needEvidence: st.facts.needEvidence,
    clientName: st.facts.clientName, similarClientOutcomes,
  });
  const live = await liveEvidenceIds(db, projectId, drafts.flatMap((d) => d.evidence));
  const firing = new Map<Category, Draft>(drafts.map((d) => [d.category, { ...d, evidence: d.evidence.filter((r) => isLive(live, r)) }]));
  const res: RefreshResult = { created: 0, updated: 0, deactivated: 0, hidden: [] };
  const now = st.now;

  await db.$transaction(async (tx) => {
    // Two refreshes of one project (a scheduled and a manual run) take turns, so neither opens a duplicate episode.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`recommendations:${projectId}`}))`;
    // The latest episode of every category this project ever had.
    const latest = await tx.$queryRaw<{ id: string; category: string; episode: number; status: string; active: boolean }[]>`
      SELECT DISTINCT ON (category) id, category, episode, status, active FROM recommendations_v2
      WHERE project_id = ${projectId}::uuid ORDER BY category, episode DESC`;
    const byCategory = new Map(latest.map((r) => [r.category, r]));

    for (const [category, d] of firing) {
      const gate = evidenceGate(d.evidence);
      if (gate.status === "hidden") res.hidden.push({ category, reason: gate.reason });
      const content = {
        priority: d.priority, ownerRole: d.ownerRole, title: d.title, rationale: d.rationale, whyNow: d.whyNow, expectedImpact: d.expectedImpact,
        template: d.template, textSource: "template", evidenceRefs: json(d.evidence), links: json(evidenceLinks(d.evidence)),
        signalSnapshot: json(d.signalSnapshot), forecastSnapshot: json(d.forecastSnapshot),
        evidenceCount: gate.count, evidenceQuality: gate.quality, gateStatus: gate.status, gateReason: gate.reason, lastFiredAt: now,
      } satisfies Prisma.RecommendationV2UpdateInput;
      const prev = byCategory.get(category);
      const closed = prev && (prev.status === "done" || prev.status === "dismissed");
      if (prev && !(closed && !prev.active)) {
        // Same episode: refresh what it says, keep its status. A closed one that is still firing stays closed and quiet.
        await tx.recommendationV2.update({ where: { id: prev.id }, data: closed ? { lastFiredAt: now } : { ...content, active: true, inactiveSince: null } });
        res.updated++;
        continue;
      }
      const episode = (prev?.episode ?? 0) + 1;
      await tx.recommendationV2.create({
        data: {
          projectId, category, episode, dedupeKey: `${category}#${episode}`, dueDate: utcDate(new Date(now.getTime() + d.dueInDays * DAY)),
          firstFiredAt: now, riskBefore: st.scores.risk.score, ...content,
        },
      });
      res.created++;
    }
    for (const r of latest) {
      if (r.active && !firing.has(r.category as Category)) {
        await tx.recommendationV2.update({ where: { id: r.id }, data: { active: false, inactiveSince: now } });
        res.deactivated++;
      }
    }
    // Did acting help? The risk score 7 days after a recommendation was acknowledged or done.
    await tx.$executeRaw`
      UPDATE recommendations_v2 SET risk_after = ${st.scores.risk.score}, risk_after_measured_at = ${now}
      WHERE project_id = ${projectId}::uuid AND risk_after IS NULL
        AND coalesce(acknowledged_at, completed_at) IS NOT NULL AND coalesce(acknowledged_at, completed_at) <= ${new Date(now.getTime() - 7 * DAY)}`;
  });
  return res;
}
