import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindSource } from "../../server/services/connectors/sources.ts";
import { DEFAULT_LIMITS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { CHATWOOT_DEFAULT_RATE_LIMIT, growChatwootAccount, startChatwootSim, type ChatwootSim } from "../../server/simulators/chatwoot-sim.ts";
import { createWorkspace, type Workspace } from "../../server/simulators/generator.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";

// The target: a large Chatwoot account against a simulator that throttles like Rack::Attack
// (300 requests per minute per client), synced with the connector's default limits (4 requests/s,
// 1,000 requests per run). It takes as many runs as the budget requires, each resuming where the last
// stopped, with nothing lost, nothing fetched or stored twice, and never a request over the limit.
//
// Time is scaled: the simulator's clock runs SCALE times faster (a one-minute Rack::Attack window lasts
// 60/SCALE real seconds) and the client's rate is the default 4/s × SCALE, so the client keeps the same
// share of the limit as in real time; the bucket keeps its real-time size (2 s of the default rate = 8
// requests), which a sped-up rate would otherwise inflate 25-fold. So at most 240 + 8 = 248 requests
// fall in any window, as in real time. CW_TARGET_CONVERSATIONS sets the size (default 2,000).

const SCALE = 25;
const REAL_BURST = 2 * DEFAULT_LIMITS.chatwoot.ratePerSecond;
const SIZE = Number(process.env.CW_TARGET_CONVERSATIONS ?? 2000);
const TOKEN = "cw-budget-token";
const END = new Date("2026-11-20T00:00:00Z");
const env = testEnv();

let db: TestDb;
let fx: Fixture;
let ws: Workspace;
let sim: ChatwootSim;
let fastWs: Workspace;
let fastSim: ChatwootSim;

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  ws = createWorkspace({ seed: 21, projects: 1, days: 30, end: END, situations: [] });
  growChatwootAccount(ws.project(0)!.chatwoot, { conversations: SIZE, end: END, seed: 21 });
  sim = await startChatwootSim(ws, TOKEN, undefined, { rateLimit: CHATWOOT_DEFAULT_RATE_LIMIT, timeScale: SCALE });
  // A client that ignores the pacing (an operator raised ratePerSecond) meets the throttle itself.
  fastWs = createWorkspace({ seed: 22, projects: 2, days: 30, end: END, situations: [] });
  growChatwootAccount(fastWs.project(1)!.chatwoot, { conversations: 150, end: END, seed: 22 });
  fastSim = await startChatwootSim(fastWs, TOKEN, undefined, { rateLimit: { limit: 60, periodSeconds: 60 }, timeScale: SCALE });
  await bindSource(db.prisma, env, { projectId: fx.projectB.id, connector: "chatwoot", externalId: String(fastWs.project(1)!.chatwoot.accountId), baseUrl: fastSim.url, token: TOKEN, limits: { ratePerSecond: 1000 } });
  await bindSource(db.prisma, env, {
    projectId: fx.projectA.id, connector: "chatwoot", externalId: String(ws.project(0)!.chatwoot.accountId), baseUrl: sim.url, token: TOKEN,
    // The default rate on the scaled clock; the default budget as it is.
    limits: { ratePerSecond: DEFAULT_LIMITS.chatwoot.ratePerSecond * SCALE },
  });
});
afterAll(async () => {
  await sim?.close();
  await fastSim?.close();
  await db?.drop();
});

