import { dedupeRefs, type EvidenceRef } from "../events/event-log.ts";
import type { Signal, SignalKey } from "./signals.ts";

// Risk forecasts (SPEC §8): probability of a delivery / finance / client / scope risk within 7, 14
// and 30 days, from the normalised signals and what happened to similar past cases.
// Unlike the reference, each risk type cites the evidence of its own drivers, an empty project gets
// no risk, and confidence grows with evidence and with agreeing similar cases, not with their count.

export type RiskType = "delivery_risk" | "finance_risk" | "client_risk" | "scope_risk";
export const RISK_TYPES: RiskType[] = ["delivery_risk", "finance_risk", "client_risk", "scope_risk"];
export type SimilarCase = { projectId: string; projectName: string; similarity: number; outcomes: { outcomeType: string; severity: number }[] };
export type Forecast = {
  riskType: RiskType; p7: number; p14: number; p30: number; expectedTimeToRiskDays: number; confidence: number;
  topDrivers: { key: string; contribution: number }[]; similarCases: { projectId: string; projectName: string; similarity: number }[]; evidence: EvidenceRef[];
};

const clamp = (v: number, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, v));
const r4 = (v: number) => Math.round(v * 10_000) / 10_000;

type Norm = Record<"waiting" | "response" | "blockers" | "stage" | "scope" | "burn" | "margin" | "sentiment" | "activity", number>;

export function normalise(signals: Record<SignalKey, Signal>): Norm {
  const v = (k: SignalKey) => signals[k]?.value ?? 0;
  const s = v("sentiment_trend");
  return {
    waiting: clamp(v("waiting_on_client_days") / 6), response: clamp(v("response_time_avg") / 720), blockers: clamp(v("blockers_age") / 7),
    stage: clamp(v("stage_overdue") / 5), scope: clamp(v("scope_creep_rate") / 0.5), burn: clamp((v("budget_burn_rate") - 1) / 0.5),
    margin: clamp(v("margin_risk")), sentiment: s < 0 ? clamp(Math.abs(s) / 0.4) : 0, activity: clamp(v("activity_drop")),
  };
}

// SPEC §8's weights without its R term (the overall risk score): R is computed from these very
// signals, so it counted them twice and showed up as a "driver" of itself. The other weights stay as
// SPEC gives them (the floors below carry a risk whose signals are critical).
const WEIGHTS: Record<RiskType, Partial<Record<keyof Norm, number>>> = {
  delivery_risk: { blockers: 0.32, stage: 0.28, response: 0.12, activity: 0.1 },
  finance_risk: { burn: 0.4, margin: 0.35 },
  client_risk: { waiting: 0.32, sentiment: 0.24, response: 0.12, activity: 0.12 },
  scope_risk: { scope: 0.48, stage: 0.18, waiting: 0.14 },
};
const DRIVER_SIGNALS: Record<keyof Norm, SignalKey[]> = {
  waiting: ["waiting_on_client_days"], response: ["response_time_avg"], blockers: ["blockers_age"], stage: ["stage_overdue"], scope: ["scope_creep_rate"],
  burn: ["budget_burn_rate"], margin: ["margin_risk"], sentiment: ["sentiment_trend"], activity: ["activity_drop"],
};

function floor(type: RiskType, signals: Record<SignalKey, Signal>): number {
  const v = (k: SignalKey) => signals[k]?.value ?? 0;
  const openBlockers = Number((signals.blockers_age?.details as { openBlockers?: number } | undefined)?.openBlockers ?? 0);
  switch (type) {
    case "client_risk": return Math.max(v("waiting_on_client_days") >= 4 ? 0.62 : 0, v("sentiment_trend") <= -0.25 ? 0.55 : 0);
    case "delivery_risk": return Math.max(v("blockers_age") >= 5 && openBlockers >= 3 ? 0.62 : 0, v("stage_overdue") >= 3 ? 0.58 : 0);
    case "finance_risk": return v("budget_burn_rate") >= 1.2 || v("margin_risk") >= 0.4 ? 0.62 : 0;
    case "scope_risk": return v("scope_creep_rate") >= 0.35 ? 0.6 : 0;
  }
}

