import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { sql } from "../../sql.ts";
import { loadFacts, type LoadedFacts } from "./facts.ts";
import { forecastRisk, RISK_TYPES, type Forecast, type RiskType, type SimilarCase } from "./forecast.ts";
import { computeScores, type Score, type ScoreType } from "./scores.ts";
import { computeSignals, signalMap, type Signal, type SignalKey } from "./signals.ts";

// One project's computed state at `now`: facts → signals → scores → forecasts. Pure given the
// database contents up to `now`; storing it is separate (store*), so tRPC reads, jobs and backtests
// share the same computation.

export type ProjectState = {
  now: Date;
  facts: LoadedFacts;
  signals: Record<SignalKey, Signal>;
  signalList: Signal[];
  scores: Record<ScoreType, Score>;
  forecasts: Record<RiskType, Forecast>;
};

export async function computeProjectState(db: Db, env: Env, projectId: string, now: Date, similar: SimilarCase[] = []): Promise<ProjectState> {
  const facts = await loadFacts(db, projectId, now, env.KAG_EVENT_LOG_LOOKBACK_DAYS);
  const signalList = computeSignals(facts);
  const signals = signalMap(signalList);
  const scores = computeScores({
    signals, revenue: facts.revenue, sentimentEwma: (signals.sentiment_trend.details as { ewma: number | null }).ewma,
    needs7d: facts.needs7d, scopeRequests7d: Number((signals.scope_creep_rate.details as { scopeRequests7d: number }).scopeRequests7d),
    needEvidence: facts.needEvidence, revenueEvidence: facts.revenueEvidence,
  });
  const forecasts = Object.fromEntries(RISK_TYPES.map((t) => [t, forecastRisk(t, signals, similar)])) as Record<RiskType, Forecast>;
  return { now, facts, signals, signalList, scores, forecasts };
}

/** The same state with forecasts that also weigh what happened to similar past cases. */
export function withSimilarCases(st: ProjectState, similar: SimilarCase[]): ProjectState {
  const forecasts = Object.fromEntries(RISK_TYPES.map((t) => [t, forecastRisk(t, st.signals, similar)])) as Record<RiskType, Forecast>;
  return { ...st, forecasts };
}

