import { Logger, runOnce } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTaskList } from "../../jobs/task-list.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { requestAction, retryAction } from "../../server/services/intelligence/actions.ts";
import { actionOptions, draftAction, type MessageDraft, type TaskDraft } from "../../server/services/intelligence/action-drafts.ts";
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
let ruRecId: string;
const actor = () => ({ type: "user" as const, userId: fx.pm.id, workspaceId: fx.ws.id });
const work = () => runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "actions-test", now: () => NOW }), logger: silent });
const makeDue = () => db.prisma.$executeRaw`UPDATE graphile_worker._private_jobs SET run_at = now() - interval '1 second' WHERE locked_at IS NULL`;

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 4, projects: 2, days: 40, end: END, profiles: [
    { clientName: "Wonka", name: "Wonka", situations: ["client_silence"] },
    { clientName: "Vostok", name: "Vostok Portal", situations: ["client_silence", "budget_overrun"] },
  ] });
  // The second client writes in Russian (texts written for this test, not taken from any rule).
  const russian = ["Добрый день! Посмотрели демо, в целом всё нравится.", "Когда будет следующий релиз?", "Спасибо, получили счёт.", "Можно перенести созвон на четверг?"];
  let i = 0;
  for (const c of sims.workspace.project(1)!.chatwoot.conversations) for (const m of c.messages) if (m.message_type === 0) m.content = russian[i++ % russian.length]!;
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
  await bindProjectToSims(db.prisma, env, sims, fx.projectB.id, 1);
  for (const p of [fx.projectA.id, fx.projectB.id]) {
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: p, connector: c, now: END, http: fastHttp })).status).toBe("ok");
    await refreshProjectRecommendations(db.prisma, env, p, NOW);
  }
  recId = (await db.prisma.recommendationV2.findFirstOrThrow({ where: { projectId: fx.projectA.id, category: "waiting_on_client" } })).id;
  ruRecId = (await db.prisma.recommendationV2.findFirstOrThrow({ where: { projectId: fx.projectB.id, category: "waiting_on_client" } })).id;
});
afterAll(async () => {
  await sims.close();
  await db.drop();
});

