import { z } from "zod";
import { appendEvents, dedupeKey, type NewEvent } from "../events/event-log.ts";
import { bulkUpsert, inTransaction, type Column } from "./bulk-upsert.ts";
import { ConnectorError } from "./http-client.ts";
import { localModelFor, understandMessages } from "../understanding/service.ts";
import { labelEvents } from "../understanding/events.ts";
import type { Understanding } from "../understanding/types.ts";
import type { SyncContext, SyncResult } from "./types.ts";

// Chatwoot: incremental by conversation activity, inside a per-run request budget.
// - Conversations are listed with status=all (the API defaults to open only) and only documented
//   query parameters (no sort_by: the documented order is the default, newest activity first). Paging
//   stops at meta.all_count over the page size the server actually used, or at a page older than the
//   previous run's high-water mark — the latter only while the pages really come newest first.
// - Each changed conversation's messages are read after the last stored message id (after=, up to the
//   conversation's last message as the listing names it). An old Chatwoot ignores after= and answers
//   the newest 20; we detect that (a probe per day, and any answer holding ids at or below the cursor)
//   and page backwards with before= until the cursor is reached.
// - A message's author is its `sender` object (`type` contact | user | agent_bot, `id`, `name`); the
//   record's sender_type/sender_id (Rails class names) are read only where Chatwoot sends them.
// - When the run's request budget is spent (or Chatwoot's Rack::Attack throttle outlasts the client's
//   retries), the run stops between conversations and returns `incomplete` with a cursor holding the
//   listing page to resume from: conversations already stored up to their listed last message are
//   skipped on resume, so nothing is fetched twice and nothing is lost.

const contact = z.object({ id: z.number(), name: z.string().nullish(), email: z.string().nullish(), phone_number: z.string().nullish(), identifier: z.string().nullish(), created_at: z.number().nullish() }).passthrough();
// PostgreSQL stores no NUL character in text or jsonb: a client's pasted binary must not fail the sync.
const noNul = (v: string) => v.replaceAll("\u0000", "");
const withoutNul = <T,>(v: T): T => JSON.parse(JSON.stringify(v).replaceAll("\\u0000", "")) as T;
const sender = z.object({ id: z.number().nullish(), name: z.string().nullish(), type: z.string().nullish() }).passthrough();
const message = z.object({
  id: z.number(), content: z.string().nullish().transform((v) => (typeof v === "string" ? noNul(v) : v)), message_type: z.number(), private: z.boolean().nullish().transform((v) => v ?? false), created_at: z.number(),
  sender: sender.nullish(), sender_type: z.string().nullish(), sender_id: z.number().nullish(), conversation_id: z.number().nullish(),
}).passthrough();
type Message = z.infer<typeof message>;
// Counts are numbers in the published schema; a numeric string is read as its number rather than failing the run.
const count = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const conversation = z.object({
  id: z.number(), inbox_id: z.number().nullish(), status: z.string(), created_at: z.number(), last_activity_at: z.number(), updated_at: z.number().nullish(),
  meta: z.object({ sender: contact.nullish(), assignee: z.object({ id: z.number() }).passthrough().nullish() }).passthrough(),
  // push_event_data of the conversation's last message: its id tells how far the messages go.
  messages: z.array(z.object({ id: z.number() }).passthrough()).nullish(),
}).passthrough();
type Conversation = z.infer<typeof conversation>;
const conversationsPage = z.object({ data: z.object({ meta: z.object({ all_count: count }).passthrough(), payload: z.array(conversation) }) });
const messagesPage = z.object({ payload: z.array(message) });
const contactsPageSchema = z.object({ meta: z.object({ count: count.nullish() }).passthrough().nullish(), payload: z.array(contact) });
const inboxes = z.object({ payload: z.array(z.object({ id: z.number(), name: z.string(), channel_type: z.string().nullish() }).passthrough()) });

/** Where an unfinished pass over the conversation list stands (kept across runs until the pass ends). */
type Pending = { since: number; maxActivity: number; page: number; pageSize: number; newestFirst: boolean };
type Cursor = {
  lastActivityAt?: number; contactsScannedAt?: string;
  pending?: Pending;
  /** Next page of an unfinished daily contact scan. */
  contactsPage?: number;
  /** Whether this server honours after= on messages, and when that was last checked. */
  afterSupport?: { ignored: boolean; checkedAt: string };
};
const SILENCE_DAYS = 4;
const CONTACT_RESCAN_MS = 24 * 3600_000;
const AFTER_RECHECK_MS = 24 * 3600_000;
// Rack::Attack counts per fixed one-minute window: a follow-up run a minute later starts in a fresh one.
const RESUME_AFTER_MS = 60_000;

