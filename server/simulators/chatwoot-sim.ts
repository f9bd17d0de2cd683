import type { ChatwootAccount, CwConversation } from "./generator.ts";
import type { Workspace } from "./generator.ts";
import { createRng } from "./rng.ts";
import { html, notFoundPage, page, time, type SimPage } from "./html.ts";
import { notFound, startSimServer, type SimRequest, type SimResponse, type SimServer } from "./sim-server.ts";

// Chatwoot Application API, the parts Control Tower reads, shaped as Chatwoot's own jbuilder views
// render them (checked against the published OpenAPI document by tests/connectors/chatwoot-responses.test.ts):
// `api_access_token` header; conversations (status defaults to open, 25 per page, meta counts),
// contacts (15 per page, meta.count / meta.current_page), inboxes, messages (MessageFinder: no cursor →
// the newest 20; before=<id> → 20 older; after=<id> → up to 100 newer, ascending). A message names its
// author only in its `sender` object (the contact's or agent's push_event_data, with `type`); the
// `sender_type`/`sender_id` columns appear only where Chatwoot serialises the whole record
// (push_event_data: a conversation's `messages[0]`), with Rails class names ("Contact", "User").
// Times are unix seconds. Conversation `id` is the per-account display id.
//
// Rack::Attack as Chatwoot configures it: throttle('req/ip', limit: RACK_ATTACK_LIMIT, period: 1.minute)
// over fixed windows (floor(now / period)); every request counts, throttled ones included; over the
// limit the answer is Rack::Attack's default: 429, text/plain, "Retry later\n", no Retry-After header
// (throttled_response_retry_after_header is false by default and Chatwoot does not set it).

const CONV_PAGE = 25;
const CONTACT_PAGE = 15;

export type ChatwootSimOptions = {
  /** Requests per client per period before 429 (Chatwoot's RACK_ATTACK_LIMIT; self-hosted default here 300/min); null: no throttle. */
  rateLimit?: { limit: number; periodSeconds: number } | null;
  /** Simulated seconds per real second (the throttle's clock): 20 makes a 1-minute window last 3 real seconds. */
  timeScale?: number;
  /** Behave like an old Chatwoot whose MessageFinder knows only before=: after= is ignored (newest 20 instead). */
  ignoreAfter?: boolean;
  /** Keep every API answer (tests validate them against the published response schemas). */
  recordResponses?: boolean;
};

export type RecordedResponse = { method: string; path: string; query: Record<string, string>; status: number; body: unknown; contentType: string };

export const CHATWOOT_DEFAULT_RATE_LIMIT = { limit: 300, periodSeconds: 60 };

/** What the throttle saw: requests per window per client, the most in any window, and how many were refused. */
export type ChatwootThrottleStats = { limit: number | null; periodSeconds: number; served: number; throttled: number; maxInWindow: number; windows: number };

function lastActivity(c: CwConversation): number {
  return c.messages.length ? c.messages[c.messages.length - 1]!.created_at : c.created_at;
}

/** Contact#push_event_data / the api/v1/models/contact partial. */
function contactJson(acc: ChatwootAccount, id: number) {
  const c = acc.contacts.find((x) => x.id === id);
  return c
    ? { additional_attributes: {}, availability_status: "offline", email: c.email, id: c.id, name: c.name, phone_number: c.phone_number, blocked: false, identifier: c.identifier, thumbnail: "", custom_attributes: {}, last_activity_at: c.created_at, created_at: c.created_at, type: "contact" }
    : null;
}

/** User#push_event_data (an agent as a message's sender). */
function agentSenderJson(acc: ChatwootAccount, id: number) {
  const name = acc.agents.find((a) => a.id === id)?.name ?? "Agent";
  return { id, name, available_name: name, avatar_url: "", type: "user", availability_status: "available", thumbnail: "" };
}

