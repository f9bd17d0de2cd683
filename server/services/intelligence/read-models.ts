import type { Db } from "../../db.ts";
import { sql } from "../../sql.ts";
import { isoDay, utcDay } from "../../time.ts";
import { redactForecastCases, visibleProjectIds, type Viewer } from "./case-visibility.ts";

// What the UI and the API read: current signals, scores with what changed since yesterday (and
// which components moved it), trends from snapshots, and the latest forecasts.

const DAY = 86_400_000;
type Component = { key: string; value: number; weight: number; contribution: number; source: string; evidence: unknown[] };

export async function projectOverview(db: Db, projectId: string, now: Date, opts: { includeUnpublished?: boolean; viewer?: Viewer } = {}) {
  const [signals, scores, forecasts, visible] = await Promise.all([
    db.kagSignal.findMany({ where: { projectId }, orderBy: { signalKey: "asc" } }),
    db.kagScore.findMany({ where: { projectId }, orderBy: { scoreType: "asc" } }),
    db.kagRiskForecast.findMany({ where: { projectId, ...(opts.includeUnpublished ? {} : { publishable: true }) }, orderBy: { riskType: "asc" } }),
    opts.viewer ? visibleProjectIds(db, opts.viewer) : new Set<string>(),
  ]);
  // "Since yesterday" compares with yesterday's snapshot (the previous UTC day), the same value the
  // trend chart shows for that day, so the card's delta is the chart's last step.
  const yesterdayDate = isoDay(new Date(utcDay(now).getTime() - DAY));
  const [snap] = await sql(db)<{ scores: Record<string, { score: number; components?: Omit<Component, "evidence">[] }> }>`
    SELECT scores_json AS scores FROM project_snapshots WHERE project_id = ${projectId}::uuid AND snapshot_date = ${yesterdayDate}::date`;
  const prev = new Map(Object.entries(snap?.scores ?? {}).map(([type, v]) => [type, { score: v.score, components: v.components ?? [], date: yesterdayDate }]));
  return {
    computedAt: scores[0]?.computedAt ?? null,
    signals: signals.map((s) => ({ key: s.signalKey, value: s.value, status: s.status, thresholds: s.thresholds, details: s.details, evidence: s.evidence, computedAt: s.computedAt })),
    scores: scores.map((s) => {
      const y = prev.get(s.scoreType);
      const comps = s.components as Component[];
      const before = new Map<string, { contribution: number }>((y?.components ?? []).map((c) => [c.key, c]));
      return {
        type: s.scoreType, score: s.score, level: s.level, components: comps, evidence: s.evidence,
        sinceYesterday: y
          ? {
              previous: y.score, delta: Math.round((s.score - y.score) * 100) / 100, date: y.date,
              movers: comps.map((c) => ({ key: c.key, delta: Math.round((c.contribution - (before.get(c.key)?.contribution ?? 0)) * 100) / 100 })).filter((m) => m.delta !== 0).sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)).slice(0, 4),
            }
          : null,
      };
    }),
    forecasts: forecasts.map((f) => ({
      riskType: f.riskType, p7: f.probability7d, p14: f.probability14d, p30: f.probability30d, expectedTimeToRiskDays: f.expectedTimeToRiskDays,
      confidence: f.confidence, topDrivers: f.topDrivers, similarCases: redactForecastCases(f.similarCases as { projectId: string; projectName: string; similarity: number }[], visible), evidence: f.evidenceRefs, publishable: f.publishable, computedAt: f.computedAt,
    })),
  };
}

/**
 * Daily health and risk for charts, oldest first: each past day's snapshot, and for today the
 * current scores — the very numbers the cards show — so a chart, a card and a sparkline never
 * disagree about the same moment.
 */
export async function snapshotTrend(db: Db, projectId: string, days: number, now: Date) {
  return (await scoreSeries(db, [projectId], days, now)).get(projectId) ?? [];
}

export type TrendPoint = { date: string; health: number | null; risk: number | null; publishable: boolean; live: boolean; aggregates?: unknown };

/** The same series for many projects in two queries (the portfolio's sparklines). */
export async function scoreSeries(db: Db, projectIds: string[], days: number, now: Date): Promise<Map<string, TrendPoint[]>> {
  const today = isoDay(now);
  const [snaps, live] = await Promise.all([
    sql(db)<{ project_id: string; day: string; health: number | null; risk: number | null; publishable: boolean; aggregates: unknown }>`
      SELECT project_id, to_char(snapshot_date, 'YYYY-MM-DD') AS day, (scores_json->'health'->>'score')::float8 AS health, (scores_json->'risk'->>'score')::float8 AS risk,
        publishable, key_aggregates_json AS aggregates
      FROM project_snapshots WHERE project_id = ANY(${projectIds}::uuid[]) AND snapshot_date > ${isoDay(new Date(utcDay(now).getTime() - days * DAY))}::date AND snapshot_date < ${today}::date
      ORDER BY project_id, snapshot_date`,
    sql(db)<{ project_id: string; score_type: string; score: number }>`
      SELECT project_id, score_type, score FROM kag_scores WHERE project_id = ANY(${projectIds}::uuid[]) AND score_type IN ('health', 'risk')`,
  ]);
  const out = new Map<string, TrendPoint[]>(projectIds.map((id) => [id, []]));
  for (const r of snaps) out.get(r.project_id)!.push({ date: r.day, health: r.health, risk: r.risk, publishable: r.publishable, live: false, aggregates: r.aggregates });
  for (const id of projectIds) {
    const mine = live.filter((l) => l.project_id === id);
    if (!mine.length) continue;
    const v = (t: string) => mine.find((l) => l.score_type === t)?.score ?? null;
    out.get(id)!.push({ date: today, health: v("health"), risk: v("risk"), publishable: true, live: true });
  }
  return out;
}
