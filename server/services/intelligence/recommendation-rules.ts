import { dedupeRefs, type EvidenceRef } from "../events/event-log.ts";
import type { Forecast, RiskType } from "./forecast.ts";
import type { Score, ScoreType } from "./scores.ts";
import { HEALTHY_MARGIN, type Signal, type SignalKey } from "./signals.ts";

// Which recommendations fire, how urgent they are and what they say (SPEC §9, v2) — deterministic.
// The rules combine the reference's v1 triggers (what a PM can see) with v2's forecast triggers
// (what is coming), so both the obvious case and the early warning produce an action.

export type Category = "waiting_on_client" | "scope_creep_change_request" | "delivery_risk" | "finance_risk" | "upsell_opportunity" | "winback";
export type Draft = {
  category: Category; priority: 4 | 5; dueInDays: number; ownerRole: "pm" | "finance_lead" | "account_manager";
  title: string; rationale: string; whyNow: string; expectedImpact: string; template: string;
  evidence: EvidenceRef[]; signalSnapshot: Record<string, number>; forecastSnapshot: Record<string, number>;
};
export type RuleInputs = {
  signals: Record<SignalKey, Signal>; scores: Record<ScoreType, Score>; forecasts: Record<RiskType, Forecast>;
  needs7d: number; needEvidence: EvidenceRef[]; clientName: string;
  /** How many similar past cases ended in client risk (for winback; never their names or text). */
  similarClientRiskCases: number;
};

const pct = (p: number) => `${Math.round(p * 100)}%`;
const days = (d: number) => `${Math.round(d * 10) / 10} days`;