describe(`a ${SIZE}-conversation Chatwoot account under Rack::Attack's limit`, () => {
  it("completes over as many runs as the budget requires: 0 lost, 0 duplicated, never over the limit", async () => {
    const acc = ws.project(0)!.chatwoot;
    const started = Date.now();
    const runs: { requests: number; fetched: number; written: number; incomplete: number; skipped: number }[] = [];
    let now = END;
    let lateMessageId = 0;
    for (let i = 0; i < 20; i++) {
      const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "chatwoot", now, http: { burst: REAL_BURST } });
      expect(res.status, JSON.stringify(res)).toBe("ok");
      if (res.status !== "ok") break;
      const c = res.counters;
      runs.push({ requests: c.httpRequests!, fetched: c.messagesFetched!, written: c.messagesWritten!, incomplete: c.incomplete!, skipped: c.conversationsSkipped! });
      expect(c.httpRequests).toBeLessThanOrEqual(DEFAULT_LIMITS.chatwoot.requestBudget);
      if (i === 0) {
        // Mid-sync activity: a new message in a conversation the first run already stored.
        const storedConv = await db.prisma.cwConversation.findFirstOrThrow({ where: { projectId: fx.projectA.id }, select: { externalId: true } });
        const conv = acc.conversations.find((x) => String(x.id) === storedConv.externalId)!;
        lateMessageId = Math.max(...acc.conversations.flatMap((x) => x.messages.map((m) => m.id))) + 1;
        conv.messages.push({ id: lateMessageId, content: "One more thing", message_type: 0, private: false, sender_type: "contact", sender_id: conv.contact_id, created_at: Math.floor(END.getTime() / 1000) + 600 });
      }
      if (!res.resumeAt) break;
      // The follow-up job waits as the connector asked (on the scaled clock).
      await new Promise((r) => setTimeout(r, (res.resumeAt!.getTime() - now.getTime()) / SCALE));
      now = res.resumeAt;
    }
    const firstPass = runs.length;
    // The run after the pass: only the message written mid-sync is new.
    const after = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "chatwoot", now: new Date(now.getTime() + 3600_000), http: { burst: REAL_BURST } });
    expect(after.status).toBe("ok");
    if (after.status === "ok") runs.push({ requests: after.counters.httpRequests!, fetched: after.counters.messagesFetched!, written: after.counters.messagesWritten!, incomplete: after.counters.incomplete!, skipped: after.counters.conversationsSkipped! });
    const elapsed = Date.now() - started;

    const truth = acc.conversations.flatMap((c) => c.messages);
    const requests = runs.reduce((n, r) => n + r.requests, 0);
    console.log(JSON.stringify({ conversations: SIZE, messages: truth.length, runs: runs.length, firstPassRuns: firstPass, requests, perRun: runs, throttle: sim.throttle, realMs: elapsed, scale: SCALE }));

    // The budget decided the number of runs: every run but the last of the pass stopped on it.
    expect(firstPass).toBeGreaterThanOrEqual(Math.ceil(SIZE / DEFAULT_LIMITS.chatwoot.requestBudget));
    expect(runs.slice(0, firstPass - 1).every((r) => r.incomplete === 1 && r.requests === DEFAULT_LIMITS.chatwoot.requestBudget)).toBe(true);
    expect(runs[firstPass - 1]!.incomplete).toBe(0);
    // 0 lost: every conversation and message (the mid-sync one too) is stored.
    expect(await db.prisma.cwConversation.count({ where: { projectId: fx.projectA.id } })).toBe(SIZE);
    const stored = (await db.prisma.cwMessage.findMany({ where: { projectId: fx.projectA.id }, select: { externalId: true } })).map((m) => Number(m.externalId)).sort((a, b) => a - b);
    expect(stored).toEqual(truth.map((m) => m.id).sort((a, b) => a - b));
    expect(stored).toContain(lateMessageId);
    // 0 duplicated: each message was fetched and written once over all runs, and has one event.
    expect(runs.reduce((n, r) => n + r.fetched, 0)).toBe(truth.length);
    expect(runs.reduce((n, r) => n + r.written, 0)).toBe(truth.length);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: { in: ["message_received", "message_sent"] } } })).toBe(truth.length);
    // Never over the limit: the simulator refused nothing and no window held more than 300.
    expect(sim.throttle.throttled).toBe(0);
    expect(sim.throttle.maxInWindow).toBeLessThanOrEqual(CHATWOOT_DEFAULT_RATE_LIMIT.limit);
    expect(sim.throttle.maxInWindow).toBeLessThanOrEqual(60 * DEFAULT_LIMITS.chatwoot.ratePerSecond + REAL_BURST);
    expect(sim.throttle.served).toBe(requests);
    // A further run writes nothing.
    const idle = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "chatwoot", now: new Date(now.getTime() + 2 * 3600_000), http: { burst: REAL_BURST } });
    expect(idle.status === "ok" && idle.counters.messagesWritten === 0 && idle.counters.conversationsWritten === 0).toBe(true);
  }, 180_000);

  it("Rack::Attack's 429 ('Retry later', text/plain, no Retry-After) stops a run that outruns the limit; the next runs resume and finish with nothing lost or repeated", async () => {
    const acc = fastWs.project(1)!.chatwoot;
    // What the throttle answers, straight from the simulator.
    const probeSim = await startChatwootSim(fastWs, TOKEN, undefined, { rateLimit: { limit: 1, periodSeconds: 3600 } });
    const url = `${probeSim.url}/api/v1/accounts/${acc.accountId}/inboxes`;
    expect((await fetch(url, { headers: { api_access_token: TOKEN } })).status).toBe(200);
    const refused = await fetch(url, { headers: { api_access_token: TOKEN } });
    expect([refused.status, refused.headers.get("content-type"), refused.headers.get("retry-after"), await refused.text()]).toEqual([429, "text/plain", null, "Retry later\n"]);
    await probeSim.close();

    const outcomes: string[] = [];
    let fetched = 0;
    let now = END;
    for (let i = 0; i < 40; i++) {
      // Retries without waiting: the throttle outlasts them and the connector stops on purpose.
      const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: "chatwoot", now, http: { sleep: async () => {}, baseDelayMs: 1, maxDelayMs: 5 } });
      expect(res.status, JSON.stringify(res)).toBe("ok");
      if (res.status !== "ok") break;
      fetched += res.counters.messagesFetched!;
      outcomes.push(res.resumeAt ? "incomplete" : "done");
      if (!res.resumeAt) break;
      const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectB.id, connector: "chatwoot" } } });
      expect([state.status, (state.meta as { incompleteReason?: string }).incompleteReason]).toEqual(["partial", "rate_limited"]);
      await new Promise((r) => setTimeout(r, (res.resumeAt!.getTime() - now.getTime()) / SCALE));
      now = res.resumeAt;
    }
    console.log(JSON.stringify({ conversations: acc.conversations.length, messages: fetched, runs: outcomes, throttle: fastSim.throttle }));
    expect(outcomes.at(-1)).toBe("done");
    expect(outcomes.filter((o) => o === "incomplete").length).toBeGreaterThanOrEqual(1);
    expect(fastSim.throttle.throttled).toBeGreaterThan(0);
    const truth = acc.conversations.flatMap((c) => c.messages.map((m) => m.id)).sort((a, b) => a - b);
    const stored = (await db.prisma.cwMessage.findMany({ where: { projectId: fx.projectB.id }, select: { externalId: true } })).map((m) => Number(m.externalId)).sort((a, b) => a - b);
    expect(stored).toEqual(truth);
    expect(fetched).toBe(truth.length);
  }, 120_000);
});
