import type { Db } from "../../db.ts";
import { sql } from "../../sql.ts";
import { isoDay, utcDay } from "../../time.ts";
import { dedupeKey, dedupeRefs, type EvidenceRef } from "../events/event-log.ts";
import { THRESHOLDS, type SignalKey } from "./signals.ts";
import type { ProjectState } from "./state.ts";

// Daily snapshots and outcomes (SPEC §6), idempotent per project and UTC date: re-running a day
// overwrites its snapshot and adds no outcome twice.

const DAY = 86_400_000;

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
  const week = new Date(st.now.getTime() - 7 * DAY), fortnight = new Date(st.now.getTime() - 14 * DAY), month = new Date(st.now.getTime() - 30 * DAY);
  const [agg] = await sql(db)<{ e7: number; e14: number; e30: number; by_source: Record<string, number> | null; open: number; blocked: number; overdue: number; pipeline: number; deals: number }>`
    WITH ev AS (
      SELECT occurred_at, source FROM kag_event_log WHERE project_id = ${projectId}::uuid AND category = 'domain' AND occurred_at > ${month} AND occurred_at <= ${st.now}
    ), issues AS (
      SELECT * FROM linear_issues WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND completed_at IS NULL
    ), deals AS (
      SELECT amount FROM attio_deals WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL
    )
    SELECT
      (SELECT count(*) FROM ev WHERE occurred_at > ${week})::int AS e7,
      (SELECT count(*) FROM ev WHERE occurred_at > ${fortnight})::int AS e14,
      (SELECT count(*) FROM ev)::int AS e30,
      (SELECT jsonb_object_agg(source, n) FROM (SELECT source, count(*)::int AS n FROM ev WHERE occurred_at > ${fortnight} GROUP BY source) s) AS by_source,
      (SELECT count(*) FROM issues WHERE coalesce(state_type, '') NOT IN ('completed', 'canceled'))::int AS open,
      (SELECT count(*) FROM issues WHERE blocked)::int AS blocked,
      (SELECT count(*) FROM issues WHERE due_date < ${isoDay(st.now)}::date)::int AS overdue,
      (SELECT coalesce(sum(amount), 0) FROM deals)::float8 AS pipeline,
      (SELECT count(*) FROM deals)::int AS deals`;
  const evidence = dedupeRefs(st.signalList.filter((s) => s.status !== "ok").flatMap((s) => s.evidence)).slice(0, 60);
  // A calm project needs no evidence; a snapshot that flags something must show it.
  const publishable = st.signalList.every((s) => s.status === "ok") || evidence.length > 0;
  const signals = Object.fromEntries(st.signalList.map((sg) => [sg.key, { value: sg.value, status: sg.status, thresholds: sg.thresholds, details: sg.details, evidence: sg.evidence }]));
  const scores = Object.fromEntries(Object.values(st.scores).map((sc) => [sc.type, { score: sc.score, level: sc.level, components: sc.components.map(({ evidence: _e, ...c }) => c) }]));
  const aggregates = {
    events_7d: agg!.e7, events_14d: agg!.e14, events_30d: agg!.e30, by_source_14d: agg!.by_source ?? {},
    workload: { open: agg!.open, blocked: agg!.blocked, overdue: agg!.overdue }, revenue: { pipeline: agg!.pipeline, deals: agg!.deals },
  };
  await sql(db)`
    INSERT INTO project_snapshots (project_id, snapshot_date, signals_json, normalized_signals_json, scores_json, key_aggregates_json, evidence_refs, publishable, updated_at)
    VALUES (${projectId}::uuid, ${isoDay(date)}::date, ${JSON.stringify(signals)}::jsonb, ${JSON.stringify(normalizedSignals(st))}::jsonb, ${JSON.stringify(scores)}::jsonb,
      ${JSON.stringify(aggregates)}::jsonb, ${JSON.stringify(evidence)}::jsonb, ${publishable}, now())
    ON CONFLICT (project_id, snapshot_date) DO UPDATE SET signals_json = EXCLUDED.signals_json, normalized_signals_json = EXCLUDED.normalized_signals_json,
      scores_json = EXCLUDED.scores_json, key_aggregates_json = EXCLUDED.key_aggregates_json, evidence_refs = EXCLUDED.evidence_refs, publishable = EXCLUDED.publishable, updated_at = now()`;
  return { date: isoDay(date), publishable };
}

type Outcome = { type: string; severity: number; notes: string; evidence: EvidenceRef[]; sourceEventId?: string; ref?: string };

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
  const lost = await sql(db)<{ id: string; source_ref: string; payload: { stage?: string }; evidence_refs: EvidenceRef[] }>`
    SELECT id::text, source_ref, payload, evidence_refs FROM kag_event_log WHERE project_id = ${projectId}::uuid AND event_type = 'deal_stage_changed'
      AND occurred_at >= ${day} AND occurred_at < ${new Date(day.getTime() + DAY)} AND occurred_at <= ${st.now}
      AND payload->>'stage' ~* '(lost|churn|frozen|stalled)' ORDER BY id LIMIT 1`;
  for (const l of lost) outcomes.push({ type: "client_risk", severity: 4, notes: `deal moved to ${l.payload.stage}`, evidence: l.evidence_refs, sourceEventId: l.id, ref: l.source_ref });

  // An outcome is what the day showed by `now`: dated at the end of the day when the day is over,
  // else at `now` (a pipeline run in the afternoon must not record what happened "at 23:59:59").
  const occurredAt = new Date(Math.min(day.getTime() + DAY - 1000, st.now.getTime()));
  const dateStr = isoDay(day);
  const seen = new Set<string>();
  const rows = outcomes.filter((o) => !seen.has(o.type) && seen.add(o.type)) // one per type per day
    .map((o) => ({ type: o.type, severity: o.severity, notes: o.notes, evidence: o.evidence, sourceEventId: o.sourceEventId ?? null, dedupeKey: dedupeKey(projectId, o.type, dateStr) }));
  if (rows.length === 0) return 0;
  const [res] = await sql(db)<{ n: number }>`
    WITH ins AS (
      INSERT INTO past_case_outcomes (project_id, outcome_type, occurred_at, severity, notes, evidence_refs, source_event_id, dedupe_key)
      SELECT ${projectId}::uuid, o.type, ${occurredAt}, o.severity, o.notes, o.evidence, o."sourceEventId", o."dedupeKey"
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS o(type text, severity int4, notes text, evidence jsonb, "sourceEventId" int8, "dedupeKey" text)
      ON CONFLICT (project_id, dedupe_key) DO NOTHING RETURNING 1)
    SELECT count(*)::int AS n FROM ins`;
  const inserted = res!.n;
  return inserted;
}