describe("recommendation actions", () => {
  const draft = async (id = recId, projectId = fx.projectA.id) => (await draftAction(db.prisma, env, { projectId, recommendationId: id, type: "send_message", senderName: "Pat Morgan", now: NOW })) as MessageDraft;

  it("a message to the client is a draft first: written for the client, in the conversation's language, with recipient and conversation", async () => {
    const rec = await db.prisma.recommendationV2.findUniqueOrThrow({ where: { id: recId } });
    const d = await draft();
    // Never the internal wording: not the title, rationale, why-now or expected impact, no risk talk.
    for (const internal of [rec.title, rec.rationale, rec.whyNow, rec.expectedImpact]) expect(d.content).not.toContain(internal);
    expect(d.content).not.toMatch(/risk|chase|%|priority/i);
    expect(d.language).toBe("en");
    expect(d.content).toMatch(/^Hi \p{L}+,/u);
    expect(d.content).toContain("Pat Morgan");
    // The conversation is the one where the team's unanswered request sits, and the draft refers to it.
    const planted = sims.workspace.project(0)!.situations.find((s) => s.kind === "client_silence")!;
    const ask = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: fx.projectA.id, externalId: String(planted.evidence.chatwootMessageIds[0]) } });
    expect(String(d.conversationId)).toBe(ask.conversationExternalId);
    expect(d.conversationUrl).toMatch(new RegExp(`/app/accounts/\\d+/conversations/${d.conversationId}$`));
    expect(d.recipient.name).toBeTruthy();
    expect(d.recent.length).toBeGreaterThan(0);
    // Nothing was sent by drafting.
    expect(sims.chatwoot.requests.filter((r) => r.method === "POST")).toHaveLength(0);

    const ru = await draft(ruRecId, fx.projectB.id);
    expect(ru.language).toBe("ru");
    expect(ru.content).toMatch(/^Здравствуйте/);
    expect(ru.followUpSteps.every((s) => /[а-я]/i.test(s.content))).toBe(true);
  });

  it("sending needs the confirmed text: without it nothing is queued; with it exactly that text reaches Chatwoot once, and the log keeps it", async () => {
    const d = await draft();
    await expect(requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: {}, actor: actor(), now: NOW })).rejects.toThrow(/confirmed message text is required/);
    await expect(requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: { content: "Hello", conversationId: 999_999 }, actor: actor(), now: NOW })).rejects.toThrow(/no such conversation/);
    expect(await db.prisma.recommendationActionRun.count()).toBe(0);

    const conv = sims.workspace.project(0)!.chatwoot.conversations;
    const before = conv.reduce((n, c) => n + c.messages.length, 0);
    const edited = `${d.content}\n\nP.S. The staging link is unchanged.`;
    const req = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: { content: edited, conversationId: d.conversationId }, actor: actor(), now: NOW });
    expect(req).toMatchObject({ status: "pending", idempotent: false });
    await work();
    const run = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(run).toMatchObject({ status: "succeeded", attempts: 1, error: null });
    expect(run.result).toMatchObject({ content: edited, conversationId: d.conversationId, url: d.conversationUrl });
    expect(conv.reduce((n, c) => n + c.messages.length, 0)).toBe(before + 1);
    const posted = sims.chatwoot.requests.filter((r) => r.method === "POST");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toMatchObject({ content: edited.trim(), message_type: "outgoing", private: false });
    expect(posted[0]!.path).toContain(`/conversations/${d.conversationId}/messages`);
    expect((await db.prisma.recommendationV2.findUniqueOrThrow({ where: { id: recId } })).status).toBe("acknowledged");
    expect(await db.prisma.auditEvent.count({ where: { action: "recommendation_action_taken", entityId: recId } })).toBe(1);

    // The same text again: the same run, nothing sent twice.
    const again = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: { content: edited, conversationId: d.conversationId }, actor: actor(), now: NOW });
    expect(again).toMatchObject({ runId: req.runId, idempotent: true });
    await work();
    expect(sims.chatwoot.requests.filter((r) => r.method === "POST")).toHaveLength(1);

    // The next sync brings the reply in as a team message.
    expect((await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "chatwoot", now: new Date(), http: fastHttp })).status).toBe("ok");
    expect(await db.prisma.cwMessage.count({ where: { projectId: fx.projectA.id, externalId: String((run.result as { messageId: number }).messageId) } })).toBe(1);
  });

  it("actions are offered only where they can work and fit: no client message for a budget review, none without Chatwoot, none once done", async () => {
    const finance = await db.prisma.recommendationV2.findFirstOrThrow({ where: { projectId: fx.projectB.id, category: "finance_risk" } });
    const opts = await actionOptions(db.prisma, { projectId: fx.projectB.id, recommendationId: finance.id });
    expect(opts.find((o) => o.type === "send_message")).toMatchObject({ available: false, reason: expect.stringMatching(/team/) });
    expect(opts.find((o) => o.type === "create_or_update_task")).toMatchObject({ available: true });
    await expect(draftAction(db.prisma, env, { projectId: fx.projectB.id, recommendationId: finance.id, type: "send_message", senderName: null, now: NOW })).rejects.toThrow(/not available/);
    await expect(requestAction(db.prisma, env, { projectId: fx.projectB.id, recommendationId: finance.id, type: "send_message", payload: { content: "Hi", conversationId: 1 }, actor: actor(), now: NOW })).rejects.toThrow(/not available/);

    const waiting = await actionOptions(db.prisma, { projectId: fx.projectB.id, recommendationId: ruRecId });
    expect(waiting.filter((o) => o.available).map((o) => o.type).sort()).toEqual(["create_or_update_task", "follow_up_sequence", "send_message", "set_reminder"]);
    const source = await db.prisma.projectSource.findFirstOrThrow({ where: { projectId: fx.projectB.id, kind: "chatwoot_account" } });
    await db.prisma.projectSource.delete({ where: { id: source.id } });
    expect((await actionOptions(db.prisma, { projectId: fx.projectB.id, recommendationId: ruRecId })).find((o) => o.type === "send_message")).toMatchObject({ available: false, reason: expect.stringMatching(/Chatwoot/) });
    await db.prisma.projectSource.create({ data: { ...source, config: source.config as object } });

    await db.prisma.recommendationV2.update({ where: { id: ruRecId }, data: { status: "done" } });
    expect((await actionOptions(db.prisma, { projectId: fx.projectB.id, recommendationId: ruRecId })).every((o) => !o.available)).toBe(true);
    await db.prisma.recommendationV2.update({ where: { id: ruRecId }, data: { status: "new" } });
  });

  it("create_or_update_task: drafted with a team and a due date that is never in the past; one Linear issue with the run's id; a retry after a crash finds it", async () => {
    // A recommendation raised long ago: its own due date has passed.
    await db.prisma.recommendationV2.update({ where: { id: recId }, data: { dueDate: new Date("2026-11-01T00:00:00Z") } });
    const d = (await draftAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "create_or_update_task", senderName: null, now: NOW })) as TaskDraft;
    expect(d.dueDate).toBe("2026-11-20");
    expect(d.teams.length).toBeGreaterThan(0);
    await expect(requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "create_or_update_task", payload: { dueDate: "2026-11-19" }, actor: actor(), now: NOW })).rejects.toThrow(/past/);
    const issues = sims.workspace.project(0)!.linear.issues;
    const before = issues.length;
    const req = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "create_or_update_task", payload: { title: d.title, teamId: d.teamId!, dueDate: d.dueDate }, actor: actor(), now: NOW });
    await work();
    const run = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(run.status).toBe("succeeded");
    expect(issues.length).toBe(before + 1);
    const created = issues.find((i) => i.id === req.runId)!;
    expect(created.title).toBe(d.title);
    expect(created.dueDate).toBe("2026-11-20");
    expect(created.description).toContain("Evidence:");
    // Without a date of its own the task takes the recommendation's, moved to today when it has passed.
    const plain = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "create_or_update_task", payload: {}, actor: actor(), now: NOW });
    await work();
    expect(issues.find((i) => i.id === plain.runId)!.dueDate).toBe("2026-11-20");
    // Simulate a crash after Linear accepted it: the run is pending again; the next attempt recovers.
    await db.prisma.recommendationActionRun.update({ where: { id: req.runId }, data: { status: "failed", attempts: 1 } });
    await retryAction(db.prisma, { projectId: fx.projectA.id, runId: req.runId, actor: actor() });
    await work();
    const again = await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: req.runId } });
    expect(again.status).toBe("succeeded");
    expect(again.result).toMatchObject({ issueId: req.runId, recovered: true });
    expect(issues.length).toBe(before + 2);
  });

  it("a provider that keeps failing: attempts are counted with their errors, the run ends dead; a manual retry succeeds", async () => {
    const d = await draft();
    sims.chatwoot.failAlways({ kind: "5xx", status: 500 });
    const req = await requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: { content: "Checking in on the designs — any feedback?", conversationId: d.conversationId }, actor: actor(), now: NOW });
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
    await expect(requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: { content: "", conversationId: 1 }, actor: actor(), now: NOW })).rejects.toThrow(/empty/);
    await db.prisma.recommendationV2.update({ where: { id: recId }, data: { gateStatus: "hidden", gateReason: "missing_primary_source" } });
    await expect(requestAction(db.prisma, env, { projectId: fx.projectA.id, recommendationId: recId, type: "send_message", payload: {}, actor: actor(), now: NOW })).rejects.toThrow(/evidence gate/);
    await db.prisma.recommendationV2.update({ where: { id: recId }, data: { gateStatus: "visible", gateReason: "visible" } });
    await expect(requestAction(db.prisma, env, { projectId: fx.projectB.id, recommendationId: recId, type: "send_message", payload: {}, actor: actor(), now: NOW })).rejects.toThrow(/not found/);
  });
});