const fromUnix = (s: number) => new Date(s * 1000);

export type MessageAuthor = { type: "contact" | "user" | "agent_bot" | null; id: string | null; name: string | null };
const AUTHOR_TYPES: Record<string, MessageAuthor["type"]> = { contact: "contact", user: "user", agent: "user", agentbot: "agent_bot" };

/**
 * Who wrote a message: the `sender` object Chatwoot renders (`type` "contact" | "user" | "agent_bot"),
 * else the record's `sender_type` ("Contact" / "User" / "AgentBot" as Rails stores them, or the
 * published schema's "contact" / "agent" / "agent_bot").
 */
export function messageAuthor(m: Pick<Message, "sender" | "sender_type" | "sender_id">): MessageAuthor {
  const norm = (t: string | null | undefined) => (t ? (AUTHOR_TYPES[t.toLowerCase().replace(/[^a-z]/g, "")] ?? null) : null);
  const type = norm(m.sender?.type) ?? norm(m.sender_type);
  const id = m.sender?.id ?? m.sender_id;
  return { type, id: id != null ? String(id) : null, name: m.sender?.name ?? null };
}

const isStop = (e: unknown): e is ConnectorError => e instanceof ConnectorError && (e.kind === "budget_exhausted" || e.kind === "rate_limited");

