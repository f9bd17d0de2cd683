import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { dedupeKey, dedupeRefs, type EvidenceRef } from "../events/event-log.ts";
import { THRESHOLDS, type SignalKey } from "./signals.ts";
import type { ProjectState } from "./state.ts";

// Daily snapshots and outcomes (SPEC §6), idempotent per project and UTC date: re-running a day
// overwrites its snapshot and adds no outcome twice.

const DAY = 86_400_000;
const json = (v: unknown) => v as Prisma.InputJsonValue;
export const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/** 0..1 per signal: value / critical threshold (sentiment: how far below its warn threshold). */
export function normalizedSignals(st: ProjectState): Record<string, number> {
  return Object.fromEntries(
    (Object.keys(THRESHOLDS) as SignalKey[]).map((k) => {
      const t = THRESHOLDS[k];
      const v = st.signals[k]?.value ?? 0;
      const n = t.direction === "below" ? (t.warn - v) / (t.warn - t.crit) : v / t.crit;
      return [k, Math.round(Math.min(1, Math.max(0, n)) * 10_000) / 10_000];
    }),
  );
}

export async function writeSnapshot(db: Db, projectId: string, st: ProjectState): Promise<{ date: string; publishable: boolean }> {
  const date = utcDay(st.now);
  const [agg] = await db.$queryRaw<{ e7: number; e14: number; e30: number; open: number; blocked: number; overdue: number; pipeline: number; deals: number }[]>`
    SELECT
      (SELECT count(*)::int FROM kag_event_log WHERE project_id = ${projectId}::uuid AND category = 'domain' AND occurred_at > ${new Date(st.now.getTime() - 7 * DAY)} AND occurred_at <= ${st.now}) AS e7,
      (SELECT count(*)::int FROM kag_event_log WHERE project_id = ${projectId}::uuid AND category = 'domain' AND occurred_at > ${new Date(st.now.getTime() - 14 * DAY)} AND occurred_at <= ${st.now}) AS e14,
      (SELECT count(*)::int FROM kag_event_log WHERE project_id = ${projectId}::uuid AND category = 'domain' AND occurred_at > ${new Date(st.now.getTime() - 30 * DAY)} AND occurred_at <= ${st.now}) AS e30,
      (SELECT count(*)::int FROM linear_issues WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND completed_at IS NULL AND coalesce(state_type, '') NOT IN ('completed', 'canceled')) AS open,
      (SELECT count(*)::int FROM linear_issues WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND completed_at IS NULL AND blocked) AS blocked,
      (SELECT count(*)::int FROM linear_issues WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND completed_at IS NULL AND due_date < ${st.now}::date) AS overdue,
      (SELECT coalesce(sum(amount), 0)::float8 FROM attio_deals WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL) AS pipeline,
      (SELECT count(*)::int FROM attio_deals WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL) AS deals`;
  const bySource = await db.$queryRaw<{ source: string; n: number }[]>`
    SELECT source, count(*)::int AS n FROM kag_event_log WHERE project_id = ${projectId}::uuid AND category = 'domain'
      AND occurred_at > ${new Date(st.now.getTime() - 14 * DAY)} AND occurred_at <= ${st.now} GROUP BY source`;
  const evidence = dedupeRefs(st.signalList.filter((s) => s.status !== "ok").flatMap((s) => s.evidence)).slice(0, 60);
  // A calm project needs no evidence; a snapshot that flags something must show it.
  const publishable = st.signalList.every((s) => s.status === "ok") || evidence.length > 0;
  const data = {
    signals: json(Object.fromEntries(st.signalList.map((s) => [s.key, { value: s.value, status: s.status, thresholds: s.thresholds, details: s.details, evidence: s.evidence }]))),
    normalizedSignals: json(normalizedSignals(st)),
    scores: json(Object.fromEntries(Object.values(st.scores).map((s) => [s.type, { score: s.score, level: s.level, components: s.components.map(({ evidence: _e, ...c }) => c) }]))),
    keyAggregates: json({
      events_7d: agg!.e7, events_14d: agg!.e14, events_30d: agg!.e30, by_source_14d: Object.fromEntries(bySource.map((r) => [r.source, r.n])),
      workload: { open: agg!.open, blocked: agg!.blocked, overdue: agg!.overdue }, revenue: { pipeline: agg!.pipeline, deals: agg!.deals },
    }),
    evidenceRefs: json(evidence),
    publishable,
  };
  await db.projectSnapshot.upsert({ where: { projectId_snapshotDate: { projectId, snapshotDate: date } }, create: { projectId, snapshotDate: date, ...data }, update: data });
  return { date: date.toISOString().slice(0, 10), publishable };
}

