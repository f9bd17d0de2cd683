import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { refreshRecommendations } from "./recommendations.ts";
import { recordOutcomes, writeSnapshot } from "./snapshots.ts";
import { computeProjectState, storeForecasts, storeSignalsAndScores } from "./state.ts";

// The pipeline entry points the worker tasks and tRPC procedures call. Each takes `now` and a db
// handle and is safe to run twice: every write is an upsert keyed by project (and date or category).

export type Step = <T>(name: string, fn: () => Promise<T>) => Promise<T>;
export type PipelineResult = { counters: Record<string, number>; warnings: string[] };
const direct: Step = (_name, fn) => fn();

/** signals_extraction / health_scoring: current signals and scores with history. */
export async function refreshSignalsAndScores(db: Db, env: Env, projectId: string, now: Date): Promise<PipelineResult> {
  const st = await computeProjectState(db, env, projectId, now);
  const res = await storeSignalsAndScores(db, projectId, st);
  return { counters: { signals: st.signalList.length, ...res }, warnings: [] };
}

/** kag_recommendations_refresh: signals → scores → forecasts → recommendations. */
export async function refreshProjectRecommendations(db: Db, env: Env, projectId: string, now: Date, step: Step = direct): Promise<PipelineResult> {
  const st = await step("signals_and_scores", async () => {
    const s = await computeProjectState(db, env, projectId, now);
    await storeSignalsAndScores(db, projectId, s);
    return s;
  });
  const warnings: string[] = [];
  if (env.KAG_FORECASTING_ENABLED) {
    const f = await step("forecast", () => storeForecasts(db, projectId, st));
    for (const t of f.unpublishable) warnings.push(`forecast ${t} has no evidence: stored unpublished`);
  }
  const recs = await step("recommendations_v2", () => refreshRecommendations(db, projectId, st));
  for (const h of recs.hidden) warnings.push(`recommendation ${h.category} hidden by the evidence gate: ${h.reason}`);
  return { counters: { created: recs.created, updated: recs.updated, deactivated: recs.deactivated, hidden: recs.hidden.length }, warnings };
}

/** kag_daily_pipeline: snapshot → forecast → recommendations v2 → outcomes, each a step. */
export async function runDailyPipeline(db: Db, env: Env, projectId: string, now: Date, step: Step = direct): Promise<PipelineResult> {
  const warnings: string[] = [];
  const counters: Record<string, number> = {};
  const st = await step("signals_and_scores", async () => {
    const s = await computeProjectState(db, env, projectId, now);
    await storeSignalsAndScores(db, projectId, s);
    return s;
  });
  if (env.KAG_SNAPSHOTS_ENABLED) {
    const snap = await step("snapshot", () => writeSnapshot(db, projectId, st));
    if (!snap.publishable) warnings.push(`snapshot ${snap.date} flags risks without evidence: stored unpublished`);
    counters.snapshots = 1;
  }
  if (env.KAG_FORECASTING_ENABLED) {
    const f = await step("forecast", () => storeForecasts(db, projectId, st));
    for (const t of f.unpublishable) warnings.push(`forecast ${t} has no evidence: stored unpublished`);
    counters.forecasts = 4;
  }
  if (env.KAG_RECOMMENDATIONS_V2_ENABLED && env.RECOMMENDATIONS_ENABLED) {
    const recs = await step("recommendations_v2", () => refreshRecommendations(db, projectId, st));
    for (const h of recs.hidden) warnings.push(`recommendation ${h.category} hidden by the evidence gate: ${h.reason}`);
    Object.assign(counters, { recommendationsCreated: recs.created, recommendationsUpdated: recs.updated, recommendationsHidden: recs.hidden.length });
  }
  counters.outcomes = await step("outcomes", () => recordOutcomes(db, projectId, st));
  return { counters, warnings };
}
