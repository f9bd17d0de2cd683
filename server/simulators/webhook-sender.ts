import { randomUUID } from "node:crypto";
import { signFor } from "../services/webhooks/verify.ts";
import type { ConnectorName } from "../services/connectors/types.ts";
import type { Workspace } from "./generator.ts";

// Provider-shaped webhook deliveries about what the simulators hold, signed as each provider signs
// them (server/services/webhooks/verify.ts) and POSTed to a URL. The shapes follow the providers'
// documentation, not our receiver: Chatwoot's Message#webhook_data (event, the message's fields,
// `conversation`, `account`, `inbox`, `sender`; message_type as a word, created_at as a date) and
// Conversation#webhook_data (`account_id`, `id`, `status`, `changed_attributes`); Linear's data
// change payload ({action, type, data, url, createdAt, webhookTimestamp, webhookId, organizationId}
// with Linear-Delivery, Linear-Event, Linear-Signature); Attio's ({webhook_id, events: [{event_type,
// id, actor, …}]} with Attio-Signature, X-Attio-Signature and Idempotency-Key).

export type Delivery = { connector: ConnectorName; body: Record<string, unknown>; headers: Record<string, string> };

const MESSAGE_TYPE = ["incoming", "outgoing", "activity", "template"] as const;

function chatwootAccount(ws: Workspace, accountId: number) {
  const acc = ws.byChatwootAccount(accountId)?.chatwoot;
  if (!acc) throw new Error(`no Chatwoot account ${accountId} in the simulator`);
  return acc;
}

function chatwootConversationData(acc: ReturnType<typeof chatwootAccount>, conversationId: number) {
  const conv = acc.conversations.find((c) => c.id === conversationId);
  if (!conv) throw new Error(`no conversation ${conversationId} in Chatwoot account ${acc.accountId}`);
  const contact = acc.contacts.find((c) => c.id === conv.contact_id);
  return {
    conv,
    data: {
      id: conv.id, inbox_id: conv.inbox_id, status: conv.status, account_id: acc.accountId, created_at: conv.created_at, timestamp: conv.messages.at(-1)?.created_at ?? conv.created_at,
      contact_inbox: { contact_id: conv.contact_id, inbox_id: conv.inbox_id },
      meta: { sender: contact ? { id: contact.id, name: contact.name, email: contact.email, type: "contact" } : null, assignee: conv.assignee_id ? { id: conv.assignee_id, type: "user" } : null },
      additional_attributes: {}, custom_attributes: {}, labels: [],
    },
  };
}

/** `message_created` / `message_updated` for a message the Chatwoot simulator holds. */
export function chatwootMessageEvent(ws: Workspace, input: { accountId: number; conversationId: number; messageId: number; event?: "message_created" | "message_updated" }): Delivery {
  const acc = chatwootAccount(ws, input.accountId);
  const { conv, data } = chatwootConversationData(acc, input.conversationId);
  const m = conv.messages.find((x) => x.id === input.messageId);
  if (!m) throw new Error(`no message ${input.messageId} in conversation ${input.conversationId}`);
  const contact = acc.contacts.find((c) => c.id === m.sender_id);
  const sender = m.sender_type === "contact"
    ? { id: m.sender_id, name: contact?.name ?? "Contact", email: contact?.email ?? null, phone_number: contact?.phone_number ?? null, identifier: contact?.identifier ?? null, type: "contact" }
    : { id: m.sender_id, name: acc.agents.find((a) => a.id === m.sender_id)?.name ?? "Agent", type: "user" };
  const inbox = acc.inboxes.find((i) => i.id === conv.inbox_id);
  return {
    connector: "chatwoot",
    headers: { "x-chatwoot-delivery": randomUUID() },
    body: {
      event: input.event ?? "message_created",
      id: m.id, content: m.content, content_type: "text", content_attributes: {}, message_type: MESSAGE_TYPE[m.message_type] ?? "incoming", private: m.private,
      source_id: null, created_at: new Date(m.created_at * 1000).toISOString(), additional_attributes: {},
      sender, conversation: data, account: { id: acc.accountId, name: `Account ${acc.accountId}` }, inbox: inbox ? { id: inbox.id, name: inbox.name } : { id: conv.inbox_id, name: "Inbox" },
    },
  };
}

/** `conversation_status_changed` for a conversation the simulator holds (its current status). */
export function chatwootStatusChanged(ws: Workspace, input: { accountId: number; conversationId: number; previous: string }): Delivery {
  const { conv, data } = chatwootConversationData(chatwootAccount(ws, input.accountId), input.conversationId);
  return { connector: "chatwoot", headers: { "x-chatwoot-delivery": randomUUID() }, body: { event: "conversation_status_changed", ...data, changed_attributes: [{ status: { previous_value: input.previous, current_value: conv.status } }] } };
}