export async function syncChatwoot(ctx: SyncContext): Promise<SyncResult> {
  const { db, projectId, source, http, now } = ctx;
  const cursor = ctx.cursor as Cursor;
  const acct = source.externalId;
  const base = `api/v1/accounts/${encodeURIComponent(acct)}`;
  const counters = { conversationsListed: 0, conversationsWritten: 0, conversationsSkipped: 0, messagesFetched: 0, messagesWritten: 0, messagesUnderstood: 0, contactsWritten: 0, inboxesWritten: 0, eventsWritten: 0, pages: 0, messagesPagedBackwards: 0 };
  const convUrl = chatwootLinks(source.baseUrl, acct);
  const model = await localModelFor(db, projectId);

  // What the run has finished so far; on an early stop this is the cursor the next run resumes from.
  const since = cursor.pending?.since ?? cursor.lastActivityAt ?? 0;
  const pending: Pending = cursor.pending ? { ...cursor.pending } : { since, maxActivity: since, page: 1, pageSize: 0, newestFirst: true };
  let listingDone = false;
  let contactsScannedAt = cursor.contactsScannedAt;
  let contactsPage = cursor.contactsPage;
  let afterSupport = cursor.afterSupport;
  const progress = (): Cursor => ({
    lastActivityAt: listingDone ? pending.maxActivity : cursor.lastActivityAt, contactsScannedAt, afterSupport,
    ...(listingDone ? {} : { pending }), ...(contactsPage ? { contactsPage } : {}),
  });

  const upsertContacts = async (list: z.infer<typeof contact>[]) => {
    if (!list.length) return;
    counters.contactsWritten += (await bulkUpsert(db, "cw_contacts",
      [{ name: "account_id", type: "text" }, { name: "name", type: "text" }, { name: "email", type: "text" }, { name: "phone", type: "text" }, { name: "identifier", type: "text" }, { name: "source_created_at", type: "timestamptz" }, { name: "data", type: "jsonb" }],
      [...new Map(list.map((c) => [c.id, c])).values()].map((c) => ({ project_id: projectId, external_id: String(c.id), account_id: acct, name: c.name ?? null, email: c.email?.toLowerCase() ?? null, phone: c.phone_number ?? null, identifier: c.identifier ?? null, source_created_at: c.created_at ? fromUnix(c.created_at) : null, data: withoutNul(c) })))).length;
  };

  try {
    // Inboxes: one small request.
    const ib = await http.request("GET", `${base}/inboxes`, { schema: inboxes });
    counters.inboxesWritten += (await bulkUpsert(db, "cw_inboxes", [{ name: "account_id", type: "text" }, { name: "name", type: "text" }, { name: "channel_type", type: "text" }, { name: "data", type: "jsonb" }],
      ib.data.payload.map((i) => ({ project_id: projectId, external_id: String(i.id), account_id: acct, name: i.name, channel_type: i.channel_type ?? null, data: i })))).length;

    // Conversations with activity since the high-water mark, one listing page at a time; each page's
    // changed conversations are stored before the next page is read.
    let prevActivity = Infinity;
    for (;;) {
      const res = await http.request("GET", `${base}/conversations`, { query: { status: "all", page: pending.page }, schema: conversationsPage });
      counters.pages++;
      const items = res.data.data.payload;
      counters.conversationsListed += items.length;
      pending.pageSize = Math.max(pending.pageSize, items.length);
      for (const c of items) {
        if (c.last_activity_at > prevActivity) pending.newestFirst = false;
        prevActivity = c.last_activity_at;
      }
      const changed = items.filter((c) => c.last_activity_at >= since);
      await upsertContacts(changed.flatMap((c) => (c.meta.sender ? [c.meta.sender] : [])));
      await syncConversations(changed);
      // Only now is the page done: a stop before this line re-reads it (stored conversations are skipped).
      for (const c of items) pending.maxActivity = Math.max(pending.maxActivity, c.last_activity_at);
      const lastPage = items.length === 0 || pending.page * pending.pageSize >= res.data.data.meta.all_count;
      const olderThanCursor = pending.newestFirst && items.length > 0 && items[items.length - 1]!.last_activity_at < since;
      if (lastPage || olderThanCursor) break;
      pending.page++;
    }
    listingDone = true;

    // The full contact list (senders of changed conversations are stored above) once a day.
    if (contactsPage || !contactsScannedAt || now.getTime() - Date.parse(contactsScannedAt) > CONTACT_RESCAN_MS) {
      let pageSize = 0;
      for (contactsPage = contactsPage ?? 1; ; contactsPage++) {
        const res = await http.request("GET", `${base}/contacts`, { query: { page: contactsPage }, schema: contactsPageSchema });
        counters.pages++;
        await upsertContacts(res.data.payload);
        pageSize = Math.max(pageSize, res.data.payload.length);
        const total = res.data.meta?.count;
        if (res.data.payload.length === 0 || (total != null ? contactsPage * pageSize >= total : res.data.payload.length < pageSize)) break;
      }
      contactsPage = undefined;
      contactsScannedAt = now.toISOString();
    }
  } catch (e) {
    if (!isStop(e)) throw e;
    counters.eventsWritten += await appendEvents(db, await silenceEvents(ctx, convUrl));
    return { cursor: progress(), counters, incomplete: { reason: e.kind, resumeAfterMs: RESUME_AFTER_MS } };
  }

  // Recomputed from stored messages on every run, so a crash cannot lose a silence event.
  counters.eventsWritten += await appendEvents(db, await silenceEvents(ctx, convUrl));
  return { cursor: progress(), counters };

  async function syncConversations(changed: Conversation[]) {
    const stored = new Map(
      (await db.cwConversation.findMany({ where: { projectId, externalId: { in: changed.map((c) => String(c.id)) } }, select: { externalId: true, lastMessageId: true, lastActivityAt: true } }))
        .map((r) => [r.externalId, { lastMessageId: r.lastMessageId === null ? 0 : Number(r.lastMessageId), lastActivityAt: r.lastActivityAt ? r.lastActivityAt.getTime() / 1000 : 0 }]),
    );
    for (const c of changed) {
      const have = stored.get(String(c.id));
      const listedLast = c.messages?.length ? Math.max(...c.messages.map((x) => x.id)) : undefined;
      // Already stored up to its listed last message and activity (a resumed page, or activity we saw).
      const upToDate = !!have && have.lastActivityAt >= c.last_activity_at && (listedLast === undefined || have.lastMessageId >= listedLast);
      if (upToDate) counters.conversationsSkipped++;
      const fetched = upToDate ? [] : await fetchMessages(c, have?.lastMessageId ?? 0, listedLast);
      counters.messagesFetched += fetched.length;
      await storeConversation(c, fetched, have?.lastMessageId ?? 0);
    }
  }

  /** Messages of a conversation after `after`, oldest first, with after= or (an old server) before=. */
  async function fetchMessages(c: Conversation, after: number, listedLast: number | undefined): Promise<Message[]> {
    const url = `${base}/conversations/${c.id}/messages`;
    // Does this server honour after=? Asked once a day: after=<the last message> is empty on a server
    // that does, and the newest messages (that one included) on one that does not.
    if (listedLast !== undefined && (!afterSupport || now.getTime() - Date.parse(afterSupport.checkedAt) > AFTER_RECHECK_MS)) {
      const probe = await http.request("GET", url, { query: { after: listedLast }, schema: messagesPage });
      counters.pages++;
      afterSupport = { ignored: probe.data.payload.some((m) => m.id <= listedLast), checkedAt: now.toISOString() };
    }
    const out = new Map<number, Message>();
    if (!afterSupport?.ignored) {
      let from = after;
      for (;;) {
        const res = await http.request("GET", url, { query: { after: from }, schema: messagesPage });
        counters.pages++;
        const payload = res.data.payload;
        if (from > 0 && payload.some((m) => m.id <= from)) {
          // The answer did not move past the cursor: after= is ignored here after all.
          afterSupport = { ignored: true, checkedAt: now.toISOString() };
          return backwards(url, after, payload);
        }
        for (const m of payload) out.set(m.id, m);
        const top = payload.length ? Math.max(...payload.map((m) => m.id)) : from;
        // Done at the conversation's last message as listed; without one, at an empty answer.
        if (payload.length === 0 || top === from || (listedLast !== undefined && top >= listedLast)) break;
        from = top;
      }
      return [...out.values()].sort((a, b) => a.id - b.id);
    }
    const first = await http.request("GET", url, { schema: messagesPage });
    counters.pages++;
    return backwards(url, after, first.data.payload);
  }

  /** From the newest page down with before=<oldest seen>, until a page reaches the cursor or history ends. */
  async function backwards(url: string, after: number, newest: Message[]): Promise<Message[]> {
    const out = new Map<number, Message>();
    let page = newest;
    for (;;) {
      for (const m of page) if (m.id > after) out.set(m.id, m);
      if (page.length === 0 || page.some((m) => m.id <= after)) break;
      const oldest = Math.min(...page.map((m) => m.id));
      const res = await http.request("GET", url, { query: { before: oldest }, schema: messagesPage });
      counters.pages++;
      counters.messagesPagedBackwards++;
      // A server that ignores before= too would answer the same page forever.
      if (res.data.payload.every((m) => m.id >= oldest)) break;
      page = res.data.payload;
    }
    return [...out.values()].sort((a, b) => a.id - b.id);
  }

  /** The conversation's new messages, their events and its message cursor, committed together. */
  async function storeConversation(c: Conversation, fetched: Message[], storedLast: number) {
    const maxId = Math.max(storedLast, ...fetched.map((m) => m.id));
    await inTransaction(db, async (tx) => {
      const written = await bulkUpsert(tx, "cw_messages", MESSAGE_COLUMNS,
        fetched.map((m) => {
          const author = messageAuthor(m);
          return { project_id: projectId, external_id: String(m.id), account_id: acct, conversation_external_id: String(c.id), sender_type: author.type,
            sender_id: author.id, message_type: m.message_type, private: m.private, content: m.content ?? null, source_created_at: fromUnix(m.created_at), data: withoutNul(m) };
        }));
      counters.messagesWritten += written.length;
      const isNew = new Set(written.filter((w) => w.inserted).map((w) => w.externalId));
      const arrived = fetched.filter((m) => isNew.has(String(m.id)));
      // What each new message says (message understanding), stored with it; its labels become events.
      const understood = await understandMessages(tx, model, projectId, arrived.filter((m) => m.message_type <= 1 && !m.private)
        .map((m) => ({ id: String(m.id), from: m.message_type === 0 ? "client" as const : "team" as const, text: m.content ?? "" })));
      counters.messagesUnderstood += understood.size;
      counters.eventsWritten += await appendEvents(tx, arrived.flatMap((m) => messageEvents(projectId, acct, c.id, m, convUrl(c.id, m.id), understood.get(String(m.id)))));
      counters.conversationsWritten += (await bulkUpsert(tx, "cw_conversations", CONVERSATION_COLUMNS, [{
        project_id: projectId, external_id: String(c.id), account_id: acct, inbox_id: c.inbox_id != null ? String(c.inbox_id) : null, contact_external_id: c.meta.sender ? String(c.meta.sender.id) : null,
        status: c.status, assignee_id: c.meta.assignee ? String(c.meta.assignee.id) : null, last_activity_at: fromUnix(c.last_activity_at), last_message_id: maxId || null,
        source_created_at: fromUnix(c.created_at), data: withoutNul({ ...c, messages: undefined, last_non_activity_message: undefined }),
      }])).length;
    });
  }
}

