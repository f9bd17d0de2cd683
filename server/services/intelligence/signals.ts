import { dedupeRefs, type EvidenceRef } from "../events/event-log.ts";

// The ten signals of SPEC §4, as a pure function of a project's facts at `now` (loaded by facts.ts
// from the event log and the raw mirrors). Each signal carries its thresholds, the details behind the
// value, and the evidence (≤ 20 refs) a user can open.

export type SignalKey =
  | "waiting_on_client_days" | "response_time_avg" | "blockers_age" | "stage_overdue" | "agreement_overdue_count"
  | "sentiment_trend" | "scope_creep_rate" | "budget_burn_rate" | "margin_risk" | "activity_drop";

export type SignalStatus = "ok" | "warn" | "critical";
export type Signal = { key: SignalKey; value: number; status: SignalStatus; thresholds: { warn: number; crit: number; direction: "above" | "below" }; details: Record<string, unknown>; evidence: EvidenceRef[] };

export type Dated = { at: Date; ref: EvidenceRef };
export type ProjectFacts = {
  now: Date;
  /**
   * Conversation messages (not private), oldest first; `closed` when their conversation is resolved;
   * `expectsReply` and `tone` as message understanding reads them.
   */
  messages: (Dated & { actor: "client" | "team"; text: string; conversationId?: string; closed?: boolean; expectsReply?: boolean; tone?: number })[];
  /** Team messages asking the client to approve something. */
  approvalRequests: Dated[];
  scopeRequests: Dated[];
  needs: Dated[];
  /** Issues blocked right now, with when they became blocked. */
  openBlockers: (Dated & { issueId: string; title: string })[];
  /** Delivery stages (Linear projects) with their target date. */
  stages: { id: string; name: string; dueAt: Date | null; active: boolean; ref: EvidenceRef }[];
  /** Open issues past their due date: commitments made to the client and not kept. */
  overdueCommitments: (Dated & { issueId: string; title: string })[];
  finance: { plan: number | null; cost: number | null; revenue: number | null; refs: EvidenceRef[] };
  /** Domain events per day, index 0 = the 24 h before now. */
  activityByDay: number[];
};

export const THRESHOLDS: Record<SignalKey, { warn: number; crit: number; direction: "above" | "below" }> = {
  waiting_on_client_days: { warn: 2, crit: 4, direction: "above" },
  response_time_avg: { warn: 240, crit: 720, direction: "above" },
  blockers_age: { warn: 3, crit: 5, direction: "above" },
  stage_overdue: { warn: 1, crit: 3, direction: "above" },
  agreement_overdue_count: { warn: 1, crit: 2, direction: "above" },
  sentiment_trend: { warn: -0.15, crit: -0.3, direction: "below" },
  scope_creep_rate: { warn: 0.2, crit: 0.35, direction: "above" },
  budget_burn_rate: { warn: 1.1, crit: 1.2, direction: "above" },
  margin_risk: { warn: 0.25, crit: 0.4, direction: "above" },
  activity_drop: { warn: 0.3, crit: 0.5, direction: "above" },
};

const DAY = 86_400_000;
const MAX_EVIDENCE = 20;
/** The margin below which margin risk starts (SPEC §4: risk = (35% − margin) ÷ 35%). */
export const HEALTHY_MARGIN = 0.35;
const clamp = (v: number, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, v));
const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;
const newest = (refs: Dated[], n = MAX_EVIDENCE) => [...refs].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, n).map((r) => r.ref);

export function statusOf(key: SignalKey, value: number): SignalStatus {
  const t = THRESHOLDS[key];
  if (t.direction === "below") return value <= t.crit ? "critical" : value <= t.warn ? "warn" : "ok";
  return value >= t.crit ? "critical" : value >= t.warn ? "warn" : "ok";
}

/** The client's last message before a silence, marked as such: it dates the silence, it is not what is awaited. */
const lastWord = (m: Dated): EvidenceRef => ({ ...m.ref, snippet: `Client's last message before the silence: ${m.ref.snippet ?? ""}`.slice(0, 300) });

