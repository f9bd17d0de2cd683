import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postChatwootMessage, recentMessages } from "../../server/services/connectors/chatwoot-outbound.ts";
import { messageAuthor } from "../../server/services/connectors/chatwoot.ts";
import { bindSource } from "../../server/services/connectors/sources.ts";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { startChatwootSim, type ChatwootSim, type RecordedResponse } from "../../server/simulators/chatwoot-sim.ts";
import { createWorkspace, type Workspace } from "../../server/simulators/generator.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { validateResponse } from "../helpers/openapi-responses.ts";
import { fastHttp } from "../helpers/sims.ts";

// The Chatwoot simulator answers as Chatwoot does, checked against the published OpenAPI document
// (server/simulators/specs/chatwoot-application.openapi.json) — every answer it served during a full
// sync, an incremental sync, an old server's sync and an outbound message — and the connector reads
// those answers: authors from `sender`, an ignored after= paged backwards with before=.

const SPEC = path.resolve(import.meta.dirname, "../../server/simulators/specs/chatwoot-application.openapi.json");
const TOKEN = "cw-api-test-token";
const END = new Date("2026-11-20T00:00:00Z");

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; allOf?: Schema[]; items?: Schema; enum?: unknown[] };
type Spec = { components: { schemas: Record<string, Schema> } };

/**
 * Where the published document is demonstrably wrong about what Chatwoot sends, each with the
 * evidence (Chatwoot's own serialisers, chatwoot/chatwoot on GitHub). Applied to a copy of the spec;
 * a test below checks every erratum is still needed (the simulator's answers fail without it).
 */
const ERRATA: { id: string; evidence: string; patch: (spec: Spec) => void }[] = [
  {
    id: "conversation.timestamp is an integer",
    evidence: "app/views/api/v1/conversations/partials/_conversation.json.jbuilder: `json.timestamp conversation.last_activity_at.to_i` (the spec says string)",
    patch: (s) => { s.components.schemas.conversation!.properties!.timestamp = { type: "integer" }; },
  },
  {
    id: "message.sender_type holds Rails class names",
    evidence: "Message#push_event_data is `attributes.merge(...)`; sender is `belongs_to :sender, polymorphic: true`, whose *_type column Rails fills with the class name (Contact, User, AgentBot); the spec lists contact/agent/agent_bot",
    patch: (s) => { const p = s.components.schemas.message!.properties!.sender_type!; p.enum = [...(p.enum ?? []), "Contact", "User", "AgentBot"]; },
  },
  {
    id: "message.source_id is null for messages without a channel id",
    evidence: "app/views/api/v1/models/_message.json.jbuilder writes `json.source_id message.source_id` unconditionally; the spec's own message_detailed.source_id is nullable",
    patch: (s) => { s.components.schemas.message!.properties!.source_id = { type: "string", nullable: true } as Schema; },
  },
  {
    id: "unset conversation attributes are null",
    evidence: "_conversation.json.jbuilder writes `json.priority conversation.priority`, `json.snoozed_until conversation.snoozed_until`, `json.sla_policy_id conversation.sla_policy_id` unconditionally (null when unset)",
    patch: (s) => {
      const p = s.components.schemas.conversation!.properties!;
      for (const k of ["priority", "snoozed_until", "sla_policy_id"]) p[k] = { ...p[k], nullable: true } as Schema;
    },
  },
  {
    id: "a conversation sender's phone_number and identifier may be null",
    evidence: "the api/v1/models/contact partial writes phone_number and identifier unconditionally; the spec's own contact_list_item marks both nullable",
    patch: (s) => {
      const sender = s.components.schemas.conversation_list!.properties!.data!.properties!.payload!.items!.allOf![2]!.properties!.meta!.properties!.sender!.properties!;
      for (const k of ["phone_number", "identifier"]) sender[k] = { ...sender[k], nullable: true } as Schema;
    },
  },
];