/**
 * Links into Chatwoot's dashboard: `<base>/app/accounts/<account>/conversations/<display id>`, and
 * for one message `?messageId=<id>`, the deep link the dashboard's own search results use.
 */
export function chatwootLinks(baseUrl: string, acct: string) {
  const base = `${baseUrl.replace(/\/$/, "")}/app/accounts/${encodeURIComponent(acct)}/conversations`;
  return (conversationId: number, messageId?: number | string) => `${base}/${conversationId}${messageId !== undefined ? `?messageId=${encodeURIComponent(messageId)}` : ""}`;
}

const MESSAGE_COLUMNS: Column[] = [
  { name: "account_id", type: "text" }, { name: "conversation_external_id", type: "text" }, { name: "sender_type", type: "text" }, { name: "sender_id", type: "text" },
  { name: "message_type", type: "int4" }, { name: "private", type: "bool" }, { name: "content", type: "text" }, { name: "source_created_at", type: "timestamptz" }, { name: "data", type: "jsonb" },
];
const CONVERSATION_COLUMNS: Column[] = [
  { name: "account_id", type: "text" }, { name: "inbox_id", type: "text" }, { name: "contact_external_id", type: "text" }, { name: "status", type: "text" }, { name: "assignee_id", type: "text" },
  { name: "last_activity_at", type: "timestamptz" }, { name: "last_message_id", type: "int8" }, { name: "source_created_at", type: "timestamptz" }, { name: "data", type: "jsonb" },
];

