import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { refreshRecommendations } from "./recommendations.ts";
import { rewordTopRecommendations } from "./wording.ts";
import { recordOutcomes, writeSnapshot } from "./snapshots.ts";
import type { SimilarCase } from "./forecast.ts";
import { refreshCaseSignatures, similarCases } from "./similarity.ts";
import { computeProjectState, storeForecasts, storeSignalsAndScores, withSimilarCases, type ProjectState } from "./state.ts";

// The pipeline entry points the worker tasks and tRPC procedures call. Each takes `now` and a db
// handle and is safe to run twice: every write is an upsert keyed by project (and date or category).

const WINBACK_MIN_SIMILARITY = 0.5;

export type Step = <T>(name: string, fn: () => Promise<T>) => Promise<T>;
export type PipelineResult = { counters: Record<string, number>; warnings: string[] };
const direct: Step = (_name, fn) => fn();

/**
 * Similar cases (14-day window, top 5) as forecast inputs, and how many of them ended in client risk
 * (for winback) — a count only: another project's names and client text never enter this project's rows.
 */
async function similarInputs(db: Db, projectId: string): Promise<{ similar: SimilarCase[]; clientRiskCases: number }> {
  const { cases } = await similarCases(db, { projectId, windowDays: 14, topK: 5 });
  return {
    similar: cases.map((c) => ({ projectId: c.caseProjectId, projectName: c.caseProjectName, similarity: c.similarityScore, outcomes: c.outcomesSeen.map((o) => ({ outcomeType: o.outcomeType, severity: o.severity })) })),
    // Only cases that really resemble this one count (in a small workspace every project is a "neighbour").
    clientRiskCases: cases.filter((c) => c.similarityScore >= WINBACK_MIN_SIMILARITY && c.outcomesSeen.some((o) => o.outcomeType === "client_risk")).length,
  };
}

async function forecastAndRecommend(db: Db, env: Env, projectId: string, base: ProjectState, step: Step, warnings: string[], counters: Record<string, number>) {
  const sim = await step("similar_cases", () => similarInputs(db, projectId));
  counters.similarCases = sim.similar.length;
  const st = withSimilarCases(base, sim.similar);
  if (env.KAG_FORECASTING_ENABLED) {
    const f = await step("forecast", () => storeForecasts(db, projectId, st));
    for (const t of f.unpublishable) warnings.push(`forecast ${t} has no evidence: stored unpublished`);
    counters.forecasts = 4;
  }
  if (env.KAG_RECOMMENDATIONS_V2_ENABLED && env.RECOMMENDATIONS_ENABLED) {
    const recs = await step("recommendations_v2", () => refreshRecommendations(db, projectId, st, sim.clientRiskCases));
    for (const h of recs.hidden) warnings.push(`recommendation ${h.category} hidden by the evidence gate: ${h.reason}`);
    Object.assign(counters, { recommendationsCreated: recs.created, recommendationsUpdated: recs.updated, recommendationsDeactivated: recs.deactivated, recommendationsHidden: recs.hidden.length });
    if (env.OPENAI_API_KEY && env.RECOMMENDATIONS_V2_LLM_TOP_N > 0) {
      const w = await step("llm_wording", () => rewordTopRecommendations(db, env, projectId));
      warnings.push(...w.warnings);
      counters.llmReworded = w.reworded;
    }
  }
  return st;
}

async function computeAndStoreState(db: Db, env: Env, projectId: string, now: Date): Promise<ProjectState> {
  const st = await computeProjectState(db, env, projectId, now);
  await storeSignalsAndScores(db, projectId, st);
  return st;
}

/** signals_extraction / health_scoring: current signals and scores with history. */
export async function refreshSignalsAndScores(db: Db, env: Env, projectId: string, now: Date): Promise<PipelineResult> {
  const st = await computeProjectState(db, env, projectId, now);
  const res = await storeSignalsAndScores(db, projectId, st);
  return { counters: { signals: st.signalList.length, ...res }, warnings: [] };
}

/** kag_recommendations_refresh: signals → scores → similar cases → forecasts → recommendations. */
export async function refreshProjectRecommendations(db: Db, env: Env, projectId: string, now: Date, step: Step = direct): Promise<PipelineResult> {
  const st = await step("signals_and_scores", () => computeAndStoreState(db, env, projectId, now));
  const warnings: string[] = [];
  const counters: Record<string, number> = {};
  await forecastAndRecommend(db, env, projectId, st, step, warnings, counters);
  return { counters, warnings };
}

/**
 * kag_daily_pipeline: snapshot → case signatures → similar cases → forecast → recommendations v2 →
 * outcomes, each a step. `history` runs it for a past day of a back-fill: the day's snapshot,
 * signature and outcomes, but no forecast or recommendation — those are about acting now, and a
 * recommendation raised "30 days ago" by a back-fill would be born overdue.
 */
export async function runDailyPipeline(db: Db, env: Env, projectId: string, now: Date, step: Step = direct, opts: { history?: boolean } = {}): Promise<PipelineResult> {
  const warnings: string[] = [];
  const counters: Record<string, number> = {};
  const st = await step("signals_and_scores", () => computeAndStoreState(db, env, projectId, now));
  if (env.KAG_SNAPSHOTS_ENABLED) {
    const snap = await step("snapshot", () => writeSnapshot(db, projectId, st));
    if (!snap.publishable) warnings.push(`snapshot ${snap.date} flags risks without evidence: stored unpublished`);
    counters.snapshots = 1;
  }
  const sig = await step("case_signatures", () => refreshCaseSignatures(db, projectId, now));
  counters.signatures = sig.written;
  const final = opts.history ? st : await forecastAndRecommend(db, env, projectId, st, step, warnings, counters);
  counters.outcomes = await step("outcomes", () => recordOutcomes(db, projectId, final));
  return { counters, warnings };
}

const DAY = 86_400_000;

/**
 * kag_backfill: the daily pipeline for each of the last `days` days (end of each day, today = now),
 * oldest first, so a newly connected project has trends, signatures and outcomes at once. Each day
 * reads only data up to that day; Linear and Attio state is today's (the mirrors keep no history).
 */
export async function backfillDailyPipeline(db: Db, env: Env, projectId: string, now: Date, days: number): Promise<PipelineResult> {
  const warnings = new Set<string>();
  const counters: Record<string, number> = { days: 0 };
  for (let d = days - 1; d >= 0; d--) {
    const dayEnd = d === 0 ? now : new Date(Math.floor((now.getTime() - d * DAY) / DAY) * DAY + DAY - 1000);
    const res = await runDailyPipeline(db, env, projectId, dayEnd, direct, { history: d > 0 });
    for (const w of res.warnings) warnings.add(w.replace(/\d{4}-\d{2}-\d{2}/, "<date>"));
    for (const [k, v] of Object.entries(res.counters)) counters[k] = (counters[k] ?? 0) + v;
    counters.days!++;
  }
  return { counters, warnings: [...warnings] };
}