function specWith(errata: typeof ERRATA): string {
  const spec = JSON.parse(fs.readFileSync(SPEC, "utf8")) as Spec;
  for (const e of errata) e.patch(spec);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cw-spec-")), "chatwoot.json");
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

/** Problems of every recorded answer; 429s come from Rack::Attack in front of the API (text/plain), not from the documented operations. */
const problemsOf = (specFile: string, responses: RecordedResponse[]) =>
  responses.filter((r) => r.status !== 429).flatMap((r) => validateResponse(specFile, r.method, r.path, r.status, r.body));

let db: TestDb;
let fx: Fixture;
let ws: Workspace;
let sim: ChatwootSim;
let oldWs: Workspace;
let oldSim: ChatwootSim;
const env = testEnv();

// The old server serves generated project 1 (account 1001): an account is bound to one project only.
const acc = (w: Workspace) => (w === ws ? w.project(0)! : w.project(1)!).chatwoot;

async function bind(projectId: string, s: ChatwootSim, w: Workspace) {
  await bindSource(db.prisma, env, { projectId, connector: "chatwoot", externalId: String(acc(w).accountId), baseUrl: s.url, token: TOKEN, limits: { ratePerSecond: 1000 } });
}

/** Appends `n` messages to a conversation, alternating client and team, as new activity. */
function addMessages(w: Workspace, convIndex: number, n: number, at: number) {
  const a = acc(w);
  const conv = a.conversations[convIndex]!;
  let id = Math.max(...a.conversations.flatMap((c) => c.messages.map((m) => m.id)));
  for (let i = 0; i < n; i++) {
    const fromClient = i % 2 === 0;
    conv.messages.push({ id: ++id, content: `follow-up ${i}`, message_type: fromClient ? 0 : 1, private: false, sender_type: fromClient ? "contact" : "user", sender_id: fromClient ? conv.contact_id : a.agents[1]!.id, created_at: at + i });
  }
  return conv;
}

const storedIds = async (projectId: string) => (await db.prisma.cwMessage.findMany({ where: { projectId }, select: { externalId: true } })).map((m) => Number(m.externalId)).sort((a, b) => a - b);
const truthIds = (w: Workspace) => acc(w).conversations.flatMap((c) => c.messages.map((m) => m.id)).sort((a, b) => a - b);
let afterIncremental: number[] = [];

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  const gen = { seed: 5, projects: 1, days: 60, end: END, situations: ["client_silence", "scope_creep"] as const };
  ws = createWorkspace({ ...gen, situations: [...gen.situations] });
  oldWs = createWorkspace({ ...gen, projects: 2, situations: [...gen.situations] });
  sim = await startChatwootSim(ws, TOKEN, undefined, { recordResponses: true });
  oldSim = await startChatwootSim(oldWs, TOKEN, undefined, { recordResponses: true, ignoreAfter: true });
  await bind(fx.projectA.id, sim, ws);
  await bind(fx.projectB.id, oldSim, oldWs);

  const first = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "chatwoot", now: END, http: fastHttp });
  expect(first.status, JSON.stringify(first)).toBe("ok");
  // New activity in two conversations (one with more than a page of messages), then an incremental sync.
  const later = END.getTime() / 1000 + 3600;
  addMessages(ws, 0, 3, later);
  addMessages(ws, 1, 130, later + 10);
  const second = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "chatwoot", now: new Date(END.getTime() + 2 * 3600_000), http: fastHttp });
  expect(second.status, JSON.stringify(second)).toBe("ok");
  afterIncremental = truthIds(ws);
  // Outbound: recent messages and a reply, through the connector's own client.
  await recentMessages(db.prisma, env, { projectId: fx.projectA.id, conversationId: acc(ws).conversations[0]!.id });
  await postChatwootMessage(db.prisma, env, { projectId: fx.projectA.id, conversationId: acc(ws).conversations[0]!.id, content: "We shipped the fix." });
  // Documented error answers.
  const acct = acc(ws).accountId;
  await fetch(`${sim.url}/api/v1/accounts/${acct}/conversations/999999/messages`, { headers: { api_access_token: TOKEN } });
  await fetch(`${sim.url}/api/v1/accounts/${acct}/conversations/1/messages`, { headers: { api_access_token: "wrong" } });

  // The old server: a full sync, then more new messages than one newest-20 answer holds.
  const oldFirst = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: "chatwoot", now: END, http: fastHttp });
  expect(oldFirst.status, JSON.stringify(oldFirst)).toBe("ok");
  addMessages(oldWs, 1, 45, later);
  const oldSecond = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: "chatwoot", now: new Date(END.getTime() + 2 * 3600_000), http: fastHttp });
  expect(oldSecond.status, JSON.stringify(oldSecond)).toBe("ok");
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await oldSim?.close();
  await db?.drop();
});

