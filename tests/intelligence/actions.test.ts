import { Logger, runOnce } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTaskList } from "../../jobs/task-list.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { requestAction, retryAction } from "../../server/services/intelligence/actions.ts";
import { refreshProjectRecommendations } from "../../server/services/intelligence/pipeline.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// Actions on recommendations, executed by the worker against the Chatwoot and Linear simulators.

const silent = new Logger(() => () => {});
const END = new Date("2026-11-20T00:00:00Z");
const NOW = new Date("2026-11-20T09:00:00Z");
const env = testEnv();
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let recId: string;
const actor = () => ({ type: "user" as const, userId: fx.pm.id, workspaceId: fx.ws.id });
const work = () => runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "actions-test", now: () => NOW }), logger: silent });
const makeDue = () => db.prisma.$executeRaw`UPDATE graphile_worker._private_jobs SET run_at = now() - interval '1 second' WHERE locked_at IS NULL`;

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 4, projects: 1, days: 40, end: END, profiles: [{ clientName: "Wonka", name: "Wonka", situations: ["client_silence"] }] });
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
  for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: c, now: END, http: fastHttp })).status).toBe("ok");
  await refreshProjectRecommendations(db.prisma, env, fx.projectA.id, NOW);
  recId = (await db.prisma.recommendationV2.findFirstOrThrow({ where: { projectId: fx.projectA.id, category: "waiting_on_client" } })).id;
});
afterAll(async () => {
  await sims.close();
  await db.drop();
});

describe("recommendation actions", () => {
  it("send_message: the follow-up reaches Chatwoot once, the run succeeds, the recommendation is acknowledged and audited", async () => {
    const conv = sims.workspace.project(0)!.chatwoot.conversations;
    const before = conv.reduce((n, c) => n + c.messages.length, 0);
    const req = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: {}, actor: actor(), now: NOW });
    expect(req).toMatchObject({ status: "pending", idempotent: false });
    await work();
    const run = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(run).toMatchObject({ status: "succeeded", attempts: 1, error: null });
    expect(conv.reduce((n, c) => n + c.messages.length, 0)).toBe(before + 1);
    const posted = sims.chatwoot.requests.filter((r) => r.method === "POST");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toMatchObject({ message_type: "outgoing", private: false });
    expect((await db.prisma.recommendationV2.findUniqueOrThrow({ where: { id: recId } })).status).toBe("acknowledged");
    expect(await db.prisma.auditEvent.count({ where: { action: "recommendation_action_taken", entityId: recId } })).toBe(1);

    // The same action again: the same run, nothing sent twice.
    const again = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: {}, actor: actor(), now: NOW });
    expect(again).toMatchObject({ runId: req.runId, idempotent: true });
    await work();
    expect(sims.chatwoot.requests.filter((r) => r.method === "POST")).toHaveLength(1);

    // The next sync brings the reply in as a team message: the client is no longer "waiting on us".
    expect((await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "chatwoot", now: new Date(), http: fastHttp })).status).toBe("ok");
    expect(await db.prisma.cwMessage.count({ where: { projectId: fx.projectA.id, externalId: String((run.result as { messageId: number }).messageId) } })).toBe(1);
  });

  it("create_or_update_task: one Linear issue with the run's id; a retry after a crash finds it instead of creating another", async () => {
    const issues = sims.workspace.project(0)!.linear.issues;
    const before = issues.length;
    const req = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "create_or_update_task", payload: {}, actor: actor(), now: NOW });
    await work();
    const run = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(run.status).toBe("succeeded");
    expect(issues.length).toBe(before + 1);
    const created = issues.find((i) => i.id === req.runId)!;
    expect(created.title).toMatch(/^\[Control Tower\] /);
    expect(created.description).toContain("Evidence:");
    // Simulate a crash after Linear accepted it: the run is pending again; the next attempt recovers.
    await db.prisma.recommendationActionRun.update({ where: { id: req.runId }, data: { status: "failed", attempts: 1 } });
    await retryAction(db.prisma, { projectId: fx.projectA.id, runId: req.runId, actor: actor() });
    await work();
    const again = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(again.status).toBe("succeeded");
    expect(again.result).toMatchObject({ issueId: req.runId, recovered: true });
    expect(issues.length).toBe(before + 1);
  });

  it("a provider that keeps failing: attempts are counted with their errors, the run ends dead; a manual retry succeeds", async () => {
    sims.chatwoot.failAlways({ kind: "5xx", status: 500 });
    const req = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: { content: "Checking in on the designs — any feedback?" }, actor: actor(), now: NOW });
    // Each worker pass runs the due attempt; the backoff between attempts is skipped by making the job due.
    for (let i = 0; i < 6; i++) {
      await makeDue();
      await work();
      if ((await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } })).status === "dead") break;
    }
    const dead = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(dead).toMatchObject({ status: "dead", attempts: 3 });
    expect(dead.error).toMatch(/500/);
    sims.chatwoot.failAlways(null);
    await retryAction(db.prisma, { projectId: fx.projectA.id, runId: req.runId, actor: actor() });
    await makeDue();
    await work();
    const retried = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(retried.status, JSON.stringify(retried)).toBe("succeeded");
  });

  it("set_reminder: schedules one reminder per recommendation; when due it puts the recommendation back in the feed", async () => {
    const remindAt = new Date(Date.now() + 3600_000);
    const req = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "set_reminder", payload: { remindAt: remindAt.toISOString() }, actor: actor(), now: NOW });
    await work();
    expect((await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } })).status).toBe("succeeded");
    const [job] = await db.prisma.$queryRaw<{ run_at: Date }[]>`SELECT run_at FROM graphile_worker.jobs WHERE key = ${`recommendation_reminder:${recId}`}`;
    expect(job!.run_at.toISOString()).toBe(remindAt.toISOString());
    await makeDue();
    await work();
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "reminder_due", sourceRef: `recommendation:${recId}` } })).toBe(1);
  });

  it("bad payloads and hidden recommendations are refused with clear errors", async () => {
    await expect(requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: { content: "" }, actor: actor(), now: NOW })).rejects.toThrow(/content/);
    await db.prisma.recommendationV2.update({ where: { id: recId }, data: { gateStatus: "hidden", gateReason: "missing_primary_source" } });
    await expect(requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: {}, actor: actor(), now: NOW })).rejects.toThrow(/evidence gate/);
    await db.prisma.recommendationV2.update({ where: { id: recId }, data: { gateStatus: "visible", gateReason: "visible" } });
    await expect(requestAction(db.prisma, env, { projectId: fx.projectB.id, recommendationId: recId, type: "send_message", payload: {}, actor: actor(), now: NOW })).rejects.toThrow(/not found/);
  });
});