/**
 * S_type: similarity-weighted severity of the same risk among similar cases. Unlike the reference,
 * the weights are normalised over *all* similar cases, not only those that saw the risk (one weakly
 * similar project with an incident must not count as if every similar project had it), and the
 * score is shrunk by how similar the cases really are: below .3 similarity a "similar" case says
 * nothing, from .8 it counts fully. (In a small workspace every other project is a neighbour.)
 */
export function similarCaseScore(type: RiskType, cases: SimilarCase[]): number {
  let num = 0;
  let den = 0;
  for (const c of cases) {
    den += c.similarity;
    const same = c.outcomes.filter((o) => o.outcomeType === type);
    if (same.length) num += c.similarity * (same.reduce((a, o) => a + o.severity, 0) / same.length / 5);
  }
  if (den === 0) return 0;
  const meanSimilarity = den / cases.length;
  return (num / den) * clamp((meanSimilarity - 0.3) / 0.5);
}

/**
 * How much of SPEC §8's horizon growth applies: risk grows over 14 and 30 days where something is
 * pushing it (full growth from a baseline of .3), not out of nothing — otherwise every quiet project
 * shows ~30-45% of every risk at 30 days and forecasts stop telling projects apart.
 */
const pressure = (base: number, S: number) => clamp(Math.max(base, S) / 0.3);

export function forecastRisk(type: RiskType, signals: Record<SignalKey, Signal>, cases: SimilarCase[]): Forecast {
  const n = normalise(signals);
  const w = WEIGHTS[type];
  const contributions = (Object.entries(w) as [keyof Norm, number][]).map(([k, weight]) => ({ key: k as string, norm: k, contribution: weight * n[k] }));
  const base = Math.max(contributions.reduce((a, c) => a + c.contribution, 0), floor(type, signals));
  const S = similarCaseScore(type, cases);
  const g = pressure(base, S);
  const p7 = clamp(0.75 * base + 0.25 * S);
  const p14 = p7 + (0.12 + 0.18 * S) * g * (1 - p7);
  const p30 = p14 + (0.18 + 0.22 * S) * g * (1 - p14);
  // Drivers are what moved the 7-day probability, in its own units: signals (never the risk score
  // that is built from them) and, when they weigh in, the similar cases.
  const drivers = [
    ...contributions.map((c) => ({ key: c.key, norm: c.norm as keyof Norm | null, contribution: r4(0.75 * c.contribution) })),
    { key: "similar_cases", norm: null, contribution: r4(0.25 * S) },
  ].filter((c) => c.contribution > 0).sort((a, b) => b.contribution - a.contribution).slice(0, 4);
  const driverEvidence = (norm: keyof Norm | null) => (norm === null ? [] : DRIVER_SIGNALS[norm].flatMap((k) => signals[k]?.evidence ?? []));
  const evidence = dedupeRefs(drivers.flatMap((d) => driverEvidence(d.norm))).slice(0, 40);
  const agreeing = cases.filter((c) => c.outcomes.some((o) => o.outcomeType === type)).length;
  const confidence = clamp(0.35 + Math.min(0.3, 0.06 * agreeing) + Math.min(0.35, 0.035 * evidence.length));
  return {
    riskType: type,
    p7: r4(p7), p14: r4(p14), p30: r4(p30),
    expectedTimeToRiskDays: p30 < 0.05 ? 60 : r4(clamp((1 - p30) * 40 + 2, 2, 60)),
    confidence: r4(confidence),
    topDrivers: drivers.map((d) => ({ key: d.key, contribution: d.contribution })),
    similarCases: [...cases].sort((a, b) => b.similarity - a.similarity).slice(0, 3).map((c) => ({ projectId: c.projectId, projectName: c.projectName, similarity: r4(c.similarity) })),
    evidence,
  };
}