/** The api/v1/models/agent partial (a conversation's assignee). */
function agentJson(acc: ChatwootAccount, id: number) {
  const name = acc.agents.find((a) => a.id === id)?.name ?? "Agent";
  return { id, account_id: acc.accountId, availability_status: "available", auto_offline: true, confirmed: true, email: `agent${id}@agency.example`, available_name: name, name, role: "agent", thumbnail: "" };
}

type Msg = CwConversation["messages"][number];

/** The api/v1/models/message partial: what the messages list and create return. No sender_type / sender_id. */
function messageJson(acc: ChatwootAccount, conv: CwConversation, m: Msg) {
  return {
    id: m.id, content: m.content, inbox_id: conv.inbox_id, conversation_id: conv.id, message_type: m.message_type, content_type: "text", status: "sent", content_attributes: {},
    created_at: m.created_at, private: m.private, source_id: null, sender: m.sender_type === "contact" ? contactJson(acc, m.sender_id) : agentSenderJson(acc, m.sender_id),
  };
}

/** Message#push_event_data: the record's attributes (sender_type holds the Rails class name) plus the sender. */
function messageEventJson(acc: ChatwootAccount, conv: CwConversation, m: Msg) {
  return {
    ...messageJson(acc, conv, m), account_id: acc.accountId, sender_type: m.sender_type === "contact" ? "Contact" : "User", sender_id: m.sender_id,
    processed_message_content: m.content, additional_attributes: {}, external_source_ids: {},
  };
}

/** The api/v1/conversations/partials/conversation partial. */
function conversationJson(acc: ChatwootAccount, c: CwConversation) {
  const la = lastActivity(c);
  const last = c.messages[c.messages.length - 1];
  const lastChat = [...c.messages].reverse().find((x) => x.message_type !== 2);
  return {
    meta: { sender: contactJson(acc, c.contact_id), channel: acc.inboxes.find((i) => i.id === c.inbox_id)?.channel_type ?? "Channel::Email", ...(c.assignee_id ? { assignee: agentJson(acc, c.assignee_id) } : {}), hmac_verified: false },
    id: c.id, messages: last ? [messageEventJson(acc, c, last)] : [], account_id: acc.accountId, uuid: `00000000-0000-4000-8000-${String(acc.accountId).padStart(6, "0")}${String(c.id).padStart(6, "0")}`,
    additional_attributes: {}, agent_last_seen_at: 0, assignee_last_seen_at: 0, can_reply: true, contact_last_seen_at: 0, custom_attributes: {}, inbox_id: c.inbox_id, labels: [], muted: false,
    snoozed_until: null, status: c.status, created_at: c.created_at, timestamp: la, first_reply_created_at: c.messages.find((x) => x.message_type === 1)?.created_at ?? 0, unread_count: 0,
    last_non_activity_message: lastChat ? messageEventJson(acc, c, lastChat) : null, last_activity_at: la, priority: null, waiting_since: 0, sla_policy_id: null,
  };
}

// AccessTokenAuthHelper: render_unauthorized('Invalid Access Token') → { error: message }.
const unauthorized = (): SimResponse => ({ status: 401, body: { error: "Invalid Access Token" } });
const missing = (): SimResponse => ({ status: 404, body: { error: "Resource could not be found" } });

