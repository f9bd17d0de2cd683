// One line of text for an event-log row, for people: what happened and, for process events, how the
// run went. The raw payload stays one click away on the events page.

import { formatDate, formatDuration, formatMoney } from "./format.ts";
import { describeCounters, taskName } from "./jobs.ts";

type EventLike = { category: string; eventType: string; actor?: string | null; source?: string | null; payload: unknown; sourceUrl?: string | null; evidenceRefs?: unknown };
type P = Record<string, unknown>;

/** The reader's settings (a `useFormat()` result fits): money in the workspace currency, dates in their zone. */
export type DescribeOptions = { currency?: string; locale?: string; timeZone?: string };

const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));
const quote = (v: unknown) => (str(v) ? `“${str(v).slice(0, 160)}”` : "");
const hasAmount = (v: unknown) => typeof v === "number" || (typeof v === "string" && v !== "");

export function describeEvent(e: EventLike, opts: DescribeOptions = {}): string {
  const p = (e.payload ?? {}) as P;
  const money = (v: unknown) => (hasAmount(v) ? formatMoney(v as number | string, opts.currency, { locale: opts.locale }) : "");
  if (e.category === "process") return describeProcessEvent(e.eventType, p, opts);
  switch (e.eventType) {
    case "message_received": return `Client wrote ${quote(p.snippet)}`;
    case "message_sent": return `Team wrote ${quote(p.snippet)}${p.private ? " (private note)" : ""}`;
    case "approval_requested": return `Team asked for approval ${quote(p.snippet)}`;
    case "scope_change_requested": return `Client asked for more scope ${quote(p.snippet)}`;
    case "need_detected": return `Client expressed a need ${quote(p.snippet)}`;
    case "client_silent_started": return `Client silent since the team's message of ${p.lastTeamMessageAt ? formatDate(str(p.lastTeamMessageAt), opts.timeZone, opts.locale) : "—"}`;
    case "follow_up_sent": return `Follow-up ${str(p.step)} of ${str(p.of)} sent`;
    case "reminder_due": return `Reminder: ${str(p.title)}`;
    case "message_label_corrected": return `A person corrected message ${str(p.messageId)}: ${p.applies === null ? `withdrew the correction of “${str(p.label).replace(/_/g, " ")}”` : `${p.applies ? "it is" : "it is not"} “${str(p.label).replace(/_/g, " ")}”`}`;
    case "deal_stage_changed": return `Deal ${quote(p.name ?? p.title)} moved to ${str(p.stage)}${p.amount ? ` (${money(p.amount)})` : ""}`;
    case "finance_entry_recorded": return `Cost to date ${money(p.amount)}${p.planned ? ` of ${money(p.planned)} planned` : ""}`;
    default:
      if (e.eventType.startsWith("issue_") || e.eventType.startsWith("stage_")) return `${e.eventType.replace(/_/g, " ")}: ${str(p.identifier)} ${str(p.title ?? p.name)}`.trim();
      return `${e.eventType.replace(/_/g, " ")}${p.title ? `: ${str(p.title)}` : p.snippet ? ` ${quote(p.snippet)}` : p.note ? ` ${quote(p.note)}` : ""}`;
  }
}

/**
 * A worker run in words: "Daily intelligence pipeline succeeded in 2.8 s — 3 forecasts · 5 new
 * recommendations"; a step: "Daily intelligence pipeline · step forecasts started".
 */
export function describeProcessEvent(eventType: string, p: P, opts: DescribeOptions = {}): string {
  const task = str(p.task);
  const what = [task ? taskName(task) : "A job", p.step ? `step ${str(p.step).replace(/_/g, " ")}` : ""].filter(Boolean).join(" · ");
  if (eventType === "process_warning") return `${what}: ${str(p.message)}`;
  if (eventType === "process_started") return `${what} started${p.attempt && Number(p.attempt) > 1 ? ` (attempt ${str(p.attempt)})` : ""}`;
  const status = str(p.status) || (eventType === "process_failed" ? "failed" : "finished");
  const took = typeof p.durationMs === "number" ? ` ${status === "failed" ? "after" : "in"} ${formatDuration(p.durationMs, opts.locale)}` : "";
  const counters = describeCounters(p.counters, task, { max: 4, locale: opts.locale });
  return `${what} ${status}${took}${counters ? ` — ${counters}` : ""}${p.error ? ` — ${str(p.error).slice(0, 200)}` : ""}${p.reason ? ` — ${str(p.reason)}` : ""}`;
}

/** Process event types in words, for filters. */
export const PROCESS_EVENT_LABELS: Record<string, string> = {
  process_started: "Job started", process_finished: "Job finished", process_failed: "Job failed", process_warning: "Job warning",
};

/** Where to see the record behind an event: its own link, else its first evidence link. */
export function eventLink(e: EventLike): string | null {
  if (e.sourceUrl) return e.sourceUrl;
  const refs = Array.isArray(e.evidenceRefs) ? (e.evidenceRefs as { url?: string }[]) : [];
  return refs.find((r) => r.url)?.url ?? null;
}

export const DOMAIN_EVENT_TYPES = [
  "message_received", "message_sent", "approval_requested", "scope_change_requested", "need_detected", "client_silent_started", "follow_up_sent", "reminder_due",
  "issue_created", "issue_completed", "issue_blocked", "issue_unblocked", "issue_deleted", "stage_overdue", "deal_stage_changed", "deal_won", "deal_lost",
  "finance_entry_recorded", "note_logged", "message_label_corrected",
];
export const PROCESS_EVENT_TYPES = ["process_started", "process_finished", "process_failed", "process_warning"];
