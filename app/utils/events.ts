// One line of text for an event-log row, for people: what happened and, for process events, how the
// run went. The raw payload stays one click away on the events page.

type EventLike = { category: string; eventType: string; actor?: string | null; source?: string | null; payload: unknown; sourceUrl?: string | null; evidenceRefs?: unknown };
type P = Record<string, unknown>;

const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));
const quote = (v: unknown) => (str(v) ? `“${str(v).slice(0, 160)}”` : "");
const money = (v: unknown) => (typeof v === "number" || (typeof v === "string" && v !== "") ? Number(v).toLocaleString("en-US", { maximumFractionDigits: 0 }) : "");

export function describeEvent(e: EventLike): string {
  const p = (e.payload ?? {}) as P;
  if (e.category === "process") {
    const counters = Object.entries((p.counters ?? {}) as Record<string, number>).filter(([, v]) => v).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(", ");
    const what = [str(p.task), p.step ? `step ${str(p.step)}` : ""].filter(Boolean).join(" · ");
    if (e.eventType === "process_warning") return `${what}: ${str(p.message)}`;
    if (e.eventType === "process_started") return `${what} started${p.attempt && Number(p.attempt) > 1 ? ` (attempt ${str(p.attempt)})` : ""}`;
    const status = str(p.status) || (e.eventType === "process_failed" ? "failed" : "finished");
    const took = typeof p.durationMs === "number" ? ` in ${p.durationMs < 1000 ? `${p.durationMs} ms` : `${(p.durationMs / 1000).toFixed(1)} s`}` : "";
    return `${what} ${status}${took}${counters ? ` — ${counters}` : ""}${p.error ? ` — ${str(p.error).slice(0, 200)}` : ""}${p.reason ? ` — ${str(p.reason)}` : ""}`;
  }
  switch (e.eventType) {
    case "message_received": return `Client wrote ${quote(p.snippet)}`;
    case "message_sent": return `Team wrote ${quote(p.snippet)}${p.private ? " (private note)" : ""}`;
    case "approval_requested": return `Team asked for approval ${quote(p.snippet)}`;
    case "scope_change_requested": return `Client asked for more scope ${quote(p.snippet)}`;
    case "need_detected": return `Client expressed a need ${quote(p.snippet)}`;
    case "client_silent_started": return `Client silent since the team's message of ${str(p.lastTeamMessageAt).slice(0, 10)}`;
    case "follow_up_sent": return `Follow-up ${str(p.step)} of ${str(p.of)} sent`;
    case "reminder_due": return `Reminder: ${str(p.title)}`;
    case "deal_stage_changed": return `Deal ${quote(p.name ?? p.title)} moved to ${str(p.stage)}${p.amount ? ` (${money(p.amount)})` : ""}`;
    case "finance_entry_recorded": return `Cost to date ${money(p.amount)}${p.planned ? ` of ${money(p.planned)} planned` : ""}`;
    default:
      if (e.eventType.startsWith("issue_") || e.eventType.startsWith("stage_")) return `${e.eventType.replace(/_/g, " ")}: ${str(p.identifier)} ${str(p.title ?? p.name)}`.trim();
      return `${e.eventType.replace(/_/g, " ")}${p.title ? `: ${str(p.title)}` : p.snippet ? ` ${quote(p.snippet)}` : p.note ? ` ${quote(p.note)}` : ""}`;
  }
}

/** Where to see the record behind an event: its own link, else its first evidence link. */
export function eventLink(e: EventLike): string | null {
  if (e.sourceUrl) return e.sourceUrl;
  const refs = Array.isArray(e.evidenceRefs) ? (e.evidenceRefs as { url?: string }[]) : [];
  return refs.find((r) => r.url)?.url ?? null;
}

export const DOMAIN_EVENT_TYPES = [
  "message_received", "message_sent", "approval_requested", "scope_change_requested", "need_detected", "client_silent_started", "follow_up_sent", "reminder_due",
  "issue_created", "issue_completed", "issue_blocked", "issue_unblocked", "issue_deleted", "stage_overdue", "deal_stage_changed", "deal_won", "deal_lost",
  "finance_entry_recorded", "note_logged",
];
export const PROCESS_EVENT_TYPES = ["process_started", "process_finished", "process_failed", "process_warning"];
