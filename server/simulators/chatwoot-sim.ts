import type { ChatwootAccount, CwConversation } from "./generator.ts";
import type { Workspace } from "./generator.ts";
import { html, notFoundPage, page, time, type SimPage } from "./html.ts";
import { notFound, startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Chatwoot Application API, the parts Control Tower reads: `api_access_token` header; conversations
// (status defaults to open, 25 per page, meta.all_count), contacts (15 per page), inboxes, messages with
// before= (20 older) and after= (up to 100 newer) id cursors. Times are unix seconds; conversation
// updated_at is a float. Conversation `id` is the per-account display id.

const CONV_PAGE = 25;
const CONTACT_PAGE = 15;

function lastActivity(c: CwConversation): number {
  return c.messages.length ? c.messages[c.messages.length - 1]!.created_at : c.created_at;
}

function contactJson(acc: ChatwootAccount, id: number) {
  const c = acc.contacts.find((x) => x.id === id);
  return c ? { id: c.id, name: c.name, email: c.email, phone_number: c.phone_number, identifier: c.identifier, thumbnail: "", additional_attributes: {}, custom_attributes: {}, created_at: c.created_at, type: "contact" } : null;
}

function messageJson(acc: ChatwootAccount, conv: CwConversation, m: CwConversation["messages"][number]) {
  const sender = m.sender_type === "contact" ? contactJson(acc, m.sender_id) : { id: m.sender_id, name: acc.agents.find((a) => a.id === m.sender_id)?.name ?? "Agent", type: "user" };
  return {
    id: m.id, content: m.content, content_type: "text", message_type: m.message_type, private: m.private, created_at: m.created_at,
    conversation_id: conv.id, inbox_id: conv.inbox_id, account_id: acc.accountId, status: "sent", source_id: null, content_attributes: {},
    sender_type: m.sender_type === "contact" ? "Contact" : "User", sender_id: m.sender_id, attachments: [], sender,
  };
}

function conversationJson(acc: ChatwootAccount, c: CwConversation) {
  const la = lastActivity(c);
  return {
    id: c.id, account_id: acc.accountId, inbox_id: c.inbox_id, status: c.status, created_at: c.created_at, timestamp: la, last_activity_at: la,
    updated_at: la + 0.123456, unread_count: 0, additional_attributes: {}, custom_attributes: {}, labels: [], priority: null,
    meta: { sender: contactJson(acc, c.contact_id), assignee: c.assignee_id ? { id: c.assignee_id, name: acc.agents.find((a) => a.id === c.assignee_id)?.name } : null, channel: "Channel::Email" },
    messages: c.messages.length ? [messageJson(acc, c, c.messages[c.messages.length - 1]!)] : [],
  };
}

export function chatwootHandler(ws: Workspace, token: string) {
  return (req: SimRequest): SimResponse => {
    if (req.headers["api_access_token"] !== token) return { status: 401, body: { error: "You need to sign in or sign up before continuing." } };
    const m = /^\/api\/v1\/accounts\/(\d+)\/(inboxes|contacts|conversations)(?:\/(\d+)\/messages)?\/?$/.exec(req.path);
    if (!m || (req.method !== "GET" && !(req.method === "POST" && m[3]))) return notFound();
    const acc = ws.byChatwootAccount(Number(m[1]))?.chatwoot;
    if (!acc) return { status: 404, body: { error: "Resource could not be found" } };
    if (req.method === "POST") {
      // Create a message in a conversation (an agent's outgoing reply).
      const conv = acc.conversations.find((c) => c.id === Number(m[3]));
      if (!conv) return { status: 404, body: { error: "Resource could not be found" } };
      const body = (req.body ?? {}) as { content?: unknown; message_type?: unknown; private?: unknown };
      if (typeof body.content !== "string" || !body.content.trim()) return { status: 422, body: { message: "Content can't be blank" } };
      const maxId = Math.max(0, ...acc.conversations.flatMap((c) => c.messages.map((x) => x.id)));
      const created: CwConversation["messages"][number] = {
        id: maxId + 1, content: body.content, message_type: body.message_type === "incoming" ? 0 : 1, private: body.private === true,
        sender_type: body.message_type === "incoming" ? "contact" : "user", sender_id: body.message_type === "incoming" ? conv.contact_id : acc.agents[0]!.id, created_at: Math.floor(Date.now() / 1000),
      };
      conv.messages.push(created);
      return { status: 200, body: messageJson(acc, conv, created) };
    }
    const page = Math.max(1, Number(req.query.page ?? 1) || 1);

    if (m[2] === "inboxes") return { status: 200, body: { payload: acc.inboxes.map((i) => ({ ...i, account_id: acc.accountId })) } };

    if (m[2] === "contacts") {
      const sorted = [...acc.contacts].sort((a, b) => a.id - b.id);
      return { status: 200, body: { meta: { count: sorted.length, current_page: page }, payload: sorted.slice((page - 1) * CONTACT_PAGE, page * CONTACT_PAGE).map((c) => contactJson(acc, c.id)) } };
    }

    if (m[3]) {
      const conv = acc.conversations.find((c) => c.id === Number(m[3]));
      if (!conv) return { status: 404, body: { error: "Resource could not be found" } };
      let list = conv.messages;
      if (req.query.after) list = list.filter((x) => x.id > Number(req.query.after)).slice(0, 100);
      else if (req.query.before) list = list.filter((x) => x.id < Number(req.query.before)).slice(-20);
      else list = list.slice(-20);
      return { status: 200, body: { meta: { labels: [], additional_attributes: {}, contact: contactJson(acc, conv.contact_id), assignee: null, agent_last_seen_at: 0 }, payload: list.map((x) => messageJson(acc, conv, x)) } };
    }

    const status = req.query.status ?? "open";
    const filtered = acc.conversations.filter((c) => status === "all" || c.status === status);
    const sorted = [...filtered].sort((a, b) => lastActivity(b) - lastActivity(a) || b.id - a.id);
    const counts = { mine_count: 0, unassigned_count: filtered.filter((c) => !c.assignee_id).length, assigned_count: filtered.filter((c) => c.assignee_id).length, all_count: filtered.length };
    return { status: 200, body: { data: { meta: counts, payload: sorted.slice((page - 1) * CONV_PAGE, page * CONV_PAGE).map((c) => conversationJson(acc, c)) } } };
  };
}

const MESSAGE_KIND: Record<number, string> = { 0: "incoming", 1: "outgoing", 2: "activity", 3: "template" };

/**
 * The dashboard's conversation view, read-only and without sign-in: the URL Chatwoot's web app uses
 * (`/app/accounts/<account>/conversations/<display id>`, `?messageId=` to point at one message, as
 * its search results do), one anchor per message.
 */
export function chatwootPages(ws: Workspace) {
  return (req: SimRequest): SimPage | null => {
    const m = /^\/app\/accounts\/(\d+)\/conversations\/(\d+)\/?$/.exec(req.path);
    if (!m) return null;
    const acc = ws.byChatwootAccount(Number(m[1]))?.chatwoot;
    const conv = acc?.conversations.find((c) => c.id === Number(m[2]));
    if (!acc || !conv) return notFoundPage("Chatwoot", `Conversation ${m[2]} in account ${m[1]}`);
    const contact = acc.contacts.find((c) => c.id === conv.contact_id);
    const agentName = (id: number | null) => acc.agents.find((a) => a.id === id)?.name ?? "Agent";
    const linked = Number(req.query.messageId);
    const linkedExists = conv.messages.some((x) => x.id === linked);
    const messages = conv.messages.map((x) => {
      const author = x.sender_type === "contact" ? (acc.contacts.find((c) => c.id === x.sender_id)?.name ?? "Contact") : agentName(x.sender_id);
      const cls = [x.id === linked ? "linked" : "", x.private ? "private" : ""].filter(Boolean).join(" ");
      return html`<li id="message-${x.id}"${cls ? html` class="${cls}"` : ""}><div class="meta"><a href="#message-${x.id}">#${x.id}</a> · <strong>${author}</strong> · ${MESSAGE_KIND[x.message_type] ?? "message"}${x.private ? " · private note" : ""} · ${time(x.created_at)}</div><p class="body">${x.content}</p></li>`;
    });
    return page(`Conversation #${conv.id}`, "Chatwoot", html`
<dl><dt>Account</dt><dd>${acc.accountId}</dd><dt>Inbox</dt><dd>${acc.inboxes.find((i) => i.id === conv.inbox_id)?.name ?? conv.inbox_id}</dd>
<dt>Status</dt><dd>${conv.status}</dd><dt>Contact</dt><dd>${contact?.name ?? "unknown"}${contact?.email ? html` &lt;${contact.email}&gt;` : ""}${contact?.phone_number ? html` · ${contact.phone_number}` : ""}</dd>
<dt>Assignee</dt><dd>${conv.assignee_id ? agentName(conv.assignee_id) : "unassigned"}</dd><dt>Started</dt><dd>${time(conv.created_at)}</dd></dl>
${linkedExists ? html`<p><a href="#message-${linked}">Jump to the linked message #${linked}</a></p>` : ""}
<h2>Messages (${conv.messages.length})</h2>
<ol>${messages}</ol>`);
  };
}

export function startChatwootSim(ws: Workspace, token = "cw-test-token", port?: number) {
  return startSimServer("chatwoot", chatwootHandler(ws, token), {
    pages: chatwootPages(ws),
    renderRateLimit: (f) => ({ status: 429, body: { error: "Too many requests" }, headers: { "retry-after": String(f.retryAfterSeconds ?? 1) } }),
    renderError: (status) => ({ status, body: { error: "Internal server error" } }),
    port,
  });
}
