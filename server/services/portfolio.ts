import type { Db } from "../db.ts";
import { listProjectsForUser } from "./projects.ts";
import { scoreSeries } from "./intelligence/read-models.ts";

// The owner's and head of delivery's view: every project the user belongs to, with health and risk,
// their last two weeks, the top recommendation, and how fresh each connector's data is — all read in
// a handful of queries over the user's project ids, never another project's rows.

export async function portfolioOverview(db: Db, input: { userId: string; onlyProjectId?: string | null; now: Date }) {
  const projects = await listProjectsForUser(db, { userId: input.userId, onlyProjectId: input.onlyProjectId });
  const ids = projects.map((p) => p.id);
  if (!ids.length) return [];
  const [scores, trend, recs, sync] = await Promise.all([
    db.kagScore.findMany({ where: { projectId: { in: ids }, scoreType: { in: ["health", "risk"] } } }),
    scoreSeries(db, ids, 14, input.now),
    db.$queryRaw<{ project_id: string; id: string; title: string; priority: number; category: string; open: number }[]>`
      SELECT DISTINCT ON (project_id) project_id, id, title, priority, category, count(*) OVER (PARTITION BY project_id)::int AS open
      FROM recommendations_v2 WHERE project_id = ANY(${ids}::uuid[]) AND active AND evidence_gate_status = 'visible' AND status IN ('new', 'acknowledged')
      ORDER BY project_id, priority DESC, due_date, id`,
    db.connectorSyncState.findMany({ where: { projectId: { in: ids } }, select: { projectId: true, connector: true, status: true, lastSuccessAt: true } }),
  ]);
  return projects.map((p) => {
    const score = (t: string) => scores.find((s) => s.projectId === p.id && s.scoreType === t);
    const top = recs.find((r) => r.project_id === p.id);
    return {
      id: p.id, name: p.name, role: p.role,
      health: score("health") ? { score: score("health")!.score, level: score("health")!.level } : null,
      risk: score("risk") ? { score: score("risk")!.score, level: score("risk")!.level } : null,
      trend: (trend.get(p.id) ?? []).map((t) => ({ date: t.date, health: t.health, risk: t.risk })),
      topRecommendation: top ? { id: top.id, title: top.title, priority: top.priority, category: top.category } : null,
      openRecommendations: top?.open ?? 0,
      freshness: sync.filter((s) => s.projectId === p.id).map((s) => ({ connector: s.connector, status: s.status, lastSuccessAt: s.lastSuccessAt })),
    };
  });
}