export function chatwootHandler(ws: Workspace, token: string, opts: Pick<ChatwootSimOptions, "ignoreAfter"> = {}) {
  return (req: SimRequest): SimResponse => {
    if (req.headers["api_access_token"] !== token) return unauthorized();
    const m = /^\/api\/v1\/accounts\/(\d+)\/(inboxes|contacts|conversations)(?:\/(\d+)\/messages)?\/?$/.exec(req.path);
    if (!m || (req.method !== "GET" && !(req.method === "POST" && m[3]))) return notFound();
    const acc = ws.byChatwootAccount(Number(m[1]))?.chatwoot;
    if (!acc) return missing();
    if (req.method === "POST") {
      // Create a message in a conversation (an agent's outgoing reply).
      const conv = acc.conversations.find((c) => c.id === Number(m[3]));
      if (!conv) return missing();
      const body = (req.body ?? {}) as { content?: unknown; message_type?: unknown; private?: unknown };
      if (typeof body.content !== "string" || !body.content.trim()) return { status: 422, body: { message: "Content can't be blank" } };
      const maxId = Math.max(0, ...acc.conversations.flatMap((c) => c.messages.map((x) => x.id)));
      const created: Msg = {
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
      // current_page echoes the page parameter as Chatwoot does (a string in the published schema).
      return { status: 200, body: { meta: { count: sorted.length, current_page: String(page) }, payload: sorted.slice((page - 1) * CONTACT_PAGE, page * CONTACT_PAGE).map((c) => contactJson(acc, c.id)) } };
    }

    if (m[3]) {
      const conv = acc.conversations.find((c) => c.id === Number(m[3]));
      if (!conv) return missing();
      // MessageFinder: messages are kept in created_at order, which is id order here.
      const all = conv.messages;
      const after = opts.ignoreAfter ? undefined : req.query.after;
      const before = req.query.before;
      let list: Msg[];
      if (after && before) list = all.filter((x) => x.id >= Number(after) && x.id < Number(before)).slice(0, 1000);
      else if (before) list = all.filter((x) => x.id < Number(before)).slice(-20);
      else if (after) list = all.filter((x) => x.id > Number(after)).slice(0, 100);
      else list = all.slice(-20);
      const seenAt = new Date(lastActivity(conv) * 1000).toISOString();
      return {
        status: 200,
        body: {
          meta: { labels: [], additional_attributes: {}, contact: contactJson(acc, conv.contact_id), ...(conv.assignee_id ? { assignee: agentJson(acc, conv.assignee_id) } : {}), agent_last_seen_at: seenAt },
          payload: list.map((x) => messageJson(acc, conv, x)),
        },
      };
    }

    // Only the documented query values are understood; ordering is Chatwoot's default (last activity, newest first).
    const status = req.query.status ?? "open";
    const filtered = acc.conversations.filter((c) => status === "all" || c.status === status);
    const sorted = [...filtered].sort((a, b) => lastActivity(b) - lastActivity(a) || b.id - a.id);
    const counts = { mine_count: 0, unassigned_count: filtered.filter((c) => !c.assignee_id).length, assigned_count: filtered.filter((c) => c.assignee_id).length, all_count: filtered.length };
    return { status: 200, body: { data: { meta: counts, payload: sorted.slice((page - 1) * CONV_PAGE, page * CONV_PAGE).map((c) => conversationJson(acc, c)) } } };
  };
}

/**
 * Rack::Attack's throttle in front of a handler: fixed windows of `periodSeconds` on a clock running
 * `timeScale` times faster than the real one, counted per client (the X-Forwarded-For address when
 * present, else one local client — every test client is 127.0.0.1).
 */
export function rackAttackThrottle(handler: (req: SimRequest) => SimResponse, rate: { limit: number; periodSeconds: number } | null, timeScale = 1) {
  const stats: ChatwootThrottleStats = { limit: rate?.limit ?? null, periodSeconds: rate?.periodSeconds ?? 60, served: 0, throttled: 0, maxInWindow: 0, windows: 0 };
  const counts = new Map<string, number>();
  const t0 = Date.now();
  const wrapped = (req: SimRequest): SimResponse => {
    if (!rate) {
      stats.served++;
      return handler(req);
    }
    const simSeconds = (t0 + (Date.now() - t0) * timeScale) / 1000;
    const client = String(req.headers["x-forwarded-for"] ?? "local").split(",")[0]!.trim();
    const key = `${Math.floor(simSeconds / rate.periodSeconds)}:${client}`;
    if (!counts.has(key)) stats.windows++;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n > rate.limit) {
      stats.throttled++;
      return { status: 429, body: null, rawBody: "Retry later\n", headers: { "content-type": "text/plain" } };
    }
    stats.served++;
    stats.maxInWindow = Math.max(stats.maxInWindow, n);
    return handler(req);
  };
  return { handler: wrapped, stats };
}

