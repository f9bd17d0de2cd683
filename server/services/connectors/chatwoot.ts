import { z } from "zod";
import { appendEvents, dedupeKey, type NewEvent } from "../events/event-log.ts";
import { bulkUpsert, inTransaction, type Column } from "./bulk-upsert.ts";
import { localModelFor, understandMessages } from "../understanding/service.ts";
import { labelEvents } from "../understanding/events.ts";
import type { Understanding } from "../understanding/types.ts";
import type { SyncContext, SyncResult } from "./types.ts";

// Chatwoot: incremental by conversation activity. Conversations are listed with status=all (the API
// defaults to open only), newest activity first, page after page until a page is older than the
// previous sync's high-water mark; for each changed conversation, messages are read with the
// after=<last stored message id> cursor, 100 at a time, until none are left.

const contact = z.object({ id: z.number(), name: z.string().nullish(), email: z.string().nullish(), phone_number: z.string().nullish(), identifier: z.string().nullish(), created_at: z.number().nullish() }).passthrough();
// PostgreSQL stores no NUL character in text or jsonb: a client's pasted binary must not fail the sync.
const noNul = (v: string) => v.replaceAll("\u0000", "");
const withoutNul = <T,>(v: T): T => JSON.parse(JSON.stringify(v).replaceAll("\\u0000", "")) as T;
const message = z.object({
  id: z.number(), content: z.string().nullish().transform((v) => (typeof v === "string" ? noNul(v) : v)), message_type: z.number(), private: z.boolean().default(false), created_at: z.number(),
  sender_type: z.string().nullish(), sender_id: z.number().nullish(), conversation_id: z.number(),
}).passthrough();
const conversation = z.object({
  id: z.number(), inbox_id: z.number().nullish(), status: z.string(), created_at: z.number(), last_activity_at: z.number(), updated_at: z.number().nullish(),
  meta: z.object({ sender: contact.nullish(), assignee: z.object({ id: z.number() }).passthrough().nullish() }).passthrough(),
}).passthrough();
const conversationsPage = z.object({ data: z.object({ meta: z.object({ all_count: z.number() }).passthrough(), payload: z.array(conversation) }) });
const messagesPage = z.object({ payload: z.array(message) });
const contactsPage = z.object({ meta: z.object({ count: z.number() }).passthrough().optional(), payload: z.array(contact) });
const inboxes = z.object({ payload: z.array(z.object({ id: z.number(), name: z.string(), channel_type: z.string().nullish() }).passthrough()) });

type Cursor = { lastActivityAt?: number; contactsScannedAt?: string };
const SILENCE_DAYS = 4;
const CONTACT_RESCAN_MS = 24 * 3600_000;

const fromUnix = (s: number) => new Date(s * 1000);

