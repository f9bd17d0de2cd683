import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
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
  const forecasts = Object.fromEntries(RISK_TYPES.map((t) => [t, forecastRisk(t, signals, scores, similar)])) as Record<RiskType, Forecast>;
  return { now, facts, signals, signalList, scores, forecasts };
}

/** The same state with forecasts that also weigh what happened to similar past cases. */
export function withSimilarCases(st: ProjectState, similar: SimilarCase[]): ProjectState {
  const forecasts = Object.fromEntries(RISK_TYPES.map((t) => [t, forecastRisk(t, st.signals, st.scores, similar)])) as Record<RiskType, Forecast>;
  return { ...st, forecasts };
}

const json = (v: unknown) => v as Prisma.InputJsonValue;

/** Current signals and scores; a history row only when a value or status changed (re-runs add nothing). */
export async function storeSignalsAndScores(db: Db, projectId: string, st: ProjectState): Promise<{ signalsChanged: number; scoresChanged: number }> {
  let signalsChanged = 0;
  let scoresChanged = 0;
  await db.$transaction(async (tx) => {
    const prevSignals = new Map((await tx.kagSignal.findMany({ where: { projectId } })).map((s) => [s.signalKey, s]));
    for (const s of st.signalList) {
      const prev = prevSignals.get(s.key);
      const data = { value: s.value, status: s.status, thresholds: json(s.thresholds), details: json(s.details), evidence: json(s.evidence), computedAt: st.now };
      await tx.kagSignal.upsert({ where: { projectId_signalKey: { projectId, signalKey: s.key } }, create: { projectId, signalKey: s.key, ...data }, update: data });
      if (!prev || prev.value !== s.value || prev.status !== s.status) {
        signalsChanged++;
        await tx.kagSignalHistory.create({ data: { projectId, signalKey: s.key, value: s.value, status: s.status, computedAt: st.now } });
      }
    }
    const prevScores = new Map((await tx.kagScore.findMany({ where: { projectId } })).map((s) => [s.scoreType, s]));
    for (const s of Object.values(st.scores)) {
      const prev = prevScores.get(s.type);
      const data = { score: s.score, level: s.level, components: json(s.components), evidence: json(s.evidence), computedAt: st.now };
      await tx.kagScore.upsert({ where: { projectId_scoreType: { projectId, scoreType: s.type } }, create: { projectId, scoreType: s.type, ...data }, update: data });
      if (!prev || prev.score !== s.score || prev.level !== s.level) {
        scoresChanged++;
        await tx.kagScoreHistory.create({ data: { projectId, scoreType: s.type, score: s.score, level: s.level, components: json(s.components), computedAt: st.now } });
      }
    }
  });
  return { signalsChanged, scoresChanged };
}

/** Latest forecast per risk type. A forecast of risk with no evidence is kept for audit but not published. */
export async function storeForecasts(db: Db, projectId: string, st: ProjectState): Promise<{ unpublishable: RiskType[] }> {
  const unpublishable: RiskType[] = [];
  for (const f of Object.values(st.forecasts)) {
    const publishable = f.evidence.length > 0 || f.p30 === 0;
    if (!publishable) unpublishable.push(f.riskType);
    const data = {
      probability7d: f.p7, probability14d: f.p14, probability30d: f.p30, expectedTimeToRiskDays: f.expectedTimeToRiskDays, confidence: f.confidence,
      topDrivers: json(f.topDrivers), similarCases: json(f.similarCases), evidenceRefs: json(f.evidence), publishable, computedAt: st.now,
    };
    await db.kagRiskForecast.upsert({ where: { projectId_riskType: { projectId, riskType: f.riskType } }, create: { projectId, riskType: f.riskType, ...data }, update: data });
  }
  return { unpublishable };
}
