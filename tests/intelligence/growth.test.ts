import { Logger, runOnce } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTaskList } from "../../jobs/task-list.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import type { EvidenceRef } from "../../server/services/events/event-log.ts";
import type { AnalyticsMetrics } from "../../server/services/growth/analytics.ts";
import { cancelFollowUp, DEFAULT_FOLLOW_UP_STEPS, startFollowUp } from "../../server/services/growth/follow-ups.ts";
import { decideUpsellOpportunity } from "../../server/services/growth/upsell-radar.ts";
import { refreshProjectRecommendations } from "../../server/services/intelligence/pipeline.ts";
import { enqueueProjectJob } from "../../server/services/jobs/enqueue.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// upsell_radar, analytics_aggregates, campaign_scheduler (follow-up sequences) and
// case_signatures_refresh, through the worker, on simulator data.

const silent = new Logger(() => () => {});
const END = new Date("2026-11-20T00:00:00Z");
const NOW = new Date("2026-11-20T09:00:00Z");
const HOUR = 3_600_000;
const env = testEnv();
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
const A = () => fx.projectA.id; // an upsell need (client message + expansion deal in Proposal)
const B = () => fx.projectB.id; // a silent client
const actor = () => ({ type: "user" as const, userId: fx.owner.id, workspaceId: fx.ws.id });

async function run(task: string, projectId: string, at: Date, taskEnv = env) {
  await enqueueProjectJob(db.prisma, { task, payload: { projectId, trigger: "manual" }, maxAttempts: 3 });
  await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env: taskEnv, workerId: "growth-test", now: () => at }), logger: silent });
  return db.prisma.jobRun.findFirstOrThrow({ where: { projectId, task }, orderBy: { id: "desc" } });
}

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({
    seed: 12, projects: 2, days: 60, end: END,
    profiles: [{ clientName: "Hooli", name: "Hooli Growth Sprint", situations: ["upsell_need"] }, { clientName: "Wonka", name: "Wonka Web", situations: ["client_silence"] }],
  });
  for (const [i, p] of [A(), B()].entries()) {
    await bindProjectToSims(db.prisma, env, sims, p, i);
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: p, connector: c, now: END, http: fastHttp })).status).toBe("ok");
  }
}, 60_000);
afterAll(async () => {
  await sims.close();
  await db.drop();
});

describe("upsell_radar", () => {
  it("finds the client's ask and the expansion deal, with evidence; a re-run adds nothing; a dismissed opening stays dismissed", async () => {
    expect((await run("upsell_radar", A(), NOW)).status).toBe("succeeded");
    const rows = await db.prisma.upsellOpportunity.findMany({ where: { projectId: A() }, orderBy: { score: "desc" } });
    const planted = sims.workspace.project(0)!.situations[0]!.evidence;
    const deal = rows.find((r) => r.sourceKind === "deal")!;
    expect(deal).toMatchObject({ status: "proposed" });
    expect(planted.attioRecordIds).toContain(deal.sourceRef);
    expect(deal.score).toBe(deal.amount! > 50_000 ? 0.8 : deal.amount! > 20_000 ? 0.7 : 0.62);
    // The planted ask is among the openings message understanding found, quoting the span that carries it.
    const ask = rows.find((r) => r.sourceKind === "message" && (r.evidenceRefs as EvidenceRef[]).some((e) => e.id === String(planted.chatwootMessageIds[0])))!;
    expect(ask.score).toBe(0.72);
    const text = sims.workspace.project(0)!.chatwoot.conversations.flatMap((c) => c.messages).find((m) => m.id === planted.chatwootMessageIds[0])!.content;
    expect(text).toContain((ask.evidenceRefs as EvidenceRef[])[0]!.snippet);
    // Nothing in the project without the situation.
    await run("upsell_radar", B(), NOW);
    expect(await db.prisma.upsellOpportunity.count({ where: { projectId: B() } })).toBe(0);

    await decideUpsellOpportunity(db.prisma, { projectId: A(), id: deal.id, status: "dismissed", actor: actor(), now: NOW });
    await run("upsell_radar", A(), new Date(NOW.getTime() + HOUR));
    const after = await db.prisma.upsellOpportunity.findMany({ where: { projectId: A() } });
    expect(after).toHaveLength(rows.length);
    expect(after.find((r) => r.id === deal.id)).toMatchObject({ status: "dismissed", lastSeenAt: deal.lastSeenAt });
    expect(after.find((r) => r.id === ask.id)!.lastSeenAt).toEqual(new Date(NOW.getTime() + HOUR));
  });

  it("a disabled KAG_ENABLED flag skips it", async () => {
    const r = await run("upsell_radar", A(), NOW, testEnv({ KAG_ENABLED: "false" }));
    expect(r.status).toBe("skipped");
  });
});