describe("the simulator's answers match Chatwoot's published response schemas", () => {
  it("every answer served (full + incremental sync, old server, outbound, errors) validates, with the documented errata only", () => {
    const all = [...sim.responses, ...oldSim.responses];
    // Every kind of answer was exercised.
    const kinds = new Set(all.map((r) => `${r.method} ${r.path.replace(/\/\d+/g, "/N")} ${r.status}${r.query.after ? " after" : ""}${r.query.before ? " before" : ""}`));
    for (const k of ["GET /api/v1/accounts/N/inboxes 200", "GET /api/v1/accounts/N/conversations 200", "GET /api/v1/accounts/N/contacts 200", "GET /api/v1/accounts/N/conversations/N/messages 200 after",
      "GET /api/v1/accounts/N/conversations/N/messages 200 before", "GET /api/v1/accounts/N/conversations/N/messages 200", "POST /api/v1/accounts/N/conversations/N/messages 200",
      "GET /api/v1/accounts/N/conversations/N/messages 404", "GET /api/v1/accounts/N/conversations/N/messages 401"]) expect(kinds).toContain(k);
    expect(all.length).toBeGreaterThan(30);
    expect(problemsOf(specWith(ERRATA), all)).toEqual([]);
  });

  it("each erratum is needed: without it, some answer fails the published schema", () => {
    const all = [...sim.responses, ...oldSim.responses];
    for (const e of ERRATA) {
      const problems = problemsOf(specWith(ERRATA.filter((x) => x !== e)), all);
      expect(problems.length, `${e.id} (${e.evidence})`).toBeGreaterThan(0);
    }
    // And the unpatched document rejects them for those reasons only.
    const raw = problemsOf(SPEC, all);
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.filter((p) => !/\/(timestamp|sender_type|source_id|priority|snoozed_until|sla_policy_id|phone_number|identifier) /.test(p))).toEqual([]);
  });

  it("the validator rejects what the schema does not allow (so the checks above can fail)", () => {
    const spec = specWith(ERRATA);
    expect(validateResponse(spec, "GET", "/api/v1/accounts/1/conversations", 200, { data: { meta: { all_count: "12" }, payload: [] } })).not.toEqual([]);
    expect(validateResponse(spec, "GET", "/api/v1/accounts/1/conversations/2/messages", 200, { payload: [{ id: 1, message_type: 7 }] })).not.toEqual([]);
    expect(validateResponse(spec, "GET", "/api/v1/accounts/1/contacts", 200, { meta: { count: 1, current_page: 1 }, payload: [] })).not.toEqual([]);
  });

  it("messages name their author only in `sender`, like Chatwoot's messages view; push_event_data keeps sender_type", () => {
    const list = sim.responses.find((r) => r.path.endsWith("/messages") && r.method === "GET" && r.status === 200 && (r.body as { payload: unknown[] }).payload.length > 0)!;
    const m = (list.body as { payload: Record<string, unknown>[] }).payload[0]!;
    expect(m).not.toHaveProperty("sender_type");
    expect(m).not.toHaveProperty("sender_id");
    expect(m.sender).toMatchObject({ id: expect.any(Number), name: expect.any(String), type: expect.stringMatching(/^(contact|user)$/) });
    const convs = sim.responses.find((r) => r.path.endsWith("/conversations"))!;
    const last = (convs.body as { data: { payload: { messages: Record<string, unknown>[] }[] } }).data.payload[0]!.messages[0]!;
    expect(last.sender_type).toMatch(/^(Contact|User)$/);
  });
});

