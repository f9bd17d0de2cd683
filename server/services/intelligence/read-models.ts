import type { Db } from "../../db.ts";
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
  // Yesterday = the newest history row at least 24 h older than now (history rows exist only on change).
  const yesterday = await db.$queryRaw<{ score_type: string; score: number; components: Component[]; computed_at: Date }[]>`
    SELECT DISTINCT ON (score_type) score_type, score, components, computed_at FROM kag_score_history
    WHERE project_id = ${projectId}::uuid AND computed_at <= ${new Date(now.getTime() - DAY)} ORDER BY score_type, computed_at DESC, id DESC`;
  const prev = new Map(yesterday.map((y) => [y.score_type, y]));
  return {
    computedAt: scores[0]?.computedAt ?? null,
    signals: signals.map((s) => ({ key: s.signalKey, value: s.value, status: s.status, thresholds: s.thresholds, details: s.details, evidence: s.evidence, computedAt: s.computedAt })),
    scores: scores.map((s) => {
      const y = prev.get(s.scoreType);
      const comps = s.components as Component[];
      const before = new Map((y?.components ?? []).map((c) => [c.key, c]));
      return {
        type: s.scoreType, score: s.score, level: s.level, components: comps, evidence: s.evidence,
        sinceYesterday: y
          ? {
              previous: y.score, delta: Math.round((s.score - y.score) * 100) / 100, at: y.computed_at,
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

/** Daily health and risk for charts, oldest first. */
export async function snapshotTrend(db: Db, projectId: string, days: number, now: Date) {
  const rows = await db.projectSnapshot.findMany({
    where: { projectId, snapshotDate: { gte: new Date(now.getTime() - days * DAY) } },
    orderBy: { snapshotDate: "asc" },
    select: { snapshotDate: true, scores: true, keyAggregates: true, publishable: true },
  });
  return rows.map((r) => {
    const s = r.scores as Record<string, { score: number }>;
    return { date: r.snapshotDate.toISOString().slice(0, 10), health: s.health?.score ?? null, risk: s.risk?.score ?? null, publishable: r.publishable, aggregates: r.keyAggregates };
  });
}