/** Current signals and scores; a history row only when a value or status changed (re-runs add nothing). One statement. */
export async function storeSignalsAndScores(db: Db, projectId: string, st: ProjectState): Promise<{ signalsChanged: number; scoresChanged: number }> {
  const doc = JSON.stringify({
    signals: st.signalList.map((s) => ({ key: s.key, value: s.value, status: s.status, thresholds: s.thresholds, details: s.details, evidence: s.evidence })),
    scores: Object.values(st.scores).map((s) => ({ type: s.type, score: s.score, level: s.level, components: s.components, evidence: s.evidence })),
  });
  const [row] = await sql(db)<{ signals_changed: number; scores_changed: number }>`
    WITH doc AS (SELECT ${doc}::jsonb AS j),
    sig AS (SELECT s.* FROM doc, jsonb_to_recordset(doc.j->'signals') AS s(key text, value float8, status text, thresholds jsonb, details jsonb, evidence jsonb)),
    prev_sig AS (SELECT signal_key, value, status::text AS status FROM kag_signals WHERE project_id = ${projectId}::uuid),
    up_sig AS (
      INSERT INTO kag_signals (project_id, signal_key, value, status, thresholds, details, evidence, computed_at)
      SELECT ${projectId}::uuid, key, value, status::"SignalStatus", thresholds, details, evidence, ${st.now} FROM sig
      ON CONFLICT (project_id, signal_key) DO UPDATE SET value = EXCLUDED.value, status = EXCLUDED.status, thresholds = EXCLUDED.thresholds,
        details = EXCLUDED.details, evidence = EXCLUDED.evidence, computed_at = EXCLUDED.computed_at
      RETURNING 1),
    hist_sig AS (
      INSERT INTO kag_signal_history (project_id, signal_key, value, status, computed_at)
      SELECT ${projectId}::uuid, s.key, s.value, s.status::"SignalStatus", ${st.now} FROM sig s LEFT JOIN prev_sig p ON p.signal_key = s.key
      WHERE p.signal_key IS NULL OR p.value IS DISTINCT FROM s.value OR p.status IS DISTINCT FROM s.status
      RETURNING 1),
    sc AS (SELECT s.* FROM doc, jsonb_to_recordset(doc.j->'scores') AS s(type text, score float8, level text, components jsonb, evidence jsonb)),
    prev_sc AS (SELECT score_type, score, level::text AS level FROM kag_scores WHERE project_id = ${projectId}::uuid),
    up_sc AS (
      INSERT INTO kag_scores (project_id, score_type, score, level, components, evidence, computed_at)
      SELECT ${projectId}::uuid, type, score, level::"RiskLevel", components, evidence, ${st.now} FROM sc
      ON CONFLICT (project_id, score_type) DO UPDATE SET score = EXCLUDED.score, level = EXCLUDED.level, components = EXCLUDED.components,
        evidence = EXCLUDED.evidence, computed_at = EXCLUDED.computed_at
      RETURNING 1),
    hist_sc AS (
      INSERT INTO kag_score_history (project_id, score_type, score, level, components, computed_at)
      SELECT ${projectId}::uuid, s.type, s.score, s.level::"RiskLevel", s.components, ${st.now} FROM sc s LEFT JOIN prev_sc p ON p.score_type = s.type
      WHERE p.score_type IS NULL OR p.score IS DISTINCT FROM s.score OR p.level IS DISTINCT FROM s.level
      RETURNING 1)
    SELECT (SELECT count(*) FROM hist_sig)::int AS signals_changed, (SELECT count(*) FROM hist_sc)::int AS scores_changed,
      (SELECT count(*) FROM up_sig)::int + (SELECT count(*) FROM up_sc)::int AS written`;
  return { signalsChanged: row!.signals_changed, scoresChanged: row!.scores_changed };
}

/** Latest forecast per risk type, in one statement. A forecast of risk with no evidence is kept for audit but not published. */
export async function storeForecasts(db: Db, projectId: string, st: ProjectState): Promise<{ unpublishable: RiskType[] }> {
  const rows = Object.values(st.forecasts).map((f) => ({
    riskType: f.riskType, p7: f.p7, p14: f.p14, p30: f.p30, ttr: f.expectedTimeToRiskDays, confidence: f.confidence,
    drivers: f.topDrivers, cases: f.similarCases, evidence: f.evidence, publishable: f.evidence.length > 0 || f.p30 === 0,
  }));
  await sql(db)`
    INSERT INTO kag_risk_forecasts (project_id, risk_type, probability_7d, probability_14d, probability_30d, expected_time_to_risk_days, confidence, top_drivers, similar_cases, evidence_refs, publishable, computed_at)
    SELECT ${projectId}::uuid, f."riskType", f.p7, f.p14, f.p30, f.ttr, f.confidence, f.drivers, f.cases, f.evidence, f.publishable, ${st.now}
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS f("riskType" text, p7 float8, p14 float8, p30 float8, ttr float8, confidence float8, drivers jsonb, cases jsonb, evidence jsonb, publishable bool)
    ON CONFLICT (project_id, risk_type) DO UPDATE SET probability_7d = EXCLUDED.probability_7d, probability_14d = EXCLUDED.probability_14d, probability_30d = EXCLUDED.probability_30d,
      expected_time_to_risk_days = EXCLUDED.expected_time_to_risk_days, confidence = EXCLUDED.confidence, top_drivers = EXCLUDED.top_drivers, similar_cases = EXCLUDED.similar_cases,
      evidence_refs = EXCLUDED.evidence_refs, publishable = EXCLUDED.publishable, computed_at = EXCLUDED.computed_at`;
  return { unpublishable: rows.filter((r) => !r.publishable).map((r) => r.riskType) };
}
