import type { Env } from "../../server/env.ts";
import { createWorkspace, type OutcomeType } from "../../server/simulators/generator.ts";
import { backfillDailyPipeline } from "../../server/services/intelligence/pipeline.ts";
import type { BenchDb } from "./harness.ts";
import { inParallel, loadWorkspace } from "./workspace.ts";

export const RISKS = ["delivery_risk", "finance_risk", "client_risk", "scope_risk"] as const;
export const HORIZONS = [7, 14, 30] as const;
const DAY = 86_400_000;

/** Per risk type and horizon: our probability, the naive baseline's, and whether the risk happened. */
export type ForecastOutcomes = Record<string, { ours: number[]; naive: number[]; happened: boolean[] }>;
export const key = (type: string, h: number) => `${type}:${h}`;

/**
 * Loads a generated workspace through the connectors, back-fills 8 days of the daily pipeline (so
 * last week's state exists) and pairs the forecasts made at the end of the data with the outcomes
 * the generator planted after it. Naive = last week's risk level (risk score / 100 seven days earlier).
 */
export async function forecastOutcomes(db: BenchDb, env: Env, gen: { seed: number; projects: number; days: number; end: Date }) {
  const asOf = new Date(gen.end.getTime() - 1000);
  const ws = await loadWorkspace(db.prisma, env, { ...gen, concurrency: 6 });
  await ws.sims.close();
  // Two passes: the second sees every project's signatures, so similar cases are complete.
  for (const days of [8, 1]) await inParallel(ws.projectIds, 4, async (id) => void (await backfillDailyPipeline(db.prisma, env, id, asOf, days)));
  const truth = createWorkspace(gen); // the same generator, so the same planted situations and outcomes
  const { rows: forecasts } = await db.pool.query<{ project_id: string; risk_type: string; p7: number; p14: number; p30: number }>(
    `SELECT project_id, risk_type, probability_7d AS p7, probability_14d AS p14, probability_30d AS p30 FROM kag_risk_forecasts WHERE project_id = ANY($1::uuid[])`, [ws.projectIds]);
  const weekAgo = new Date(asOf.getTime() - 7 * DAY).toISOString().slice(0, 10);
  const { rows: naive } = await db.pool.query<{ project_id: string; risk: number }>(
    `SELECT project_id, (scores_json->'risk'->>'score')::float8 / 100 AS risk FROM project_snapshots WHERE project_id = ANY($1::uuid[]) AND snapshot_date = $2::date`, [ws.projectIds, weekAgo]);
  const naiveOf = new Map(naive.map((r) => [r.project_id, r.risk]));
  const outcomeWithin = (index: number, type: OutcomeType, days: number) =>
    truth.project(index)!.situations.some((s) => s.outcome?.type === type && s.outcome.occurredAt.getTime() - gen.end.getTime() <= days * DAY);
  const out: ForecastOutcomes = {};
  for (const type of RISKS) {
    for (const h of HORIZONS) {
      const row = (out[key(type, h)] = { ours: [] as number[], naive: [] as number[], happened: [] as boolean[] });
      ws.projectIds.forEach((id, i) => {
        const f = forecasts.find((x) => x.project_id === id && x.risk_type === type);
        row.ours.push(f ? (h === 7 ? f.p7 : h === 14 ? f.p14 : f.p30) : 0);
        row.naive.push(naiveOf.get(id) ?? 0);
        row.happened.push(outcomeWithin(i, type, h));
      });
    }
  }
  return { outcomes: out, projectIds: ws.projectIds, truth };
}
