// Words for the keys the pipeline stores: signals, score components, forecast drivers, risk types,
// recommendation categories and event types. One place, so every page says the same thing.
import { formatMinutes } from "./format.ts";

export const SIGNAL_LABELS: Record<string, { label: string; unit: string; format?: (v: number) => string }> = {
  waiting_on_client_days: { label: "Waiting on client", unit: "days" },
  response_time_avg: { label: "Typical first reply to the client (median)", unit: "", format: (v) => formatMinutes(v) },
  blockers_age: { label: "Age of open blockers", unit: "days" },
  stage_overdue: { label: "Stage overdue", unit: "days" },
  agreement_overdue_count: { label: "Overdue commitments", unit: "" },
  sentiment_trend: { label: "Client sentiment trend", unit: "" },
  scope_creep_rate: { label: "Scope requests per client message (7 d)", unit: "", format: (v) => `${Math.round(v * 100)}%` },
  budget_burn_rate: { label: "Budget burn (cost ÷ plan)", unit: "", format: (v) => `${Math.round(v * 100)}%` },
  margin_risk: { label: "Margin risk", unit: "", format: (v) => `${Math.round(v * 100)}%` },
  activity_drop: { label: "Activity drop (week over week)", unit: "", format: (v) => `${Math.round(v * 100)}%` },
};

export function signalValue(key: string, v: number): string {
  const s = SIGNAL_LABELS[key];
  if (s?.format) return s.format(v);
  const rounded = Math.abs(v) >= 10 ? Math.round(v).toString() : (Math.round(v * 100) / 100).toString();
  return s?.unit ? `${rounded} ${s.unit}` : rounded;
}

/** Score components and forecast drivers share these keys (SPEC §5, §8). */
export const COMPONENT_LABELS: Record<string, string> = {
  waiting: "waiting on client", response: "response time", blockers: "aging blockers", stage: "overdue stage", agreement: "overdue commitments",
  sentiment: "client sentiment", scope: "scope creep", budget: "budget burn", burn: "budget burn", margin: "margin", activity: "activity drop",
  revenue: "revenue", engagement: "engagement", stability: "stability", client_value: "client value", need: "expressed needs",
  commercial_stability: "commercial stability", similar_cases: "similar cases",
};
export const componentLabel = (key: string) => COMPONENT_LABELS[key] ?? key.replace(/_/g, " ");

export const RISK_LABELS: Record<string, string> = { delivery_risk: "Delivery", finance_risk: "Finance", client_risk: "Client", scope_risk: "Scope" };
export const SCORE_LABELS: Record<string, string> = { health: "Health", risk: "Risk", client_value: "Client value", upsell: "Upsell likelihood" };

export const CATEGORY_LABELS: Record<string, string> = {
  waiting_on_client: "Waiting on client", scope_creep_change_request: "Scope creep → change request", delivery_risk: "Delivery risk",
  finance_risk: "Finance risk", upsell_opportunity: "Upsell opportunity", winback: "Win-back",
};

export const pct = (p: number) => `${Math.round(p * 100)}%`;

/** A score's level in words: "high concern" (health), "high risk", "very likely" (upsell), "very low" (client value). */
export const levelLabel = (type: string, level: string) =>
  type === "health" ? `${level} concern` : type === "risk" ? `${level} risk` : type === "upsell" ? (level === "critical" ? "very likely" : level) : level === "critical" ? "very low" : level;

/** Text colour of a score's level (SPEC §5). Health and risk: higher level, worse. A "high" client
 * value is good news and a "critical" one means very low value; a "critical" upsell likelihood means an
 * opening is very likely. */
const LEVEL_STYLE: Record<string, Record<string, string>> = {
  default: { low: "text-emerald-700", medium: "text-amber-700", high: "text-orange-700", critical: "text-rose-700" },
  client_value: { high: "text-emerald-700", medium: "text-slate-700", low: "text-amber-700", critical: "text-rose-700" },
  upsell: { critical: "text-emerald-700", high: "text-emerald-700", medium: "text-slate-700", low: "text-slate-500" },
};
export const levelStyle = (scoreType: string, level: string) => (LEVEL_STYLE[scoreType] ?? LEVEL_STYLE.default!)[level] ?? "";

/** Domain event types as short phrases (shared patterns of similar cases, filters). */
export const EVENT_TYPE_LABELS: Record<string, string> = {
  message_received: "client wrote", message_sent: "team wrote", approval_requested: "approval asked", scope_change_requested: "extra scope asked",
  need_detected: "new need mentioned", client_silent_started: "client went quiet", follow_up_sent: "follow-up sent", reminder_due: "reminder",
  issue_created: "issue opened", issue_completed: "issue done", issue_blocked: "issue blocked", issue_unblocked: "issue unblocked", issue_deleted: "issue deleted",
  stage_overdue: "stage overdue", deal_stage_changed: "deal moved", deal_won: "deal won", deal_lost: "deal lost", finance_entry_recorded: "cost recorded", note_logged: "note logged", message_label_corrected: "label corrected",
};
export const eventTypeLabel = (t: string) => EVENT_TYPE_LABELS[t] ?? t.replace(/_/g, " ");

export const OUTCOME_LABELS: Record<string, string> = { delivery_risk: "Delivery slipped", finance_risk: "Budget overran", client_risk: "Client relationship at risk", scope_risk: "Scope grew out of control" };

/** What message understanding can say about a message, in words (and in the negative, for corrections). */
export const MESSAGE_LABELS: Record<string, { label: string; not: string; author: "client" | "team" }> = {
  scope_change: { label: "Scope request", not: "Not a scope request", author: "client" },
  new_need: { label: "New need", not: "Not a new need", author: "client" },
  approval_request: { label: "Approval request", not: "Not an approval request", author: "team" },
  expects_reply: { label: "Needs an answer", not: "Needs no answer", author: "team" },
};
export const DECIDED_BY: Record<string, string> = { local: "the local model", openai: "the language model", correction: "a person" };