describe("analytics_aggregates", () => {
  it("counts what the generated conversations, issues and deals hold over the trailing 30 days", async () => {
    expect((await run("analytics_aggregates", A(), NOW)).status).toBe("succeeded");
    const row = await db.prisma.analyticsDaily.findFirstOrThrow({ where: { projectId: A() } });
    expect(row.day.toISOString().slice(0, 10)).toBe("2026-11-20");
    const m = row.metrics as AnalyticsMetrics;
    // Independently from the generator's data.
    const g = sims.workspace.project(0)!;
    const since = NOW.getTime() - 30 * 86_400_000;
    const msgs = g.chatwoot.conversations.flatMap((c) => c.messages).filter((x) => !x.private && x.created_at * 1000 > since && x.created_at * 1000 <= NOW.getTime());
    expect(m.comms.inbound).toBe(msgs.filter((x) => x.message_type === 0).length);
    expect(m.comms.outbound).toBe(msgs.filter((x) => x.message_type === 1).length);
    const issues = g.linear.issues;
    expect(m.delivery.opened).toBe(issues.filter((i) => i.createdAt.getTime() > since && i.createdAt.getTime() <= NOW.getTime()).length);
    expect(m.delivery.completed).toBe(issues.filter((i) => i.completedAt && i.completedAt.getTime() > since && i.completedAt.getTime() <= NOW.getTime()).length);
    expect(m.pipeline.openDeals).toBe(1); // the expansion deal; phase 1 is won
    expect(m.pipeline.openAmount).toBeGreaterThan(0);
    expect(m.comms.firstResponseMinutesMedian).toBeGreaterThan(0);
    // Re-running the day rewrites its row.
    await run("analytics_aggregates", A(), new Date(NOW.getTime() + HOUR));
    expect(await db.prisma.analyticsDaily.count({ where: { projectId: A() } })).toBe(1);
  });
});