type Outcome = { type: string; severity: number; notes: string; evidence: EvidenceRef[]; sourceEventId?: bigint; ref?: string };

/** What happened to the project that day, as labelled outcomes (one per type per day). */
export async function recordOutcomes(db: Db, projectId: string, st: ProjectState): Promise<number> {
  const v = (k: SignalKey) => st.signals[k]?.value ?? 0;
  const ev = (...keys: SignalKey[]) => dedupeRefs(keys.flatMap((k) => st.signals[k]?.evidence ?? [])).slice(0, 20);
  const risk = st.scores.risk.score;
  const health = st.scores.health.score;
  const outcomes: Outcome[] = [];
  if (v("blockers_age") > 5 || v("stage_overdue") > 3 || risk >= 75)
    outcomes.push({ type: "delivery_risk", severity: risk >= 85 ? 5 : 4, notes: `blockers_age=${v("blockers_age")}, stage_overdue=${v("stage_overdue")}, risk=${risk}`, evidence: ev("blockers_age", "stage_overdue") });
  if (v("budget_burn_rate") >= 1.2 || v("margin_risk") >= 0.4)
    outcomes.push({ type: "finance_risk", severity: v("budget_burn_rate") >= 1.3 ? 5 : 4, notes: `burn=${v("budget_burn_rate")}, margin_risk=${v("margin_risk")}`, evidence: ev("budget_burn_rate", "margin_risk") });
  if (v("waiting_on_client_days") >= 4 || v("sentiment_trend") <= -0.3 || health <= 45)
    outcomes.push({ type: "client_risk", severity: v("waiting_on_client_days") >= 6 ? 5 : 4, notes: `waiting=${v("waiting_on_client_days")}, sentiment=${v("sentiment_trend")}, health=${health}`, evidence: ev("waiting_on_client_days", "sentiment_trend") });
  if (v("scope_creep_rate") >= 0.35)
    outcomes.push({ type: "scope_risk", severity: v("scope_creep_rate") >= 0.5 ? 5 : 4, notes: `scope_creep_rate=${v("scope_creep_rate")}`, evidence: ev("scope_creep_rate") });

  const day = utcDay(st.now);
  const lost = await db.$queryRaw<{ id: bigint; source_ref: string; payload: { stage?: string }; evidence_refs: EvidenceRef[] }[]>`
    SELECT id, source_ref, payload, evidence_refs FROM kag_event_log WHERE project_id = ${projectId}::uuid AND event_type = 'deal_stage_changed'
      AND occurred_at >= ${day} AND occurred_at < ${new Date(day.getTime() + DAY)} AND occurred_at <= ${st.now}
      AND payload->>'stage' ~* '(lost|churn|frozen|stalled)' ORDER BY id LIMIT 1`;
  for (const l of lost) outcomes.push({ type: "client_risk", severity: 4, notes: `deal moved to ${l.payload.stage}`, evidence: l.evidence_refs, sourceEventId: l.id, ref: l.source_ref });

  const occurredAt = new Date(day.getTime() + DAY - 1000);
  const dateStr = day.toISOString().slice(0, 10);
  const seen = new Set<string>();
  let inserted = 0;
  for (const o of outcomes) {
    if (seen.has(o.type)) continue; // one per type per day
    seen.add(o.type);
    const res = await db.pastCaseOutcome.createMany({
      data: [{ projectId, outcomeType: o.type, occurredAt, severity: o.severity, notes: o.notes, evidenceRefs: json(o.evidence), sourceEventId: o.sourceEventId ?? null, dedupeKey: dedupeKey(projectId, o.type, dateStr) }],
      skipDuplicates: true,
    });
    inserted += res.count;
  }
  return inserted;
}