export function computeSignals(f: ProjectFacts): Signal[] {
  const now = f.now.getTime();
  const out: Signal[] = [];
  const push = (key: SignalKey, value: number, details: Record<string, unknown>, evidence: EvidenceRef[]) =>
    out.push({ key, value: round(value), status: statusOf(key, round(value)), thresholds: THRESHOLDS[key], details, evidence: dedupeRefs(evidence).slice(0, MAX_EVIDENCE) });

  const client = f.messages.filter((m) => m.actor === "client");
  const team = f.messages.filter((m) => m.actor === "team");
  const lastClient = client.at(-1);
  const lastTeam = team.at(-1);

  // waiting_on_client_days: the client has not answered since the team's first unanswered request.
  // (The reference counts from the team's *last* message, so every reminder the team sends restarts
  // the clock and hides the silence it is chasing; and it counts any message — a status update or
  // the closing note of a resolved conversation waits for nobody.)
  const unanswered = team.filter((m) => (!lastClient || m.at > lastClient.at) && !m.closed && m.expectsReply);
  const waitingSince = unanswered[0];
  const waiting = waitingSince ? (now - waitingSince.at.getTime()) / DAY : 0;
  const pendingApprovals = f.approvalRequests.filter((a) => !lastClient || a.at > lastClient.at);
  push("waiting_on_client_days", waiting, {
    waitingSince: waitingSince?.at.toISOString() ?? null, unansweredTeamMessages: unanswered.length,
    lastTeamMessageAt: lastTeam?.at.toISOString() ?? null, lastClientMessageAt: lastClient?.at.toISOString() ?? null,
    approvalPending: pendingApprovals.length > 0, pendingApprovals: pendingApprovals.length,
  }, waiting > 0 ? [...newest(pendingApprovals, 5), ...newest(unanswered, 5), ...(lastClient ? [lastWord(lastClient)] : [])] : []);

  // response_time_avg: how long the client typically waits for the team — minutes from the first of
  // the client's unanswered messages to the team's next message *in the same conversation*, one
  // sample per burst (an answer in another thread answers nothing; three quick client messages are
  // answered by one reply), summarised by the median as support tools report first-response time:
  // SPEC's mean let one weekend or one forgotten thread make every project "critical".
  const waitingSinceByConv = new Map<string, Date>();
  const waits: number[] = [];
  const slow: Dated[] = [];
  for (const m of f.messages) {
    const key = m.conversationId ?? "";
    const since = waitingSinceByConv.get(key);
    if (m.actor === "client") {
      if (!since) waitingSinceByConv.set(key, m.at);
    } else if (since) {
      const minutes = (m.at.getTime() - since.getTime()) / 60_000;
      waits.push(minutes);
      if (minutes >= THRESHOLDS.response_time_avg.warn) slow.push(m);
      waitingSinceByConv.delete(key);
    }
  }
  const sorted = [...waits].sort((a, b) => a - b);
  const median = sorted.length ? (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2 : 0;
  push("response_time_avg", median, {
    samples: waits.length, unanswered: waitingSinceByConv.size, meanMinutes: waits.length ? round(waits.reduce((a, b) => a + b, 0) / waits.length, 1) : null,
    slowest: sorted.length ? round(sorted.at(-1)!, 1) : null,
  }, newest(slow));

  // blockers_age: mean days the currently blocked issues have been blocked.
  const ages = f.openBlockers.map((b) => (now - b.at.getTime()) / DAY);
  push("blockers_age", ages.length ? ages.reduce((a, b) => a + b, 0) / ages.length : 0, {
    openBlockers: f.openBlockers.length, olderThan5Days: ages.filter((a) => a > 5).length,
    blockers: f.openBlockers.map((b, i) => ({ issueId: b.issueId, title: b.title, ageDays: round(ages[i]!, 2) })).slice(0, 20),
  }, newest(f.openBlockers));

  // stage_overdue: days past the due date of the most overdue active stage.
  const overdueStages = f.stages.filter((s) => s.active && s.dueAt && s.dueAt.getTime() < now).map((s) => ({ ...s, days: (now - s.dueAt!.getTime()) / DAY })).sort((a, b) => b.days - a.days);
  push("stage_overdue", overdueStages[0]?.days ?? 0, { overdueStages: overdueStages.map((s) => ({ id: s.id, name: s.name, dueAt: s.dueAt!.toISOString(), days: round(s.days, 2) })) }, overdueStages.map((s) => s.ref));

  push("agreement_overdue_count", f.overdueCommitments.length, { commitments: f.overdueCommitments.map((c) => ({ issueId: c.issueId, title: c.title, dueAt: c.at.toISOString() })).slice(0, 20) }, newest(f.overdueCommitments));

  // sentiment_trend: EWMA (α .35) of the client's message tone (message understanding); trend = last EWMA − the one before.
  let ewma: number | null = null;
  let prev: number | null = null;
  const negative: Dated[] = [];
  for (const m of client) {
    const s = m.tone ?? 0;
    if (s < 0) negative.push(m);
    prev = ewma;
    ewma = ewma === null ? s : 0.35 * s + 0.65 * ewma;
  }
  push("sentiment_trend", ewma !== null && prev !== null ? ewma - prev : 0, { ewma: ewma === null ? null : round(ewma), previous: prev === null ? null : round(prev), samples: client.length }, newest(negative));

  // scope_creep_rate: out-of-scope requests in 7 days per client message in 7 days.
  const week = now - 7 * DAY;
  const scope7 = f.scopeRequests.filter((s) => s.at.getTime() >= week);
  const client7 = client.filter((m) => m.at.getTime() >= week).length;
  push("scope_creep_rate", scope7.length / Math.max(1, client7), { scopeRequests7d: scope7.length, clientMessages7d: client7 }, newest(scope7));

  // budget_burn_rate and margin_risk from the finance facts (Attio deal value = plan and revenue; cost to date).
  const { plan, cost, revenue } = f.finance;
  const burn = plan && plan > 0 ? (cost ?? 0) / plan : (cost ?? 0) > 0 ? 1.5 : 0;
  push("budget_burn_rate", burn, { plan, cost }, f.finance.refs);
  const rev = revenue ?? 0;
  const c = cost ?? 0;
  const margin = rev <= 0 ? (c > 0 ? 1 : 0) : clamp((HEALTHY_MARGIN - (rev - c) / rev) / HEALTHY_MARGIN);
  push("margin_risk", margin, { revenue: revenue, cost, marginPct: rev > 0 ? round((rev - c) / rev) : null }, f.finance.refs);

  // activity_drop: events in the last 7 days vs the 7 before.
  const cur = f.activityByDay.slice(0, 7).reduce((a, b) => a + b, 0);
  const prv = f.activityByDay.slice(7, 14).reduce((a, b) => a + b, 0);
  push("activity_drop", prv > 0 ? clamp((prv - cur) / prv) : 0, { eventsLast7d: cur, eventsPrevious7d: prv }, []);

  return out;
}

export const signalMap = (signals: Signal[]) => Object.fromEntries(signals.map((s) => [s.key, s])) as Record<SignalKey, Signal>;
