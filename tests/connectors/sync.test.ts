import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

let db: TestDb;
let fx: Fixture;
let sims: Simulators;
const env = testEnv();
const END = new Date("2026-11-20T00:00:00Z");

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 7, projects: 3, days: 60, end: END, situations: ["client_silence", "aging_blockers", "budget_overrun", "scope_creep", "upsell_need"] });
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
  await bindProjectToSims(db.prisma, env, sims, fx.projectB.id, 1);
});
afterAll(async () => {
  await sims.close();
  await db.drop();
});

const sync = (projectId: string, connector: "chatwoot" | "linear" | "attio", now = END) => runConnectorSync(db.prisma, env, { projectId, connector, now, http: fastHttp });

describe("first sync mirrors everything and emits events", () => {
  it("chatwoot", async () => {
    const res = await sync(fx.projectA.id, "chatwoot");
    expect(res.status, JSON.stringify(res)).toBe("ok");
    const gen = sims.workspace.project(0)!.chatwoot;
    const expectedMsgs = gen.conversations.reduce((n, c) => n + c.messages.length, 0);
    expect(await db.prisma.cwMessage.count({ where: { projectId: fx.projectA.id } })).toBe(expectedMsgs);
    expect(await db.prisma.cwConversation.count({ where: { projectId: fx.projectA.id } })).toBe(gen.conversations.length);
    expect(await db.prisma.cwContact.count({ where: { projectId: fx.projectA.id } })).toBe(gen.contacts.length);
    const types = await db.prisma.eventLog.groupBy({ by: ["eventType"], where: { projectId: fx.projectA.id, source: "chatwoot" }, _count: true });
    const t = Object.fromEntries(types.map((x) => [x.eventType, x._count]));
    expect((t.message_received ?? 0) + (t.message_sent ?? 0)).toBe(expectedMsgs - gen.conversations.flatMap((c) => c.messages).filter((m) => m.message_type > 1).length);
    expect(t.client_silent_started).toBeGreaterThanOrEqual(1);
    expect(t.scope_change_requested).toBeGreaterThanOrEqual(2);
    expect(t.need_detected).toBeGreaterThanOrEqual(1);
    expect(t.approval_requested).toBeGreaterThanOrEqual(1);
  });

  it("linear", async () => {
    const res = await sync(fx.projectA.id, "linear");
    expect(res.status, JSON.stringify(res)).toBe("ok");
    const gen = sims.workspace.project(0)!.linear;
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectA.id } })).toBe(gen.issues.length);
    expect(await db.prisma.linearState.count({ where: { projectId: fx.projectA.id } })).toBe(gen.states.length);
    expect(await db.prisma.linearCycle.count({ where: { projectId: fx.projectA.id } })).toBe(gen.cycles.length);
    const blocked = await db.prisma.linearIssue.count({ where: { projectId: fx.projectA.id, blocked: true } });
    expect(blocked).toBeGreaterThanOrEqual(4);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "issue_blocked" } })).toBe(blocked);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "issue_created" } })).toBe(gen.issues.length);
  });

  it("attio, with reconciliation coverage", async () => {
    const res = await sync(fx.projectA.id, "attio");
    expect(res.status, JSON.stringify(res)).toBe("ok");
    const gen = sims.workspace.project(0)!.attio;
    expect(await db.prisma.attioDeal.count({ where: { projectId: fx.projectA.id } })).toBe(gen.deals.length);
    expect(await db.prisma.attioCompany.count({ where: { projectId: fx.projectA.id } })).toBe(gen.companies.length);
    const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "attio" } } });
    expect((state.meta as { coverage: { accountCoverage: number; dealCoverage: number; dealsWithBrokenCompanyLink: number } }).coverage).toMatchObject({ accountCoverage: 1, dealCoverage: 1, dealsWithBrokenCompanyLink: 0 });
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "finance_entry_recorded" } })).toBe(1);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "deal_won" } })).toBe(1);
  });
});

