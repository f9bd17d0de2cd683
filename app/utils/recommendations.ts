// Words for what a recommendation card shows: its actions, owners, evidence and statuses.

export const ACTION_LABEL: Record<string, string> = {
  send_message: "Message to the client",
  create_or_update_task: "Linear task",
  set_reminder: "Reminder",
  follow_up_sequence: "Follow-up sequence",
};

export const RUN_STATUS_LABEL: Record<string, string> = { pending: "queued", running: "in progress", succeeded: "done", failed: "failed, retrying", dead: "failed" };
export const RUN_STATUS_STYLE: Record<string, string> = { succeeded: "text-emerald-700", failed: "text-amber-700", dead: "text-rose-700", pending: "text-slate-600", running: "text-slate-600" };

export const priorityLabel = (priority: number) => (priority >= 5 ? "Urgent" : "Important");

export const OWNER_LABEL: Record<string, string> = { pm: "PM", finance_lead: "Finance lead", account_manager: "Account manager" };
export const STATUS_LABEL: Record<string, string> = { new: "New", acknowledged: "Acknowledged", done: "Done", dismissed: "Dismissed" };

export const FOLLOW_UP_STATUS: Record<string, string> = { active: "running", completed: "completed", stopped_on_reply: "stopped: the client answered", cancelled: "cancelled", failed: "failed" };

const KIND_WORD: Record<string, [string, string]> = { message: ["message", "messages"], issue: ["issue", "issues"], deal: ["deal", "deals"], doc: ["note", "notes"], chunk: ["excerpt", "excerpts"] };

/** "3 messages and 1 deal — strong": what the evidence behind a recommendation amounts to. */
export function evidenceSummary(refs: { kind: string }[], quality: number): string {
  const counts = new Map<string, number>();
  for (const r of refs) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  const parts = [...counts].map(([k, n]) => `${n} ${(KIND_WORD[k] ?? [k, `${k}s`])[n === 1 ? 0 : 1]}`);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0] ?? "nothing";
  const strength = quality >= 0.75 ? "strong" : quality >= 0.5 ? "good" : quality >= 0.35 ? "enough to show" : "too little to show";
  return `${list} — ${strength}`;
}

/** Why a recommendation is held back, in words (the gate's reason codes are for the logs). */
export function hiddenReason(reason: string): string {
  if (reason.startsWith("insufficient_evidence_count")) return "held back: fewer than two records behind it";
  if (reason === "missing_primary_source") return "held back: no message, issue or deal behind it";
  if (reason.startsWith("low_evidence_quality")) return "held back: the evidence is too thin";
  return `held back (${reason})`;
}