/** A Linear data change webhook (`Issue`, `Comment` or `Project`) about an entity the Linear simulator holds. */
export function linearEvent(ws: Workspace, input: { workspaceId: string; type: "Issue" | "Project"; id: string; action?: "create" | "update" | "remove"; origin?: string }): Delivery {
  const lin = ws.byLinearWorkspace(input.workspaceId)?.linear;
  if (!lin) throw new Error(`no Linear workspace ${input.workspaceId} in the simulator`);
  const origin = input.origin ?? "https://linear.app";
  let data: Record<string, unknown>;
  let url: string;
  if (input.type === "Issue") {
    const i = lin.issues.find((x) => x.id === input.id);
    if (!i) throw new Error(`no issue ${input.id}`);
    data = {
      id: i.id, identifier: i.identifier, number: i.number, title: i.title, description: i.description, priority: i.priority, estimate: i.estimate, teamId: lin.teamId,
      stateId: i.stateId, projectId: i.projectId, cycleId: i.cycleId, assigneeId: i.assigneeId, labelIds: i.labelIds, dueDate: i.dueDate,
      createdAt: i.createdAt.toISOString(), updatedAt: i.updatedAt.toISOString(), completedAt: i.completedAt?.toISOString() ?? null, archivedAt: i.archivedAt?.toISOString() ?? null,
    };
    url = `${origin}/${lin.urlKey}/issue/${i.identifier}`;
  } else {
    const p = lin.projects.find((x) => x.id === input.id);
    if (!p) throw new Error(`no project ${input.id}`);
    data = { id: p.id, name: p.name, slugId: p.slugId, state: p.state, leadId: p.leadId, targetDate: p.targetDate, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() };
    url = `${origin}/${lin.urlKey}/project/${p.slugId}`;
  }
  return linearDelivery(lin.workspaceId, input.type, input.action ?? "update", data, url);
}

/** A Linear `Comment` webhook on an issue the simulator holds (the simulator keeps no comments: the comment is the payload's). */
export function linearComment(ws: Workspace, input: { workspaceId: string; issueId: string; body: string; origin?: string }): Delivery {
  const lin = ws.byLinearWorkspace(input.workspaceId)?.linear;
  const issue = lin?.issues.find((x) => x.id === input.issueId);
  if (!lin || !issue) throw new Error(`no issue ${input.issueId} in Linear workspace ${input.workspaceId}`);
  const id = randomUUID();
  const now = new Date().toISOString();
  return linearDelivery(lin.workspaceId, "Comment", "create", { id, body: input.body, issueId: issue.id, createdAt: now, updatedAt: now }, `${input.origin ?? "https://linear.app"}/${lin.urlKey}/issue/${issue.identifier}#comment-${id.slice(0, 8)}`);
}

function linearDelivery(organizationId: string, type: string, action: string, data: Record<string, unknown>, url: string): Delivery {
  const now = Date.now();
  return {
    connector: "linear",
    headers: { "linear-delivery": randomUUID(), "linear-event": type },
    body: { action, type, data, url, createdAt: new Date(now).toISOString(), webhookTimestamp: now, webhookId: randomUUID(), organizationId, actor: { id: randomUUID(), type: "user", name: "Simulator" } },
  };
}

/** An Attio `record.created` / `record.updated` / `record.deleted` webhook about a record the Attio simulator holds. */
export function attioRecordEvent(ws: Workspace, input: { workspaceId: string; object: "companies" | "people" | "deals"; recordId: string; eventType?: "record.created" | "record.updated" | "record.deleted" }): Delivery {
  const a = ws.byAttioWorkspace(input.workspaceId)?.attio;
  const r = a?.[input.object].find((x) => x.id.record_id === input.recordId);
  if (!a || !r) throw new Error(`no ${input.object} record ${input.recordId} in Attio workspace ${input.workspaceId}`);
  const event = { event_type: input.eventType ?? "record.updated", id: { workspace_id: r.id.workspace_id, object_id: r.id.object_id, record_id: r.id.record_id }, actor: { type: "workspace-member", id: randomUUID() } };
  return attioDelivery(event);
}

/** An Attio `note.created` webhook for a note the simulator holds. */
export function attioNoteEvent(ws: Workspace, input: { workspaceId: string; noteId: string; eventType?: "note.created" | "note.updated" | "note.deleted" }): Delivery {
  const a = ws.byAttioWorkspace(input.workspaceId)?.attio;
  const n = a?.notes.find((x) => x.id.note_id === input.noteId);
  if (!a || !n) throw new Error(`no note ${input.noteId} in Attio workspace ${input.workspaceId}`);
  return attioDelivery({
    event_type: input.eventType ?? "note.created", id: { workspace_id: n.id.workspace_id, note_id: n.id.note_id }, parent_object_id: n.parent_object, parent_record_id: n.parent_record_id,
    actor: { type: "workspace-member", id: randomUUID() },
  });
}

function attioDelivery(event: Record<string, unknown>): Delivery {
  return { connector: "attio", headers: { "idempotency-key": randomUUID() }, body: { webhook_id: randomUUID(), events: [event] } };
}

export type SendOptions = {
  /** Sign with this secret (default: the one given to send). */
  secret: string;
  /** Chatwoot's X-Chatwoot-Timestamp (unix seconds); default now. */
  timestampSeconds?: number;
  /** Send without any signature header (Chatwoot before signed webhooks). */
  unsigned?: boolean;
  /** The exact bytes to send (tests of malformed bodies); signed as given. */
  rawBody?: string;
};

/** Signs a delivery as its provider would and POSTs it; resolves with the answer and how long it took. */
export async function sendWebhook(url: string, delivery: Delivery, opts: SendOptions) {
  const raw = opts.rawBody ?? JSON.stringify(delivery.body);
  const signature = opts.unsigned ? {} : signFor(delivery.connector, opts.secret, raw, opts.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": `${delivery.connector}-simulator`, ...delivery.headers, ...signature },
    body: raw,
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  // The receiver's own time, when it says (Server-Timing: receive;dur=<ms>).
  const serverMs = Number(/receive;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? NaN);
  return { status: res.status, body: body as Record<string, unknown>, ms, serverMs };
}