describe("re-sync", () => {
  it("with no upstream change writes 0 rows and 0 events", async () => {
    const before = await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, category: "domain" } });
    for (const c of ["chatwoot", "linear", "attio"] as const) {
      const res = await sync(fx.projectA.id, c, new Date(END.getTime() + 60_000));
      expect(res.status).toBe("ok");
      if (res.status !== "ok") continue;
      const written = Object.entries(res.counters).filter(([k]) => /Written|Deleted/.test(k)).reduce((n, [, v]) => n + v, 0);
      expect(written, `${c}: ${JSON.stringify(res.counters)}`).toBe(0);
    }
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, category: "domain" } })).toBe(before);
  });

  it("a change to one record updates exactly one row and emits the transition", async () => {
    const gen = sims.workspace.project(0)!.linear;
    const target = gen.issues.find((i) => i.blockedByIds.length)!;
    const blocker = gen.issues.find((i) => i.id === target.blockedByIds[0])!;
    // The blocker gets done → the issue it blocked is unblocked (both change upstream).
    blocker.completedAt = new Date(END.getTime() + 3600_000);
    blocker.stateId = gen.states.find((s) => s.type === "completed")!.id;
    blocker.updatedAt = new Date(END.getTime() + 3600_000);
    target.updatedAt = new Date(END.getTime() + 3600_000);
    const res = await sync(fx.projectA.id, "linear", new Date(END.getTime() + 7200_000));
    expect(res.status).toBe("ok");
    if (res.status === "ok") expect(res.counters.issuesWritten).toBe(2);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "issue_unblocked", sourceRef: { endsWith: target.id } } })).toBe(1);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "issue_completed", sourceRef: { endsWith: blocker.id } } })).toBe(1);

    const deal = sims.workspace.project(0)!.attio.deals[0]!;
    deal.values.stage = [{ active_from: new Date(END.getTime() + 3600_000).toISOString(), active_until: null, attribute_type: "status", status: { title: "Lost" } }];
    const a = await sync(fx.projectA.id, "attio", new Date(END.getTime() + 7200_000));
    if (a.status === "ok") expect(a.counters.recordsWritten).toBe(1);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "deal_lost" } })).toBe(1);
  });
});

describe("project isolation", () => {
  it("two projects bound to different accounts never see each other's rows", async () => {
    for (const c of ["chatwoot", "linear", "attio"] as const) expect((await sync(fx.projectB.id, c)).status).toBe("ok");
    const aMsgs = await db.prisma.cwMessage.findMany({ where: { projectId: fx.projectA.id }, select: { accountId: true } });
    const bMsgs = await db.prisma.cwMessage.findMany({ where: { projectId: fx.projectB.id }, select: { accountId: true } });
    expect(new Set(aMsgs.map((m) => m.accountId))).toEqual(new Set([String(sims.workspace.project(0)!.chatwoot.accountId)]));
    expect(new Set(bMsgs.map((m) => m.accountId))).toEqual(new Set([String(sims.workspace.project(1)!.chatwoot.accountId)]));
    const aIssues = await db.prisma.linearIssue.findMany({ where: { projectId: fx.projectA.id }, select: { workspaceId: true } });
    expect(new Set(aIssues.map((i) => i.workspaceId))).toEqual(new Set([sims.workspace.project(0)!.linear.workspaceId]));
    const bDeals = await db.prisma.attioDeal.findMany({ where: { projectId: fx.projectB.id }, select: { workspaceId: true } });
    expect(new Set(bDeals.map((d) => d.workspaceId))).toEqual(new Set([sims.workspace.project(1)!.attio.workspaceId]));
  });
});

describe("stage overdue", () => {
  it("a stage past its target date while still open → one stage_overdue event, not repeated by re-syncs; a new date that slips again is a new event", async () => {
    const stage = sims.workspace.project(1)!.linear.projects[0]!;
    const t0 = new Date(END.getTime() + 10 * 86_400_000);
    stage.targetDate = new Date(END.getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
    stage.updatedAt = new Date(END.getTime() + 3600_000);
    const count = () => db.prisma.eventLog.count({ where: { projectId: fx.projectB.id, eventType: "stage_overdue" } });
    expect((await sync(fx.projectB.id, "linear", t0)).status).toBe("ok");
    expect(await count()).toBe(1);
    expect((await sync(fx.projectB.id, "linear", new Date(t0.getTime() + 3600_000))).status).toBe("ok");
    expect(await count()).toBe(1);
    const ev = await db.prisma.eventLog.findFirstOrThrow({ where: { projectId: fx.projectB.id, eventType: "stage_overdue" } });
    expect(ev.payload).toMatchObject({ stageId: stage.id, targetDate: stage.targetDate });
    expect((ev.evidenceRefs as { id: string }[])[0]!.id).toBe(stage.id);

    stage.targetDate = new Date(END.getTime() + 5 * 86_400_000).toISOString().slice(0, 10);
    stage.updatedAt = new Date(END.getTime() + 7200_000);
    expect((await sync(fx.projectB.id, "linear", new Date(t0.getTime() + 7200_000))).status).toBe("ok");
    expect(await count()).toBe(2);

    stage.state = "completed";
    stage.updatedAt = new Date(END.getTime() + 3 * 3600_000);
    expect((await sync(fx.projectB.id, "linear", new Date(t0.getTime() + 3 * 3600_000))).status).toBe("ok");
    expect(await count()).toBe(2);
  });
});