export function draftRecommendations(x: RuleInputs): Draft[] {
  const s = (k: SignalKey) => x.signals[k]?.value ?? 0;
  const det = <T>(k: SignalKey) => (x.signals[k]?.details ?? {}) as T;
  const ev = (...keys: SignalKey[]) => dedupeRefs(keys.flatMap((k) => x.signals[k]?.evidence ?? [])).slice(0, 20);
  const f = x.forecasts;
  const out: Draft[] = [];

  const waiting = s("waiting_on_client_days");
  const approval = det<{ approvalPending?: boolean }>("waiting_on_client_days").approvalPending ?? false;
  if (waiting >= 2 || f.client_risk.p7 >= 0.45) {
    out.push({
      category: "waiting_on_client", priority: f.client_risk.p7 > 0.65 || waiting >= 4 || approval ? 5 : 4, dueInDays: 1, ownerRole: "pm",
      title: approval ? `Chase ${x.clientName} for the pending approval` : `Follow up with ${x.clientName}: no reply for ${days(waiting)}`,
      rationale: `${x.clientName} has not answered the team for ${days(waiting)}${approval ? " and an approval request is still open" : ""}. Work waiting on the client stalls delivery and hides dissatisfaction.`,
      whyNow: `Client risk within 7 days: ${pct(f.client_risk.p7)}; waiting ${days(waiting)} (warn at 2, critical at 4).`,
      expectedImpact: "A reply or a decision within a day unblocks the waiting work and lowers client risk.",
      template: "waiting_on_client_follow_up", evidence: ev("waiting_on_client_days"),
      signalSnapshot: { waiting_on_client_days: waiting, approval_pending: approval ? 1 : 0 }, forecastSnapshot: { client_p7: f.client_risk.p7 },
    });
  }

  const rate = s("scope_creep_rate");
  const requests = det<{ scopeRequests7d?: number }>("scope_creep_rate").scopeRequests7d ?? 0;
  if (rate >= 0.2 || requests >= 2 || f.scope_risk.p14 >= 0.5) {
    out.push({
      category: "scope_creep_change_request", priority: f.scope_risk.p7 > 0.6 || rate >= 0.35 || requests >= 3 ? 5 : 4, dueInDays: 2, ownerRole: "pm",
      title: `Raise a change request with ${x.clientName} (${requests} out-of-scope request${requests === 1 ? "" : "s"} this week)`,
      rationale: `${requests} request${requests === 1 ? "" : "s"} in the last 7 days fall outside the agreed scope (${pct(rate)} of the client's messages). Absorbing them silently erodes margin and the timeline.`,
      whyNow: `Scope risk within 14 days: ${pct(f.scope_risk.p14)}.`,
      expectedImpact: "Agreeing scope, price and dates for the extra work protects margin and delivery dates.",
      template: "scope_creep_change_request", evidence: ev("scope_creep_rate"),
      signalSnapshot: { scope_creep_rate: rate, scope_requests_7d: requests }, forecastSnapshot: { scope_p14: f.scope_risk.p14 },
    });
  }

  const bAge = s("blockers_age");
  const bd = det<{ openBlockers?: number; olderThan5Days?: number }>("blockers_age");
  const blockersBranch = (bd.openBlockers ?? 0) > 3 && bAge > 5;
  const stageOverdue = s("stage_overdue");
  if (blockersBranch || stageOverdue > 1 || f.delivery_risk.p7 >= 0.45) {
    out.push({
      category: "delivery_risk", priority: f.delivery_risk.p7 >= 0.7 || blockersBranch ? 5 : 4, dueInDays: 1, ownerRole: "pm",
      title: blockersBranch ? `Escalate ${bd.openBlockers} blocked issues (blocked ${days(bAge)} on average)` : `Re-plan the overdue stage (${days(stageOverdue)} late)`,
      rationale: `${bd.openBlockers ?? 0} issues are blocked, on average for ${days(bAge)}${stageOverdue > 0 ? `; the current stage is ${days(stageOverdue)} past its date` : ""}. Blockers this old rarely clear on their own.`,
      whyNow: `Delivery risk within 7 days: ${pct(f.delivery_risk.p7)}; expected in ${days(f.delivery_risk.expectedTimeToRiskDays)}.`,
      expectedImpact: "Clearing or re-planning around the blockers keeps the stage date or resets it honestly with the client.",
      template: "delivery_risk_escalation", evidence: ev("blockers_age", "stage_overdue"),
      signalSnapshot: { blockers_age: bAge, open_blockers: bd.openBlockers ?? 0, stage_overdue: stageOverdue }, forecastSnapshot: { delivery_p7: f.delivery_risk.p7 },
    });
  }

  const burn = s("budget_burn_rate");
  const margin = s("margin_risk");
  const marginPct = det<{ marginPct?: number | null }>("margin_risk").marginPct ?? null;
  if (burn >= 1.1 || margin >= 0.25 || f.finance_risk.p7 >= 0.45) {
    out.push({
      category: "finance_risk", priority: f.finance_risk.p7 >= 0.7 || burn >= 1.2 || margin >= 0.4 ? 5 : 4, dueInDays: 2, ownerRole: "finance_lead",
      title: `Review the budget: cost is at ${pct(burn)} of plan`,
      rationale: `Cost to date is ${pct(burn)} of the planned budget${marginPct === null ? "" : `; the margin is ${pct(marginPct)} (healthy is ${pct(HEALTHY_MARGIN)} or more)`}. Every further week at this burn deepens the loss.`,
      whyNow: `Finance risk within 14 days: ${pct(f.finance_risk.p14)}.`,
      expectedImpact: "A re-estimate and a conversation about budget or scope now limits the overrun.",
      template: "finance_risk_review", evidence: ev("budget_burn_rate", "margin_risk"),
      signalSnapshot: { budget_burn_rate: burn, margin_risk: margin }, forecastSnapshot: { finance_p14: f.finance_risk.p14 },
    });
  }

  const upsell = x.scores.upsell.score;
  if (f.client_risk.p30 < 0.75 && (upsell >= 65 || (x.needs7d > 0 && upsell >= 50))) {
    out.push({
      category: "upsell_opportunity", priority: upsell >= 80 ? 5 : 4, dueInDays: 3, ownerRole: "account_manager",
      title: `Offer ${x.clientName} the extra work they asked about`,
      rationale: `${x.clientName} mentioned a new need ${x.needs7d} time${x.needs7d === 1 ? "" : "s"} this week; upsell likelihood is ${Math.round(upsell)}/100 and the relationship is stable.`,
      whyNow: `Client risk within 30 days is low (${pct(f.client_risk.p30)}): a good moment to propose.`,
      expectedImpact: "A concrete proposal while the need is fresh turns it into revenue.",
      template: "upsell_offer_pitch", evidence: dedupeRefs([...x.needEvidence, ...x.scores.upsell.evidence]).slice(0, 20),
      signalSnapshot: { upsell_score: upsell, needs_7d: x.needs7d }, forecastSnapshot: { client_p30: f.client_risk.p30 },
    });
  }

  if (x.similarClientRiskCases > 0 && f.client_risk.p14 >= 0.65) {
    const n = x.similarClientRiskCases;
    out.push({
      category: "winback", priority: 5, dueInDays: 1, ownerRole: "account_manager",
      title: `Act before ${x.clientName} drifts away, as similar clients did`,
      rationale: `${n} similar past project${n === 1 ? "" : "s"} in your workspace ended in client risk after a comparable stretch; ${x.clientName} shows the same pattern now.`,
      whyNow: `Client risk within 14 days: ${pct(f.client_risk.p14)}.`,
      expectedImpact: "A senior check-in now is cheaper than winning the client back later.",
      template: "winback_check_in", evidence: ev("waiting_on_client_days", "sentiment_trend"),
      signalSnapshot: { waiting_on_client_days: waiting, similar_client_risk_cases: n }, forecastSnapshot: { client_p14: f.client_risk.p14 },
    });
  }
  return out;
}

// Evidence gate (SPEC §9): enough refs, from enough kinds of source, including a primary one.
export const GATE = { minCount: 2, minQuality: 0.35, primary: ["message", "issue", "deal"] as string[] };

export function evidenceGate(refs: EvidenceRef[]): { status: "visible" | "hidden"; reason: string; quality: number; count: number } {
  const n = refs.length;
  const sources = new Set(refs.map((r) => r.kind)).size;
  const primary = refs.some((r) => GATE.primary.includes(r.kind));
  const c = (v: number) => Math.min(1, Math.max(0, v));
  const quality = Math.round((0.5 * c(n / (2 * GATE.minCount)) + 0.35 * c(sources / 3) + 0.15 * (primary ? 1 : 0)) * 10_000) / 10_000;
  if (n < GATE.minCount) return { status: "hidden", reason: `insufficient_evidence_count_${n}_lt_${GATE.minCount}`, quality, count: n };
  if (!primary) return { status: "hidden", reason: "missing_primary_source", quality, count: n };
  if (quality < GATE.minQuality) return { status: "hidden", reason: `low_evidence_quality_${quality}_lt_${GATE.minQuality}`, quality, count: n };
  return { status: "visible", reason: "visible", quality, count: n };
}