describe("the connector reads what Chatwoot sends", () => {
  it("stores each message's author from its sender object (type and id), matching the source", async () => {
    const truth = new Map(acc(ws).conversations.flatMap((c) => c.messages.map((m) => [String(m.id), m] as const)));
    const rows = await db.prisma.cwMessage.findMany({ where: { projectId: fx.projectA.id }, select: { externalId: true, senderType: true, senderId: true } });
    expect(rows.length).toBe(afterIncremental.length);
    for (const r of rows) {
      const t = truth.get(r.externalId)!;
      expect([r.senderType, r.senderId]).toEqual([t.sender_type, String(t.sender_id)]);
    }
    // The author's name travels with the message's event.
    const ev = await db.prisma.eventLog.findFirst({ where: { projectId: fx.projectA.id, eventType: "message_received" } });
    expect((ev!.payload as { author: { type: string; name: string } }).author).toMatchObject({ type: "contact", name: expect.any(String) });
  });

  it("reads sender_type in every casing Chatwoot uses, sender first", () => {
    expect(messageAuthor({ sender: { id: 4, name: "Ann", type: "contact" } })).toEqual({ type: "contact", id: "4", name: "Ann" });
    expect(messageAuthor({ sender_type: "User", sender_id: 2 })).toEqual({ type: "user", id: "2", name: null });
    expect(messageAuthor({ sender_type: "agent", sender_id: 2 })).toEqual({ type: "user", id: "2", name: null });
    expect(messageAuthor({ sender_type: "AgentBot", sender_id: 9 }).type).toBe("agent_bot");
    expect(messageAuthor({ sender: { id: 9, type: "agent_bot" }, sender_type: "Contact" }).type).toBe("agent_bot");
    expect(messageAuthor({}).type).toBeNull();
  });

  it("sends only documented conversation-list parameters and pages messages forward past 100", () => {
    const lists = sim.requests.filter((r) => r.path.endsWith("/conversations"));
    expect(lists.length).toBeGreaterThan(0);
    for (const r of lists) expect(Object.keys(r.query).sort()).toEqual(["page", "status"]);
    // The conversation with 130 new messages was read in two after= pages.
    const conv1 = acc(ws).conversations[1]!.id;
    const afterReads = sim.requests.filter((r) => r.path.endsWith(`/conversations/${conv1}/messages`) && r.query.after);
    expect(afterReads.length).toBeGreaterThanOrEqual(3);
  });

  it("an incremental sync brings every new message exactly once", async () => {
    expect(await storedIds(fx.projectA.id)).toEqual(afterIncremental);
    const events = await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: { in: ["message_received", "message_sent"] } } });
    expect(events).toBe(acc(ws).conversations.flatMap((c) => c.messages).filter((m) => m.message_type <= 1 && afterIncremental.includes(m.id)).length);
  });

  it("a server that ignores after=: detected, paged backwards with before= to the cursor; nothing lost, nothing twice", async () => {
    expect(await storedIds(fx.projectB.id)).toEqual(truthIds(oldWs));
    const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectB.id, connector: "chatwoot" } } });
    expect((state.cursor as { afterSupport: { ignored: boolean } }).afterSupport.ignored).toBe(true);
    expect(oldSim.requests.some((r) => r.query.before)).toBe(true);
    // Each message arrived once: message events equal the messages (activity messages have none).
    const msgs = acc(oldWs).conversations.flatMap((c) => c.messages).filter((m) => m.message_type <= 1).length;
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectB.id, eventType: { in: ["message_received", "message_sent"] } } })).toBe(msgs);
    // The modern server was asked after= and never needed before=.
    const modern = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "chatwoot" } } });
    expect((modern.cursor as { afterSupport: { ignored: boolean } }).afterSupport.ignored).toBe(false);
    expect(sim.requests.filter((r) => r.method === "GET").some((r) => r.query.before)).toBe(false);
  });
});
