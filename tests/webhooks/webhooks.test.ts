import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { dedupeKey } from "../../server/services/events/event-log.ts";
import { ensureScheduledJobs } from "../../server/services/jobs/scheduler.ts";
import { applyJobKey } from "../../server/services/webhooks/receive.ts";
import { startSimulators, SIM_CHATWOOT_TOKEN, type Simulators } from "../../server/simulators/index.ts";
import { chatwootMessageEvent, linearEvent, sendWebhook, type Delivery } from "../../server/simulators/webhook-sender.ts";
import { callerAs, codeOf, sessionAuth } from "../helpers/callers.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { startServer } from "../helpers/server.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";
import { startWorkerProcess, waitFor } from "../helpers/worker-process.ts";

// End to end: the real HTTP server, the real worker process (jobs/worker.ts) and the simulators.
// Scheduled syncs are switched off for the test projects, so whatever reaches the event log after a
// webhook came through the webhook, not the 15-minute poll.

const env = testEnv({ KAG_ENABLED: "false" });
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let server: Awaited<ReturnType<typeof startServer>>;
let worker: ReturnType<typeof startWorkerProcess>;
type Hook = { url: string; secret: string };
const hooks: Record<"A" | "B", Record<"chatwoot" | "linear", Hook>> = { A: {} as never, B: {} as never };

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 11, days: 30, end: new Date(), projects: 2 });
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
  await bindProjectToSims(db.prisma, env, sims, fx.projectB.id, 1);
  await ensureScheduledJobs(db.prisma, { now: new Date() });
  await db.prisma.scheduledJob.updateMany({ data: { enabled: false } });
  for (const p of [fx.projectA, fx.projectB]) {
    for (const c of ["chatwoot", "linear"] as const) expect((await runConnectorSync(db.prisma, env, { projectId: p.id, connector: c, now: new Date(), http: fastHttp })).status).toBe("ok");
  }
  server = await startServer(db, env);
  const owner = callerAs(db, env, sessionAuth(fx.owner));
  for (const [key, p] of [["A", fx.projectA], ["B", fx.projectB]] as const) {
    for (const c of ["chatwoot", "linear"] as const) await owner.webhooks.regenerate({ projectId: p.id, connector: c });
    const status = await owner.webhooks.status({ projectId: p.id });
    for (const c of ["chatwoot", "linear"] as const) {
      const s = status.find((x) => x.connector === c)!;
      hooks[key][c] = { url: s.url!.replace(/^https?:\/\/[^/]+/, server.url), secret: s.secret! };
    }
  }
  worker = startWorkerProcess(db.url, { SESSION_SECRET: env.SESSION_SECRET, NODE_ENV: "test", KAG_ENABLED: "false" });
  expect(await waitFor(async () => (await db.prisma.workerRun.count()) > 0, 30_000)).toBe(true);
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await sims?.close();
  await db?.drop();
});

const accountOf = (index: number) => Number(sims.bindings(index).chatwoot.externalId);

/** A client's new message in the Chatwoot simulator, through its own API. */
async function newChatwootMessage(index: number, content: string) {
  const acct = accountOf(index);
  const conv = sims.workspace.byChatwootAccount(acct)!.chatwoot.conversations[0]!;
  const res = await fetch(`${sims.chatwoot.url}/api/v1/accounts/${acct}/conversations/${conv.id}/messages`, {
    method: "POST", headers: { "content-type": "application/json", api_access_token: SIM_CHATWOOT_TOKEN }, body: JSON.stringify({ content, message_type: "incoming" }),
  });
  expect(res.status).toBe(200);
  const m = (await res.json()) as { id: number };
  return { acct, conversationId: conv.id, messageId: m.id };
}

const messageEvents = (projectId: string, acct: number, messageId: number) =>
  db.prisma.eventLog.count({ where: { projectId, dedupeKey: dedupeKey("chatwoot", String(acct), "message", messageId) } });