/**
 * Events of one new message: who wrote it, and what message understanding found in it (approval
 * requests, scope-change requests, new needs), each citing the span that carries it.
 */
function messageEvents(projectId: string, acct: string, conversationId: number, m: Message, url: string, understood?: Understanding): NewEvent[] {
  if (m.message_type > 1) return []; // activity and template messages are not conversation
  const fromClient = m.message_type === 0;
  const text = m.content ?? "";
  const base = {
    projectId, category: "domain" as const, occurredAt: fromUnix(m.created_at), actor: fromClient ? ("client" as const) : ("team" as const), source: "chatwoot",
    sourceRef: `cwmsg:${acct}:${m.id}`, sourceUrl: url, evidenceRefs: [{ kind: "message" as const, id: String(m.id), url, snippet: text.slice(0, 300) }],
    payload: { conversationId, messageId: m.id, private: m.private, snippet: text.slice(0, 300), author: messageAuthor(m) },
  };
  return [
    { ...base, eventType: fromClient ? "message_received" : "message_sent", dedupeKey: dedupeKey("chatwoot", acct, "message", m.id) },
    ...(understood ? labelEvents({ projectId, account: acct, messageId: m.id, conversationId, occurredAt: base.occurredAt, fromClient, url }, understood.labels, understood.engine, understood.engineVersion) : []),
  ];
}

/**
 * A conversation falls silent when the team wrote last and the client has not answered for
 * SILENCE_DAYS. One event per silence episode (keyed by the team message that started it), found
 * with one query over the stored messages, so silence is noticed even when nothing new arrived.
 */
async function silenceEvents(ctx: SyncContext, convUrl: ReturnType<typeof chatwootLinks>): Promise<NewEvent[]> {
  const rows = await ctx.db.$queryRaw<{ conversation: string; last_team_id: string; last_team_at: Date; last_client_at: Date | null; content: string | null }[]>`
    WITH per AS (
      SELECT conversation_external_id AS conversation,
             max(source_created_at) FILTER (WHERE message_type = 0) AS last_client_at,
             max(source_created_at) FILTER (WHERE message_type = 1 AND NOT private) AS last_team_at
      FROM cw_messages WHERE project_id = ${ctx.projectId}::uuid AND deleted_at IS NULL GROUP BY conversation_external_id
    )
    SELECT per.conversation, m.external_id AS last_team_id, per.last_team_at, per.last_client_at, m.content
    FROM per JOIN LATERAL (
      SELECT external_id, content FROM cw_messages
      WHERE project_id = ${ctx.projectId}::uuid AND conversation_external_id = per.conversation AND message_type = 1 AND NOT private AND source_created_at = per.last_team_at
      ORDER BY external_id DESC LIMIT 1) m ON true
    WHERE per.last_team_at > coalesce(per.last_client_at, '-infinity') AND per.last_team_at <= ${new Date(ctx.now.getTime() - SILENCE_DAYS * 86400_000)}`;
  const acct = ctx.source.externalId;
  return rows.map((r) => ({
    projectId: ctx.projectId, category: "domain" as const, eventType: "client_silent_started", occurredAt: new Date(r.last_team_at.getTime() + SILENCE_DAYS * 86400_000), actor: "system" as const,
    source: "chatwoot", sourceRef: `cw:${acct}:${r.conversation}`, sourceUrl: convUrl(Number(r.conversation)),
    payload: { conversationId: Number(r.conversation), lastTeamMessageAt: r.last_team_at.toISOString(), lastClientMessageAt: r.last_client_at?.toISOString() ?? null, silentDaysThreshold: SILENCE_DAYS },
    evidenceRefs: [{ kind: "message" as const, id: r.last_team_id, url: convUrl(Number(r.conversation), r.last_team_id), snippet: (r.content ?? "").slice(0, 300) }],
    dedupeKey: dedupeKey("chatwoot", acct, "client_silent_started", r.conversation, r.last_team_id),
  }));
}
