import { dedupeKey, type NewEvent } from "../events/event-log.ts";
import type { Label } from "./types.ts";

// The domain events a message's labels become: an approval request, a scope-change request, a new
// need — each citing the span that carries it. One builder for the sync (as messages arrive) and for
// message_understanding (labels found later, by the language model or a retrained model); the same
// message and type is one event whoever found it.

export const LABEL_EVENTS: Partial<Record<Label, string>> = { approval_request: "approval_requested", scope_change: "scope_change_requested", new_need: "need_detected" };

export type LabelledMessage = {
  projectId: string; account: string; messageId: string | number; conversationId: number; occurredAt: Date; fromClient: boolean; url?: string;
};

export function labelEvents(m: LabelledMessage, labels: { label: Label; span: string; confidence: number }[], engine: string, engineVersion?: string): NewEvent[] {
  return labels.flatMap((l) => {
    const type = LABEL_EVENTS[l.label];
    if (!type) return [];
    const span = l.span.slice(0, 300);
    return [{
      projectId: m.projectId, category: "domain" as const, eventType: type, occurredAt: m.occurredAt, actor: m.fromClient ? ("client" as const) : ("team" as const), source: "chatwoot",
      sourceRef: `cwmsg:${m.account}:${m.messageId}`, sourceUrl: m.url, evidenceRefs: [{ kind: "message" as const, id: String(m.messageId), url: m.url, snippet: span }],
      payload: { conversationId: m.conversationId, messageId: Number(m.messageId), snippet: span, span, confidence: l.confidence, engine, ...(engineVersion ? { engineVersion } : {}) },
      dedupeKey: dedupeKey("chatwoot", m.account, type, m.messageId),
    }];
  });
}
