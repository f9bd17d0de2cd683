import { dedupeRefs, type EvidenceRef } from "../events/event-log.ts";
import type { Signal, SignalKey } from "./signals.ts";

// The four scores of SPEC §5. Every score keeps its components: the value (0..100), the weight, the
// contribution to the score, the signal it came from and that signal's evidence — so the UI can say
// why a score is what it is, and what moved it since yesterday.

export type ScoreType = "health" | "risk" | "client_value" | "upsell";
export type Level = "low" | "medium" | "high" | "critical";
export type Component = { key: string; value: number; weight: number; contribution: number; source: string; evidence: EvidenceRef[] };
export type Score = { type: ScoreType; score: number; level: Level; components: Component[]; evidence: EvidenceRef[] };

const clamp = (v: number, lo = 0, hi = 100) => Math.min(hi, Math.max(lo, v));
const r2 = (v: number) => Math.round(v * 100) / 100;

/** Signal → 0..100 component (higher = worse), SPEC §5. */
const COMPONENT: Record<SignalKey, (v: number) => number> = {
  waiting_on_client_days: (d) => (d / 6) * 100,
  response_time_avg: (m) => (m / 720) * 100,
  blockers_age: (d) => (d / 7) * 100,
  stage_overdue: (d) => (d / 5) * 100,
  agreement_overdue_count: (n) => 40 * n,
  sentiment_trend: (t) => (t < 0 ? Math.abs(t) * 300 : 0),
  scope_creep_rate: (r) => r * 250,
  budget_burn_rate: (b) => (b > 1 ? (b - 1) * 500 : 0),
  margin_risk: (m) => m * 100,
  activity_drop: (a) => a * 100,
};
const NAMES: Record<SignalKey, string> = {
  waiting_on_client_days: "waiting", response_time_avg: "response", blockers_age: "blockers", stage_overdue: "stage", agreement_overdue_count: "agreement",
  sentiment_trend: "sentiment", scope_creep_rate: "scope", budget_burn_rate: "budget", margin_risk: "margin", activity_drop: "activity",
};

const HEALTH_W: Partial<Record<SignalKey, number>> = {
  waiting_on_client_days: 0.1, response_time_avg: 0.08, blockers_age: 0.15, stage_overdue: 0.15, agreement_overdue_count: 0.1,
  sentiment_trend: 0.08, scope_creep_rate: 0.1, budget_burn_rate: 0.1, margin_risk: 0.08, activity_drop: 0.06,
};
const RISK_W: Partial<Record<SignalKey, number>> = {
  blockers_age: 0.18, stage_overdue: 0.18, budget_burn_rate: 0.16, margin_risk: 0.16, scope_creep_rate: 0.1,
  agreement_overdue_count: 0.08, waiting_on_client_days: 0.06, response_time_avg: 0.04, sentiment_trend: 0.02, activity_drop: 0.02,
};

/**
 * One scale of concern for health and risk, so the two never contradict each other on one screen
 * (SPEC §5 gave them different cut-offs: risk 41 was "low" next to health 53 "high concern").
 * Concern = risk, or 100 − health: ≥ 60 critical, ≥ 40 high, ≥ 25 medium. Health keeps its SPEC
 * cut-offs (< 40, < 60, < 75); risk's move down to match them.
 */
export const CONCERN_LEVELS = { critical: 60, high: 40, medium: 25 } as const;
const concernLevel = (c: number): Level => (c >= CONCERN_LEVELS.critical ? "critical" : c >= CONCERN_LEVELS.high ? "high" : c >= CONCERN_LEVELS.medium ? "medium" : "low");

export function levelOf(type: ScoreType, s: number): Level {
  switch (type) {
    case "health": return concernLevel(100 - s);
    case "risk": return concernLevel(s);
    case "client_value": return s < 25 ? "critical" : s >= 80 ? "high" : s >= 60 ? "medium" : "low";
    case "upsell": return s >= 80 ? "critical" : s >= 65 ? "high" : s >= 40 ? "medium" : "low";
  }
}

function weighted(type: ScoreType, parts: Omit<Component, "contribution">[], invert: boolean): Score {
  const wsum = parts.reduce((a, p) => a + p.weight, 0);
  const components = parts.map((p) => ({ ...p, value: r2(p.value), contribution: r2((p.value * p.weight) / wsum) }));
  const wa = components.reduce((a, c) => a + (c.value * c.weight) / wsum, 0);
  const score = r2(clamp(invert ? 100 - wa : wa));
  const evidence = dedupeRefs(components.filter((c) => c.value > 0).flatMap((c) => c.evidence)).slice(0, 60);
  return { type, score, level: levelOf(type, score), components, evidence };
}

function fromSignals(signals: Record<SignalKey, Signal>, weights: Partial<Record<SignalKey, number>>) {
  return (Object.entries(weights) as [SignalKey, number][]).map(([k, w]) => ({
    key: NAMES[k], value: clamp(COMPONENT[k](signals[k]?.value ?? 0)), weight: w, source: `signal:${k}`, evidence: signals[k]?.evidence ?? [],
  }));
}


export type ScoreInputs = { signals: Record<SignalKey, Signal>; revenue: number; sentimentEwma: number | null; needs7d: number; scopeRequests7d: number; needEvidence: EvidenceRef[]; revenueEvidence: EvidenceRef[] };

export function computeScores(x: ScoreInputs): Record<ScoreType, Score> {
  const health = weighted("health", fromSignals(x.signals, HEALTH_W), true);
  const risk = weighted("risk", fromSignals(x.signals, RISK_W), false);
  const margin = clamp(COMPONENT.margin_risk(x.signals.margin_risk?.value ?? 0));
  const activity = clamp(COMPONENT.activity_drop(x.signals.activity_drop?.value ?? 0));
  const clientValue = weighted("client_value", [
    { key: "revenue", value: clamp((x.revenue / 100_000) * 100), weight: 0.3, source: "attio:deals", evidence: x.revenueEvidence },
    { key: "margin", value: 100 - margin, weight: 0.25, source: "signal:margin_risk", evidence: x.signals.margin_risk?.evidence ?? [] },
    { key: "engagement", value: 100 - activity, weight: 0.2, source: "signal:activity_drop", evidence: [] },
    { key: "sentiment", value: ((x.sentimentEwma ?? 0) + 1) * 50, weight: 0.1, source: "signal:sentiment_trend", evidence: x.signals.sentiment_trend?.evidence ?? [] },
    { key: "stability", value: health.score, weight: 0.15, source: "score:health", evidence: [] },
  ], false);
  const upsell = weighted("upsell", [
    { key: "client_value", value: clientValue.score, weight: 0.4, source: "score:client_value", evidence: x.revenueEvidence },
    { key: "need", value: clamp(35 * x.needs7d + 12 * x.scopeRequests7d), weight: 0.35, source: "messages:new_need", evidence: x.needEvidence },
    { key: "commercial_stability", value: 0.6 * (100 - risk.score) + 0.4 * health.score, weight: 0.25, source: "scores:risk,health", evidence: [] },
  ], false);
  return { health, risk, client_value: clientValue, upsell };
}