/**
 * Grows a generated account to `conversations` conversations (for volume and limit tests): one contact
 * per five conversations, 1–6 messages each and about 2% long threads of 120–230 messages (more than one
 * after= page), activity spread over the 60 days before `end`, so listing order is not id order.
 * Deterministic for a seed. Returns the number of messages.
 */
export function growChatwootAccount(acc: ChatwootAccount, opts: { conversations: number; end: Date; seed: number }): number {
  const rng = createRng(opts.seed);
  const endS = Math.floor(opts.end.getTime() / 1000);
  const nContacts = Math.max(1, Math.ceil(opts.conversations / 5));
  acc.contacts = Array.from({ length: nContacts }, (_, i) => ({ id: i + 1, name: `Client Person ${i + 1}`, email: `person${i + 1}@client.example`, phone_number: rng.chance(0.5) ? `+49301${String(i).padStart(6, "0")}` : null, identifier: null, created_at: endS - 90 * 86400 }));
  let messageId = acc.accountId * 10_000_000;
  acc.conversations = Array.from({ length: opts.conversations }, (_, i) => {
    const contact = acc.contacts[i % nContacts]!;
    const start = endS - rng.int(2, 60) * 86400 - rng.int(0, 86399);
    const n = rng.chance(0.02) ? rng.int(120, 230) : rng.int(1, 6);
    const messages: Msg[] = [];
    let at = start;
    for (let k = 0; k < n; k++) {
      at += rng.int(60, 3 * 3600);
      const fromClient = k % 2 === 0;
      messages.push({ id: ++messageId, content: fromClient ? `Question ${k + 1} about ticket ${i + 1}` : `Answer ${k + 1} on ticket ${i + 1}`, message_type: fromClient ? 0 : 1, private: false,
        sender_type: fromClient ? "contact" : "user", sender_id: fromClient ? contact.id : acc.agents[k % acc.agents.length]!.id, created_at: Math.min(at, endS - 60) });
    }
    return { id: i + 1, inbox_id: acc.inboxes[i % acc.inboxes.length]!.id, contact_id: contact.id, status: rng.chance(0.6) ? "open" as const : "resolved" as const, assignee_id: rng.chance(0.8) ? acc.agents[i % acc.agents.length]!.id : null, created_at: start, messages };
  });
  return acc.conversations.reduce((sum, c) => sum + c.messages.length, 0);
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

export type ChatwootSim = SimServer & { throttle: ChatwootThrottleStats; responses: RecordedResponse[] };

export async function startChatwootSim(ws: Workspace, token = "cw-test-token", port?: number, opts: ChatwootSimOptions = {}): Promise<ChatwootSim> {
  const rate = opts.rateLimit === undefined ? CHATWOOT_DEFAULT_RATE_LIMIT : opts.rateLimit;
  const throttled = rackAttackThrottle(chatwootHandler(ws, token, opts), rate, opts.timeScale ?? 1);
  const responses: RecordedResponse[] = [];
  const handler = (req: SimRequest): SimResponse => {
    const out = throttled.handler(req);
    // A deep copy: the generator's records change later (new messages), the answer did not.
    if (opts.recordResponses) responses.push({ method: req.method, path: req.path, query: req.query, status: out.status, body: out.rawBody ?? JSON.parse(JSON.stringify(out.body ?? null)), contentType: out.headers?.["content-type"] ?? "application/json" });
    return out;
  };
  const server = await startSimServer("chatwoot", handler, {
    pages: chatwootPages(ws),
    // An injected 429 looks like Rack::Attack's own (no Retry-After unless a test asks for one).
    renderRateLimit: (f) => ({ status: 429, body: null, rawBody: "Retry later\n", headers: { "content-type": "text/plain", ...(f.retryAfterSeconds !== undefined ? { "retry-after": String(f.retryAfterSeconds) } : {}) } }),
    renderError: (status) => ({ status, body: { error: "Internal server error" } }),
    port,
  });
  return Object.assign(server, { throttle: throttled.stats, responses });
}