describe("campaign_scheduler (follow-up sequences)", () => {
  it("sends each step once when due, logs it, and stops the moment the client answers", async () => {
    await refreshProjectRecommendations(db.prisma, env, B(), NOW);
    const rec = await db.prisma.recommendationV2.findFirstOrThrow({ where: { projectId: B(), category: "waiting_on_client" } });
    const started = await startFollowUp(db.prisma, { projectId: B(), recommendationId: rec.id, actor: actor(), now: NOW });
    expect(started.idempotent).toBe(false);
    // Starting again while it runs returns the same sequence.
    expect(await startFollowUp(db.prisma, { projectId: B(), recommendationId: rec.id, actor: actor(), now: NOW })).toEqual({ id: started.id, idempotent: true });

    const posts = () => sims.chatwoot.requests.filter((r) => r.method === "POST").length;
    const before = posts();
    // Not due yet: nothing is sent.
    expect((await run("campaign_scheduler", B(), new Date(NOW.getTime() + HOUR))).counters).toMatchObject({ due: 0, sent: 0 });
    const first = await run("campaign_scheduler", B(), new Date(NOW.getTime() + 49 * HOUR));
    expect(first.counters).toMatchObject({ due: 1, sent: 1 });
    expect(posts()).toBe(before + 1);
    const c = await db.prisma.followUpCampaign.findUniqueOrThrow({ where: { id: started.id } });
    expect(c).toMatchObject({ status: "active", nextStep: 1 });
    expect(c.nextSendAt).toEqual(new Date(NOW.getTime() + DEFAULT_FOLLOW_UP_STEPS[1]!.afterHours * HOUR));
    const event = await db.prisma.eventLog.findFirstOrThrow({ where: { projectId: B(), eventType: "follow_up_sent" } });
    expect(event.payload).toMatchObject({ campaignId: started.id, step: 1, of: 2 });
    // Run again at the same time: the step is not sent twice.
    await run("campaign_scheduler", B(), new Date(NOW.getTime() + 49 * HOUR));
    expect(posts()).toBe(before + 1);

    // The client answers in the conversation; the second step is never sent.
    const conv = Number(c.conversationId);
    const g = sims.workspace.project(1)!.chatwoot;
    await fetch(`${sims.chatwoot.url}/api/v1/accounts/${g.accountId}/conversations/${conv}/messages`, {
      method: "POST", headers: { "content-type": "application/json", api_access_token: "cw-sim-token" }, body: JSON.stringify({ content: "Sorry, approved!", message_type: "incoming" }),
    });
    const second = await run("campaign_scheduler", B(), new Date(NOW.getTime() + 121 * HOUR));
    expect(second.counters).toMatchObject({ due: 1, sent: 0, stoppedOnReply: 1 });
    expect(posts()).toBe(before + 2); // the client's message only
    expect(await db.prisma.followUpCampaign.findUniqueOrThrow({ where: { id: started.id } })).toMatchObject({ status: "stopped_on_reply", activeKey: null });
    // Now a new sequence may start in that conversation; cancelling it stops it.
    const again = await startFollowUp(db.prisma, { projectId: B(), conversationId: conv, actor: actor(), now: NOW });
    expect(again.id).not.toBe(started.id);
    await cancelFollowUp(db.prisma, { projectId: B(), id: again.id, actor: actor(), now: NOW });
    expect(await db.prisma.auditEvent.count({ where: { action: { in: ["follow_up.started", "follow_up.cancelled"] }, projectId: B() } })).toBe(4);
  });

  it("a provider that keeps failing: retried with backoff, then the sequence fails visibly with the error", async () => {
    const conv = Number((await db.prisma.cwConversation.findFirstOrThrow({ where: { projectId: B() }, orderBy: { externalId: "desc" } })).externalId);
    const { id } = await startFollowUp(db.prisma, { projectId: B(), conversationId: conv, steps: [{ afterHours: 1, content: "Any news?" }], actor: actor(), now: NOW });
    sims.chatwoot.failAlways({ kind: "5xx", status: 500 });
    try {
      let at = NOW.getTime() + 2 * HOUR;
      for (let i = 0; i < 3; i++) {
        const r = await run("campaign_scheduler", B(), new Date(at));
        expect(r.status).toBe("succeeded"); // one failing sequence does not fail the run
        at += HOUR;
      }
    } finally {
      sims.chatwoot.failAlways(null);
    }
    const c = await db.prisma.followUpCampaign.findUniqueOrThrow({ where: { id } });
    expect(c).toMatchObject({ status: "failed", activeKey: null });
    expect(c.lastError).toMatch(/500/);
    const warning = await db.prisma.eventLog.findFirst({ where: { projectId: B(), eventType: "process_warning", payload: { path: ["task"], equals: "campaign_scheduler" } } });
    expect(warning).not.toBeNull();
  });
});

describe("case_signatures_refresh", () => {
  it("rebuilds every window's signature from the snapshots", async () => {
    await run("kag_daily_pipeline", A(), NOW);
    await db.prisma.$executeRaw`DELETE FROM case_signatures WHERE project_id = ${A()}::uuid`;
    const r = await run("case_signatures_refresh", A(), NOW);
    expect(r.counters).toMatchObject({ written: 3, skipped: 0 });
    expect(await db.prisma.caseSignature.count({ where: { projectId: A() } })).toBe(3);
  });
});

describe("portfolio digests", () => {
  it("the digest job stores each reader's portfolio digest, naming only their projects; re-running rewrites it", async () => {
    const runDigest = async () => {
      await db.prisma.$queryRaw`SELECT graphile_worker.add_job('portfolio_digest', json_build_object('kind', 'daily'))`;
      await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "growth-test", now: () => NOW }), logger: silent });
    };
    await runDigest();
    const owner = await db.prisma.portfolioDigest.findFirstOrThrow({ where: { userId: fx.owner.id, kind: "daily" } });
    expect(owner.periodStart.toISOString().slice(0, 10)).toBe("2026-11-19");
    const names = (owner.content as { projects: { name: string }[] }).projects.map((p) => p.name).sort();
    expect(names).toEqual([fx.projectA.name, fx.projectB.name].sort());
    expect(owner.summary).toMatch(/^Yesterday across your 2 projects/);
    // Every project of every reader got its own digest for the period first.
    expect(await db.prisma.digest.count({ where: { kind: "daily", periodStart: owner.periodStart } })).toBe(3);
    const stranger = await db.prisma.portfolioDigest.findFirstOrThrow({ where: { userId: fx.stranger.id } });
    expect((stranger.content as { projects: { name: string }[] }).projects.map((p) => p.name)).toEqual([fx.projectC.name]);
    const before = await db.prisma.portfolioDigest.count();
    await runDigest();
    expect(await db.prisma.portfolioDigest.count()).toBe(before);
  });
});