const deliveries = () => db.prisma.webhookDelivery.count();
const queued = (projectId: string, connector: "chatwoot" | "linear") =>
  db.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = $1`, [applyJobKey(projectId, connector)]).then((r) => r.rows[0].n as number);
const warnings = (projectId: string, reason: string) =>
  db.prisma.eventLog.count({ where: { projectId, eventType: "process_warning", source: "webhook", payload: { path: ["reason"], equals: reason } } });

describe("webhook receivers, end to end", () => {
  it("a new Chatwoot message and its signed webhook reach the event log without the poll, applied by webhook_apply; acks take < 50 ms", async () => {
    const m = await newChatwootMessage(0, "Could you also add a CSV export to the dashboard?");
    const delivery = chatwootMessageEvent(sims.workspace, { accountId: m.acct, conversationId: m.conversationId, messageId: m.messageId });
    const t0 = Date.now();
    const res = await sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, duplicate: false });
    expect(await waitFor(async () => (await messageEvents(fx.projectA.id, m.acct, m.messageId)) === 1, 15_000, 50)).toBe(true);
    const latency = Date.now() - t0;
    expect(latency).toBeLessThan(10_000);
    expect(await waitFor(async () => (await db.prisma.webhookDelivery.count({ where: { projectId: fx.projectA.id, status: "applied" } })) === 1, 5_000)).toBe(true);
    // It was the webhook's job that brought it in; no scheduled sync ran.
    // (The worker group-commits its run records within ~50 ms.)
    expect(await waitFor(async () => (await db.prisma.jobRun.count({ where: { projectId: fx.projectA.id, task: "webhook_apply", status: "succeeded" } })) >= 1, 5_000)).toBe(true);
    expect(await db.prisma.jobRun.count({ where: { task: { in: ["chatwoot_sync", "connectors_sync_cycle"] } } })).toBe(0);

    // The receiver answers fast (its own time, body read to answer; the client's round trip on this
    // shared machine is measured by npm run bench:webhooks): several more deliveries, warm.
    const acks: number[] = [];
    for (let i = 0; i < 9; i++) {
      const more = await newChatwootMessage(0, `Follow-up question number ${i}?`);
      const r = await sendWebhook(hooks.A.chatwoot.url, chatwootMessageEvent(sims.workspace, { accountId: more.acct, conversationId: more.conversationId, messageId: more.messageId }), { secret: hooks.A.chatwoot.secret });
      expect(r.status).toBe(200);
      acks.push(r.serverMs);
    }
    acks.sort((a, b) => a - b);
    expect(acks[Math.floor(acks.length / 2)]!).toBeLessThan(50);
  });

  it("a duplicate delivery is acknowledged and applied once", async () => {
    const m = await newChatwootMessage(0, "Is the invoice ready?");
    const delivery = chatwootMessageEvent(sims.workspace, { accountId: m.acct, conversationId: m.conversationId, messageId: m.messageId });
    expect((await sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret })).status).toBe(200);
    expect(await waitFor(async () => (await messageEvents(fx.projectA.id, m.acct, m.messageId)) === 1, 15_000, 50)).toBe(true);
    expect(await waitFor(async () => (await queued(fx.projectA.id, "chatwoot")) === 0, 15_000, 50)).toBe(true);
    const before = { deliveries: await deliveries() };
    // The provider retries the very same delivery (same id, same body, same signature).
    const again = await sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, duplicate: true });
    // A captured copy replayed under a new delivery id (headers are not signed) is the same delivery.
    const replay = await sendWebhook(hooks.A.chatwoot.url, { ...delivery, headers: { ...delivery.headers, "x-chatwoot-delivery": "forged-id", "idempotency-key": "forged-id" } }, { secret: hooks.A.chatwoot.secret });
    expect(replay.body).toMatchObject({ ok: true, duplicate: true });
    expect(await deliveries()).toBe(before.deliveries);
    // Nothing was queued for it (checked on the queue itself: counting apply runs would also count a
    // late apply of an earlier test's burst on a loaded machine), and the message stays one event.
    expect(await queued(fx.projectA.id, "chatwoot")).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await messageEvents(fx.projectA.id, m.acct, m.messageId)).toBe(1);
  });

  it("a bad signature, a replay and malformed deliveries get 401/400, a process warning, and nothing else", async () => {
    const m = await newChatwootMessage(0, "Please call me back today");
    const delivery = chatwootMessageEvent(sims.workspace, { accountId: m.acct, conversationId: m.conversationId, messageId: m.messageId });
    const before = await deliveries();
    const cases: { send: () => ReturnType<typeof sendWebhook>; status: number; reason: string }[] = [
      { send: () => sendWebhook(hooks.A.chatwoot.url, delivery, { secret: "not-the-secret-0000000000" }), status: 401, reason: "bad_signature" },
      { send: () => sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret, unsigned: true }), status: 401, reason: "unsigned" },
      { send: () => sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret, timestampSeconds: Math.floor(Date.now() / 1000) - 600 }), status: 401, reason: "replayed" },
      { send: () => sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret, rawBody: '{"event": "message_created", "account": ' }), status: 400, reason: "malformed" },
      { send: () => sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret, rawBody: JSON.stringify({ content: "no event, no account" }) }), status: 400, reason: "malformed" },
      // Linear: a delivery older than a minute is a replay, however well signed.
      { send: () => { const d = linearEvent(sims.workspace, { workspaceId: sims.bindings(0).linear.externalId, type: "Issue", id: sims.workspace.byLinearWorkspace(sims.bindings(0).linear.externalId)!.linear.issues[0]!.id });
        (d.body as { webhookTimestamp: number }).webhookTimestamp -= 120_000; return sendWebhook(hooks.A.linear.url, d, { secret: hooks.A.linear.secret }); }, status: 401, reason: "replayed" },
    ];
    for (const c of cases) {
      const res = await c.send();
      expect({ status: res.status, reason: res.body.error }).toEqual({ status: c.status, reason: c.reason });
      expect(await warnings(fx.projectA.id, c.reason)).toBeGreaterThanOrEqual(1);
    }
    expect(await deliveries()).toBe(before);
    expect(await queued(fx.projectA.id, "chatwoot")).toBe(0);
    expect(await queued(fx.projectA.id, "linear")).toBe(0);
    // An unknown URL: 401, no project touched.
    const unknown = await sendWebhook(hooks.A.chatwoot.url.replace(/[^/]+$/, "x".repeat(32)), delivery, { secret: hooks.A.chatwoot.secret });
    expect(unknown.status).toBe(401);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await messageEvents(fx.projectA.id, m.acct, m.messageId)).toBe(0);
  });

  it("a delivery never touches another project: B's message to A's URL is refused, signed with either secret", async () => {
    const m = await newChatwootMessage(1, "Message in project B's account");
    const delivery: Delivery = chatwootMessageEvent(sims.workspace, { accountId: m.acct, conversationId: m.conversationId, messageId: m.messageId });
    const before = await deliveries();
    const withA = await sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret });
    expect(withA.status).toBe(400);
    expect(withA.body.error).toBe("wrong_account");
    const withB = await sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.B.chatwoot.secret });
    expect(withB.status).toBe(401);
    expect(await deliveries()).toBe(before);
    expect(await queued(fx.projectA.id, "chatwoot")).toBe(0);
    expect(await queued(fx.projectB.id, "chatwoot")).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of [fx.projectA, fx.projectB]) expect(await messageEvents(p.id, m.acct, m.messageId)).toBe(0);
    // The same delivery at B's own URL is B's, and only B's.
    expect((await sendWebhook(hooks.B.chatwoot.url, delivery, { secret: hooks.B.chatwoot.secret })).status).toBe(200);
    expect(await waitFor(async () => (await messageEvents(fx.projectB.id, m.acct, m.messageId)) === 1, 15_000, 50)).toBe(true);
    expect(await messageEvents(fx.projectA.id, m.acct, m.messageId)).toBe(0);
  });

  it("a Linear issue created in the simulator arrives through its signed webhook", async () => {
    const wsId = sims.bindings(0).linear.externalId;
    const lin = sims.workspace.byLinearWorkspace(wsId)!.linear;
    const gql = await fetch(`${sims.linear.url}/graphql`, {
      method: "POST", headers: { "content-type": "application/json", authorization: sims.bindings(0).linear.token },
      body: JSON.stringify({ query: "mutation($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id } } }", variables: { input: { teamId: lin.teamId, title: "Webhook-borne issue" } } }),
    });
    const created = (await gql.json()) as { data: { issueCreate: { issue: { id: string } } } };
    const issueId = created.data.issueCreate.issue.id;
    const res = await sendWebhook(hooks.A.linear.url, linearEvent(sims.workspace, { workspaceId: wsId, type: "Issue", id: issueId, action: "create" }), { secret: hooks.A.linear.secret });
    expect(res.status).toBe(200);
    expect(await waitFor(async () => (await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "issue_created", payload: { path: ["title"], equals: "Webhook-borne issue" } } })) === 1, 15_000, 50)).toBe(true);
  });

  it("while the connector waits out the provider's limit, a delivery stays waiting and its apply is booked for the resume time, not marked applied", async () => {
    const resumeAt = new Date(Date.now() + 10 * 60_000);
    const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "chatwoot" } } });
    await db.prisma.connectorSyncState.update({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "chatwoot" } }, data: { status: "partial", meta: { ...(state.meta as object), resumeAt: resumeAt.toISOString() } } });
    try {
      const m = await newChatwootMessage(0, "Any news on the contract?");
      const delivery = chatwootMessageEvent(sims.workspace, { accountId: m.acct, conversationId: m.conversationId, messageId: m.messageId });
      expect((await sendWebhook(hooks.A.chatwoot.url, delivery, { secret: hooks.A.chatwoot.secret })).status).toBe(200);
      const booked = async () => (await db.pool.query(`SELECT run_at FROM graphile_worker.jobs WHERE key = $1`, [applyJobKey(fx.projectA.id, "chatwoot")])).rows[0]?.run_at as Date | undefined;
      expect(await waitFor(async () => (await booked())?.getTime() === resumeAt.getTime(), 15_000, 50)).toBe(true);
      expect((await db.prisma.webhookDelivery.findFirstOrThrow({ orderBy: { id: "desc" } })).status).toBe("received");
      expect(await messageEvents(fx.projectA.id, m.acct, m.messageId)).toBe(0);
    } finally {
      await db.prisma.connectorSyncState.update({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "chatwoot" } }, data: { status: "ok", meta: state.meta as object } });
      await db.pool.query(`SELECT graphile_worker.remove_job($1)`, [applyJobKey(fx.projectA.id, "chatwoot")]);
    }
  });

  it("owners and PMs see the URL and secret; viewers see the status only and cannot regenerate; regenerating is audited and retires the old URL", async () => {
    const viewer = callerAs(db, env, sessionAuth(fx.viewer));
    const seen = await viewer.webhooks.status({ projectId: fx.projectA.id });
    expect(seen.length).toBe(3);
    for (const s of seen) {
      expect(s.url).toBeUndefined();
      expect(s.secret).toBeUndefined();
    }
    expect(seen.find((s) => s.connector === "chatwoot")!.failures24h).toBeGreaterThanOrEqual(5);
    expect(seen.find((s) => s.connector === "chatwoot")!.lastDeliveryAt).not.toBeNull();
    expect(await codeOf(viewer.webhooks.regenerate({ projectId: fx.projectA.id, connector: "chatwoot" }))).toBe("FORBIDDEN");
    const pm = callerAs(db, env, sessionAuth(fx.pm));
    await pm.webhooks.regenerate({ projectId: fx.projectA.id, connector: "linear" });
    expect(await db.prisma.auditEvent.count({ where: { projectId: fx.projectA.id, action: "webhook.secret_regenerated" } })).toBe(1);
    const fresh = (await pm.webhooks.status({ projectId: fx.projectA.id })).find((s) => s.connector === "linear")!;
    expect(fresh.secret).not.toBe(hooks.A.linear.secret);
    const lin = sims.workspace.byLinearWorkspace(sims.bindings(0).linear.externalId)!.linear;
    const old = await sendWebhook(hooks.A.linear.url, linearEvent(sims.workspace, { workspaceId: lin.workspaceId, type: "Issue", id: lin.issues[0]!.id }), { secret: hooks.A.linear.secret });
    expect(old.status).toBe(401);
    // Secrets are stored encrypted.
    const row = await db.prisma.webhookEndpoint.findFirstOrThrow({ where: { projectId: fx.projectA.id, connector: "linear" } });
    expect(row.secret).not.toContain(fresh.secret!);
    expect(row.secret.startsWith("v1.")).toBe(true);
  });
});