export async function syncChatwoot(ctx: SyncContext): Promise<SyncResult> {
  const { db, projectId, source, http, now } = ctx;
  const cursor = ctx.cursor as Cursor;
  const acct = source.externalId;
  const base = `api/v1/accounts/${encodeURIComponent(acct)}`;
  const counters = { conversationsListed: 0, conversationsWritten: 0, messagesFetched: 0, messagesWritten: 0, messagesUnderstood: 0, contactsWritten: 0, inboxesWritten: 0, eventsWritten: 0, pages: 0 };
  const convUrl = chatwootLinks(source.baseUrl, acct);
  const model = await localModelFor(db, projectId);

  // Inboxes: one small request.
  const ib = await http.request("GET", `${base}/inboxes`, { schema: inboxes });
  counters.inboxesWritten += (await bulkUpsert(db, "cw_inboxes", [{ name: "account_id", type: "text" }, { name: "name", type: "text" }, { name: "channel_type", type: "text" }, { name: "data", type: "jsonb" }],
    ib.data.payload.map((i) => ({ project_id: projectId, external_id: String(i.id), account_id: acct, name: i.name, channel_type: i.channel_type ?? null, data: i })))).length;

  // Conversations with activity since the high-water mark.
  const since = cursor.lastActivityAt ?? 0;
  let maxActivity = since;
  const changed: z.infer<typeof conversation>[] = [];
  for (let page = 1; ; page++) {
    const res = await http.request("GET", `${base}/conversations`, { query: { status: "all", sort_by: "last_activity_at", page }, schema: conversationsPage });
    counters.pages++;
    const items = res.data.data.payload;
    counters.conversationsListed += items.length;
    for (const c of items) {
      maxActivity = Math.max(maxActivity, c.last_activity_at);
      if (c.last_activity_at >= since) changed.push(c);
    }
    const lastPage = page * 25 >= res.data.data.meta.all_count || items.length === 0;
    const olderThanCursor = items.length > 0 && items[items.length - 1]!.last_activity_at < since;
    if (lastPage || olderThanCursor) break;
  }

  // Contacts: senders of changed conversations always; the full list (15 per page) once a day.
  const contacts = new Map<number, z.infer<typeof contact>>();
  for (const c of changed) if (c.meta.sender) contacts.set(c.meta.sender.id, c.meta.sender);
  let contactsScannedAt = cursor.contactsScannedAt;
  if (!contactsScannedAt || now.getTime() - Date.parse(contactsScannedAt) > CONTACT_RESCAN_MS) {
    for (let page = 1; ; page++) {
      const res = await http.request("GET", `${base}/contacts`, { query: { page }, schema: contactsPage });
      counters.pages++;
      for (const c of res.data.payload) contacts.set(c.id, c);
      if (res.data.payload.length < 15) break;
    }
    contactsScannedAt = now.toISOString();
  }
  counters.contactsWritten += (await bulkUpsert(db, "cw_contacts",
    [{ name: "account_id", type: "text" }, { name: "name", type: "text" }, { name: "email", type: "text" }, { name: "phone", type: "text" }, { name: "identifier", type: "text" }, { name: "source_created_at", type: "timestamptz" }, { name: "data", type: "jsonb" }],
    [...contacts.values()].map((c) => ({ project_id: projectId, external_id: String(c.id), account_id: acct, name: c.name ?? null, email: c.email?.toLowerCase() ?? null, phone: c.phone_number ?? null, identifier: c.identifier ?? null, source_created_at: c.created_at ? fromUnix(c.created_at) : null, data: c })))).length;

  const stored = new Map(
    (await db.cwConversation.findMany({ where: { projectId, externalId: { in: changed.map((c) => String(c.id)) } }, select: { externalId: true, lastMessageId: true } }))
      .map((r) => [r.externalId, r.lastMessageId === null ? 0 : Number(r.lastMessageId)]),
  );

  for (const c of changed) {
    // Messages after the last one we stored, 100 per request, until the conversation is exhausted.
    let after = stored.get(String(c.id)) ?? 0;
    const fetched: z.infer<typeof message>[] = [];
    for (;;) {
      const res = await http.request("GET", `${base}/conversations/${c.id}/messages`, { query: { after }, schema: messagesPage });
      counters.pages++;
      const batch = res.data.payload.filter((m) => m.id > after).sort((a, b) => a.id - b.id);
      fetched.push(...batch);
      if (batch.length === 0 || res.data.payload.length < 100) break;
      after = batch[batch.length - 1]!.id;
    }
    counters.messagesFetched += fetched.length;
    // The conversation's messages, their events and its message cursor commit together.
    const maxId = Math.max(stored.get(String(c.id)) ?? 0, ...fetched.map((m) => m.id));
    await inTransaction(db, async (tx) => {
      const written = await bulkUpsert(tx, "cw_messages", MESSAGE_COLUMNS,
        fetched.map((m) => ({ project_id: projectId, external_id: String(m.id), account_id: acct, conversation_external_id: String(c.id), sender_type: m.sender_type ?? null,
          sender_id: m.sender_id != null ? String(m.sender_id) : null, message_type: m.message_type, private: m.private, content: m.content ?? null, source_created_at: fromUnix(m.created_at), data: withoutNul(m) })));
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
        source_created_at: fromUnix(c.created_at), data: { ...c, messages: undefined },
      }])).length;
    });
  }

  // Recomputed from stored messages on every run, so a crash cannot lose a silence event.
  counters.eventsWritten += await appendEvents(db, await silenceEvents(ctx, convUrl));
  return { cursor: { lastActivityAt: maxActivity, contactsScannedAt }, counters };
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
function messageEvents(projectId: string, acct: string, conversationId: number, m: z.infer<typeof message>, url: string, understood?: Understanding): NewEvent[] {
  if (m.message_type > 1) return []; // activity and template messages are not conversation
  const fromClient = m.message_type === 0;
  const text = m.content ?? "";
  const base = {
    projectId, category: "domain" as const, occurredAt: fromUnix(m.created_at), actor: fromClient ? ("client" as const) : ("team" as const), source: "chatwoot",
    sourceRef: `cwmsg:${acct}:${m.id}`, sourceUrl: url, evidenceRefs: [{ kind: "message" as const, id: String(m.id), url, snippet: text.slice(0, 300) }],
    payload: { conversationId, messageId: m.id, private: m.private, snippet: text.slice(0, 300) },
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
