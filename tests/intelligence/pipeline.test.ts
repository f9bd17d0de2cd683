import { Logger, runOnce } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTaskList } from "../../jobs/task-list.ts";
import { listEvents, type EvidenceRef } from "../../server/services/events/event-log.ts";
import { refreshProjectRecommendations, runDailyPipeline } from "../../server/services/intelligence/pipeline.ts";
import { buildDigest } from "../../server/services/intelligence/digests.ts";
import { listRecommendations, setRecommendationStatus } from "../../server/services/intelligence/recommendation-lifecycle.ts";
import { similarCases } from "../../server/services/intelligence/similarity.ts";
import { enqueueProjectJob } from "../../server/services/jobs/enqueue.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import type { SituationKind } from "../../server/simulators/generator.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";
import { startWorkerProcess, waitFor } from "../helpers/worker-process.ts";
import { ensureScheduledJobs } from "../../server/services/jobs/scheduler.ts";

// The reference's five scenarios end to end: simulator data → connectors → event log → the worker's
// kag_daily_pipeline → signals, forecasts and recommendations with evidence pointing at the planted data.

const silent = new Logger(() => () => {});
const END = new Date("2026-11-20T00:00:00Z");
const NOW = new Date("2026-11-20T09:00:00Z");
const SCENARIOS: SituationKind[][] = [["client_silence"], ["scope_creep"], ["aging_blockers"], ["budget_overrun"], ["upsell_need"], []];
const env = testEnv();

let db: TestDb;
let fx: Fixture;
let sims: Simulators;
const projects: string[] = [];

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({
    seed: 31, projects: SCENARIOS.length + 2, days: 60, end: END,
    profiles: ([...SCENARIOS, ["client_silence"], ["aging_blockers", "scope_creep"]] as SituationKind[][]).map((situations, i) => ({ clientName: `Client ${i}`, name: `Scenario ${i}`, situations })),
  });
  for (const [i] of SCENARIOS.entries()) {
    const p = await db.prisma.project.create({ data: { workspaceId: fx.ws.id, slug: `scenario-${i}`, name: `Scenario ${i}` } });
    projects.push(p.id);
    await bindProjectToSims(db.prisma, env, sims, p.id, i);
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: p.id, connector: c, now: END, http: fastHttp })).status).toBe("ok");
  }
  // Through the worker: one kag_daily_pipeline job per project, job key kag_daily_pipeline:<projectId>.
  for (const projectId of projects) await enqueueProjectJob(db.prisma, { task: "kag_daily_pipeline", payload: { projectId, trigger: "manual" }, maxAttempts: 3 });
  await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "test", now: () => NOW }), logger: silent });
}, 120_000);
afterAll(async () => {
  await sims.close();
  await db.drop();
});

const recs = (i: number) => db.prisma.recommendationV2.findMany({ where: { projectId: projects[i]! } });
const ids = (refs: unknown) => (refs as EvidenceRef[]).map((r) => `${r.kind}:${r.id}`);
const planted = (i: number) => sims.workspace.project(i)!.situations[0]!.evidence;

describe("the five scenarios, through the worker", () => {
  it("every daily pipeline run succeeded with its steps logged", async () => {
    const runs = await db.prisma.jobRun.findMany({ where: { task: "kag_daily_pipeline" } });
    expect(runs.map((r) => r.status), runs.map((r) => r.error).join("\n")).toEqual(Array(SCENARIOS.length).fill("succeeded"));
    const steps = await db.prisma.eventLog.findMany({ where: { projectId: projects[0], category: "process", eventType: "process_finished" }, orderBy: { id: "asc" } });
    expect(steps.map((s) => (s.payload as { step?: string }).step).filter(Boolean)).toEqual(["signals_and_scores", "snapshot", "case_signatures", "similar_cases", "forecast", "recommendations_v2", "outcomes"]);
    expect(await db.prisma.projectSnapshot.count({ where: { projectId: { in: projects } } })).toBe(SCENARIOS.length);
  });

  it("client silent 4+ days with a stage awaiting approval → waiting_on_client, priority 5, citing the planted messages", async () => {
    const w = (await recs(0)).find((r) => r.category === "waiting_on_client");
    expect(w).toBeDefined();
    expect(w!).toMatchObject({ priority: 5, gateStatus: "visible", status: "new", ownerRole: "pm" });
    const p = planted(0);
    expect(ids(w!.evidenceRefs)).toEqual(expect.arrayContaining(p.chatwootMessageIds.map((m) => `message:${m}`)));
    expect((w!.links as { url: string }[]).length).toBeGreaterThan(0);
  });

  it("out-of-scope requests within a week → a change-request recommendation", async () => {
    const r = (await recs(1)).find((x) => x.category === "scope_creep_change_request");
    expect(r, JSON.stringify((await recs(1)).map((x) => x.category))).toBeDefined();
    expect(r!.gateStatus).toBe("visible");
    expect(ids(r!.evidenceRefs)).toEqual(expect.arrayContaining(planted(1).chatwootMessageIds.map((m) => `message:${m}`)));
  });

  it("> 3 Linear blockers older than 5 days → delivery risk (forecast and recommendation)", async () => {
    const r = (await recs(2)).find((x) => x.category === "delivery_risk");
    expect(r).toBeDefined();
    expect(r!.priority).toBe(5);
    const f = await db.prisma.kagRiskForecast.findUniqueOrThrow({ where: { projectId_riskType: { projectId: projects[2]!, riskType: "delivery_risk" } } });
    expect(f.probability7d).toBeGreaterThanOrEqual(0.45);
    expect(f.publishable).toBe(true);
    const blockedIds = planted(2).linearIssueIds.slice(1).map((x) => `issue:${x}`);
    expect(ids(r!.evidenceRefs).filter((x) => blockedIds.includes(x)).length).toBeGreaterThanOrEqual(4);
    expect(await db.prisma.pastCaseOutcome.count({ where: { projectId: projects[2]!, outcomeType: "delivery_risk" } })).toBe(1);
  });

  it("burn over plan by 20% → finance risk", async () => {
    const r = (await recs(3)).find((x) => x.category === "finance_risk");
    expect(r).toBeDefined();
    expect(r!).toMatchObject({ priority: 5, gateStatus: "visible", ownerRole: "finance_lead" });
    expect(ids(r!.evidenceRefs)).toContain(`deal:${planted(3).attioRecordIds[0]}`);
    const f = await db.prisma.kagRiskForecast.findUniqueOrThrow({ where: { projectId_riskType: { projectId: projects[3]!, riskType: "finance_risk" } } });
    expect(f.probability7d).toBeGreaterThanOrEqual(0.45);
  });

  it("a need detected in conversation → upsell", async () => {
    const r = (await recs(4)).find((x) => x.category === "upsell_opportunity");
    expect(r, JSON.stringify(await db.prisma.kagScore.findMany({ where: { projectId: projects[4]! } }))).toBeDefined();
    expect(ids(r!.evidenceRefs)).toContain(`message:${planted(4).chatwootMessageIds[0]}`);
  });

  it("a calm project gets none of the five risk recommendations", async () => {
    const cats = (await recs(5)).map((r) => r.category);
    for (const c of ["scope_creep_change_request", "delivery_risk", "finance_risk"]) expect(cats).not.toContain(c);
  });

  it("scores keep their components, weights and evidence, and a history", async () => {
    const health = await db.prisma.kagScore.findUniqueOrThrow({ where: { projectId_scoreType: { projectId: projects[2]!, scoreType: "health" } } });
    const comps = health.components as { key: string; weight: number; contribution: number; evidence: EvidenceRef[] }[];
    expect(comps.find((c) => c.key === "blockers")!.evidence.length).toBeGreaterThanOrEqual(4);
    expect(comps.reduce((a, c) => a + c.weight, 0)).toBeCloseTo(1, 6);
    expect(await db.prisma.kagScoreHistory.count({ where: { projectId: projects[2]! } })).toBe(4);
  });
});

describe("event feed", () => {
  it("pages through every event newest-first by when it happened, without repeats", async () => {
    const seen: { id: string; at: number }[] = [];
    let cursor: string | undefined;
    do {
      const page = await listEvents(db.prisma, { projectId: projects[0]!, cursor, limit: 37 });
      seen.push(...page.items.map((e) => ({ id: e.id, at: e.occurredAt.getTime() })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.length).toBe(await db.prisma.eventLog.count({ where: { projectId: projects[0]! } }));
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.at).toBeLessThanOrEqual(seen[i - 1]!.at);
  });
});

describe("similar cases", () => {
  it("the daily pipeline stores signatures per window; a project's similar cases come from its workspace with reasons and outcomes", async () => {
    expect(await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM case_signatures WHERE project_id = ANY(${projects}::uuid[])`).toEqual([{ n: SCENARIOS.length * 3 }]);
    const { cases } = await similarCases(db.prisma, { projectId: projects[5]!, windowDays: 14, topK: 5 });
    expect(cases.length).toBe(5);
    expect(cases.map((c) => c.caseProjectId)).not.toContain(projects[5]);
    for (const c of cases) {
      expect(projects).toContain(c.caseProjectId);
      expect(c.similarityScore).toBeGreaterThan(0);
      expect(c.similarityScore).toBeLessThanOrEqual(1);
      expect(c.whySimilar.timeSeries).toBeCloseTo(1 / (1 + c.whySimilar.distance), 3);
    }
    for (let i = 1; i < cases.length; i++) expect(cases[i]!.similarityScore).toBeLessThanOrEqual(cases[i - 1]!.similarityScore);
    const withOutcomes = cases.filter((c) => c.outcomesSeen.length > 0);
    expect(withOutcomes.length).toBeGreaterThan(0);
    expect(withOutcomes[0]!.outcomesSeen[0]!.evidenceRefs.length).toBeGreaterThan(0);
    // A project of another workspace never appears.
    expect(cases.map((c) => c.caseProjectId)).not.toContain(fx.projectC.id);
  });
});

describe("idempotence and lifecycle", () => {
  it("refreshing twice writes no duplicates and no new history; acknowledged stays acknowledged", async () => {
    const p = projects[0]!;
    const w = (await recs(0)).find((r) => r.category === "waiting_on_client")!;
    await setRecommendationStatus(db.prisma, { projectId: p, id: w.id, status: "acknowledged", actor: { type: "user", userId: fx.owner.id, workspaceId: fx.ws.id }, now: NOW });
    // The first daily runs happened before the other projects had signatures; let one refresh see them all.
    await refreshProjectRecommendations(db.prisma, env, p, NOW);
    const before = { recs: await db.prisma.recommendationV2.count({ where: { projectId: p } }), hist: await db.prisma.kagSignalHistory.count({ where: { projectId: p } }), outcomes: await db.prisma.pastCaseOutcome.count({ where: { projectId: p } }) };
    for (let i = 0; i < 2; i++) {
      await refreshProjectRecommendations(db.prisma, env, p, NOW);
      await runDailyPipeline(db.prisma, env, p, NOW);
    }
    expect(await db.prisma.recommendationV2.count({ where: { projectId: p } })).toBe(before.recs);
    expect(await db.prisma.kagSignalHistory.count({ where: { projectId: p } })).toBe(before.hist);
    expect(await db.prisma.pastCaseOutcome.count({ where: { projectId: p } })).toBe(before.outcomes);
    expect(await db.prisma.projectSnapshot.count({ where: { projectId: p } })).toBe(1);
    const again = await db.prisma.recommendationV2.findUniqueOrThrow({ where: { id: w.id } });
    expect(again.status).toBe("acknowledged");
    expect(again.acknowledgedAt).toEqual(NOW);
  });

  it("a pipeline that dies half-way and runs again ends with the same rows as an uninterrupted run", async () => {
    const p = projects[2]!;
    const later = new Date(NOW.getTime() + 86_400_000);
    let died = false;
    const dieAtForecast = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      if (name === "forecast" && !died) {
        died = true;
        throw new Error("worker killed");
      }
      return fn();
    };
    await expect(runDailyPipeline(db.prisma, env, p, later, dieAtForecast)).rejects.toThrow("worker killed");
    await runDailyPipeline(db.prisma, env, p, later);
    const snapshotAfterCrash = await rowsOf(p);
    await runDailyPipeline(db.prisma, env, p, later);
    expect(await rowsOf(p)).toEqual(snapshotAfterCrash);
  });

  it("a recommendation whose evidence is deleted upstream becomes hidden, and the run warns", async () => {
    const p = projects[3]!;
    const before = (await recs(3)).find((x) => x.category === "finance_risk")!;
    expect(before.gateStatus).toBe("visible");
    await db.prisma.attioDeal.updateMany({ where: { projectId: p }, data: { deletedAt: NOW } });
    await enqueueProjectJob(db.prisma, { task: "kag_recommendations_refresh", payload: { projectId: p, trigger: "manual" }, maxAttempts: 3 });
    await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "test", now: () => NOW }), logger: silent });
    const after = await db.prisma.recommendationV2.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.gateStatus).toBe("hidden");
    expect(after.gateReason).toMatch(/insufficient_evidence_count|missing_primary_source/);
    const primary = await listRecommendations(db.prisma, { projectId: p, limit: 50 });
    expect(primary.items.map((r) => r.id)).not.toContain(before.id);
    const diagnostics = await listRecommendations(db.prisma, { projectId: p, includeHidden: true, limit: 50 });
    expect(diagnostics.items.map((r) => r.id)).toContain(before.id);
    const warnings = await db.prisma.eventLog.findMany({ where: { projectId: p, eventType: "process_warning" } });
    expect(warnings.some((w) => String((w.payload as { message?: string }).message).includes("finance_risk hidden by the evidence gate"))).toBe(true);
  });
});

describe("a worker killed during kag_daily_pipeline", () => {
  it("another worker releases its job, which runs again to exactly the rows of an uninterrupted run", async () => {
    const p = (await db.prisma.project.create({ data: { workspaceId: fx.ws.id, slug: "killed", name: "Killed Mid-Run" } })).id;
    await bindProjectToSims(db.prisma, env, sims, p, SCENARIOS.length + 1);
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: p, connector: c, now: END, http: fastHttp })).status).toBe("ok");
    const payload = { projectId: p, trigger: "manual" as const, asOf: NOW.toISOString() };
    const jobKey = `kag_daily_pipeline:${p}`;
    await db.prisma.$executeRaw`DELETE FROM graphile_worker._private_jobs`;
    // Nothing else may run meanwhile: the worker's scheduler finds every schedule disabled.
    await ensureScheduledJobs(db.prisma, { now: new Date() });
    await db.prisma.scheduledJob.updateMany({ data: { enabled: false } });

    // The reference: one uninterrupted run as of NOW.
    await enqueueProjectJob(db.prisma, { task: "kag_daily_pipeline", payload, maxAttempts: 3 });
    await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "reference" }), logger: silent });
    const uninterrupted = await rowsOf(p);
    expect(uninterrupted.recs.map((r) => r.category)).toEqual(expect.arrayContaining(["delivery_risk", "scope_creep_change_request"]));
    for (const table of ["kag_signals", "kag_signal_history", "kag_scores", "kag_score_history", "project_snapshots", "past_case_outcomes", "kag_risk_forecasts", "recommendations_v2", "case_signatures"]) {
      await db.prisma.$executeRawUnsafe(`DELETE FROM ${table} WHERE project_id = $1::uuid`, p);
    }

    // Hold the recommendations table, so the run stops inside its recommendations step; kill the worker there.
    const lock = await db.pool.connect();
    await lock.query("BEGIN");
    await lock.query("LOCK TABLE recommendations_v2 IN ACCESS EXCLUSIVE MODE");
    const workerEnv = { WORKER_STALE_SECONDS: "10" };
    const first = startWorkerProcess(db.url, workerEnv);
    let second: ReturnType<typeof startWorkerProcess> | undefined;
    try {
      const last = (await db.prisma.$queryRaw<{ last: bigint }[]>`SELECT coalesce(max(id), 0) AS last FROM kag_event_log`)[0]!.last;
      await enqueueProjectJob(db.prisma, { task: "kag_daily_pipeline", payload, maxAttempts: 3 });
      const inStep = await waitFor(async () => (await db.prisma.$queryRaw<unknown[]>`
        SELECT 1 FROM kag_event_log WHERE id > ${last} AND project_id = ${p}::uuid AND event_type = 'process_started' AND payload->>'step' = 'recommendations_v2'`).length > 0, 30_000);
      expect(inStep, first.output()).toBe(true);
      await first.stop("SIGKILL");
      await lock.query("ROLLBACK");
      const [held] = await db.prisma.$queryRaw<{ locked_by: string | null; attempts: number }[]>`SELECT locked_by, attempts FROM graphile_worker.jobs WHERE key = ${jobKey}`;
      expect(held?.locked_by).toBeTruthy();

      // A new worker notices the silent one (stale heartbeat), unlocks its job and runs it again.
      second = startWorkerProcess(db.url, workerEnv);
      const done = await waitFor(async () => (await db.prisma.jobRun.count({ where: { projectId: p, task: "kag_daily_pipeline", status: "succeeded", workerId: { not: "reference" } } })) > 0, 60_000, 500);
      const diag = { queue: await db.prisma.$queryRaw`SELECT key, attempts, locked_by, last_error FROM graphile_worker.jobs`, workers: await db.prisma.workerRun.findMany(), runs: await db.prisma.jobRun.findMany({ where: { projectId: p } }) };
      expect(done, `${second.output()} ${JSON.stringify(diag, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`).toBe(true);
    } finally {
      lock.release();
      await first.stop("SIGKILL");
      await second?.stop();
    }
    expect(await rowsOf(p)).toEqual(uninterrupted);
    const runs = await db.prisma.jobRun.findMany({ where: { projectId: p, task: "kag_daily_pipeline", workerId: { not: "reference" } }, orderBy: { attempt: "asc" } });
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([[1, "failed"], [2, "succeeded"]]);
    expect(runs[0]!.error).toMatch(/stopped responding/);
    expect(await db.prisma.workerRun.count({ where: { id: runs[0]!.workerId!, status: "lost" } })).toBe(1);
  }, 120_000);
});

describe("fresh data, fresh recommendations", () => {
  it("connector syncs that bring a new project's first events queue one debounced kag_backfill; later syncs with new events a refresh", async () => {
    const p = await db.prisma.project.create({ data: { workspaceId: fx.ws.id, slug: "fresh", name: "Fresh" } });
    await bindProjectToSims(db.prisma, env, sims, p.id, SCENARIOS.length);
    for (const c of CONNECTORS) await enqueueProjectJob(db.prisma, { task: `${c}_sync`, payload: { projectId: p.id, trigger: "manual" }, maxAttempts: 3 });
    await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "test", now: () => NOW }), logger: silent });
    const queued = await db.prisma.$queryRaw<{ key: string; run_at: Date }[]>`SELECT key, run_at FROM graphile_worker.jobs WHERE key LIKE ${`%:${p.id}`} AND task_identifier LIKE 'kag_%'`;
    expect(queued.map((q) => q.key)).toEqual([`kag_backfill:${p.id}`]);
    expect(queued[0]!.run_at.getTime()).toBeGreaterThan(Date.now());
    // Search follows the first sync within seconds (not the 20-minute embeddings slot).
    const [embed] = await db.prisma.$queryRaw<{ run_at: Date }[]>`SELECT run_at FROM graphile_worker.jobs WHERE key = ${`embeddings_run:${p.id}`}`;
    expect(embed!.run_at.getTime()).toBeLessThan(Date.now() + 10_000);
    // The backfill on the worker: 30 days of snapshots and signatures, and forecasts and recommendations for today.
    await db.prisma.$executeRaw`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE key = ${`kag_backfill:${p.id}`}`;
    await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "test", now: () => NOW }), logger: silent });
    expect(await db.prisma.projectSnapshot.count({ where: { projectId: p.id } })).toBe(30);
    const recs = await db.prisma.recommendationV2.findMany({ where: { projectId: p.id } });
    expect(recs.map((r) => r.category)).toContain("waiting_on_client");
    // Raised now, not "30 days ago" by a past day of the back-fill: nothing is born overdue.
    for (const r of recs) {
      expect(r.firstFiredAt.getTime()).toBe(NOW.getTime());
      expect(r.dueDate.toISOString().slice(0, 10) >= NOW.toISOString().slice(0, 10)).toBe(true);
    }
    // Outcomes are never dated after the moment they were seen.
    const outcomes = await db.prisma.pastCaseOutcome.findMany({ where: { projectId: p.id } });
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((o) => o.occurredAt.getTime() <= NOW.getTime())).toBe(true);
    // The back-fill queues the digests of the periods it filled in; the same worker pass wrote them.
    const runs = await db.prisma.jobRun.findMany({ where: { projectId: p.id, task: { in: ["kag_backfill", "daily_digest", "weekly_digest"] } }, orderBy: { id: "asc" } });
    expect(runs.map((r) => r.task)).toEqual(["kag_backfill", "daily_digest", "weekly_digest"]);
    const digests = await db.prisma.digest.findMany({ where: { projectId: p.id }, orderBy: { kind: "asc" } });
    expect(digests.map((d) => [d.kind, d.periodStart.toISOString().slice(0, 10)])).toEqual([["daily", "2026-11-19"], ["weekly", "2026-11-09"]]);
    const weekly = digests[1]!;
    expect(weekly.summary).toMatch(/^Last week Fresh ended at health \d+ \(from \d+\) and risk \d+/);
    expect(weekly.summarySource).toBe("template");
    expect((weekly.content as { trend: unknown[] }).trend.length).toBe(8);
    await buildDigest(db.prisma, env, { projectId: p.id, kind: "weekly", now: NOW });
    expect(await db.prisma.digest.count({ where: { projectId: p.id } })).toBe(2);

    // A re-sync that brings nothing new queues nothing.
    await db.prisma.$executeRaw`DELETE FROM graphile_worker._private_jobs WHERE key = ${`kag_backfill:${p.id}`}`;
    for (const c of CONNECTORS) await enqueueProjectJob(db.prisma, { task: `${c}_sync`, payload: { projectId: p.id, trigger: "manual" }, maxAttempts: 3 });
    await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "test", now: () => new Date(NOW.getTime() + 60_000) }), logger: silent });
    expect(await db.prisma.$queryRaw<unknown[]>`SELECT 1 FROM graphile_worker.jobs WHERE key LIKE ${`%:${p.id}`} AND task_identifier LIKE 'kag_%'`).toHaveLength(0);
  });
});

async function rowsOf(projectId: string) {
  const strip = <T extends Record<string, unknown>>(r: T) => Object.fromEntries(Object.entries(r).filter(([k]) => !["id", "createdAt", "updatedAt"].includes(k)));
  return {
    snapshots: (await db.prisma.projectSnapshot.findMany({ where: { projectId }, orderBy: { snapshotDate: "asc" } })).map(strip),
    forecasts: (await db.prisma.kagRiskForecast.findMany({ where: { projectId }, orderBy: { riskType: "asc" } })).map(strip),
    recs: (await db.prisma.recommendationV2.findMany({ where: { projectId }, orderBy: { dedupeKey: "asc" } })).map(strip),
    outcomes: (await db.prisma.pastCaseOutcome.findMany({ where: { projectId }, orderBy: { dedupeKey: "asc" } })).map(strip),
    signals: (await db.prisma.kagSignal.findMany({ where: { projectId }, orderBy: { signalKey: "asc" } })).map(strip),
    signatures: await db.prisma.$queryRaw<unknown[]>`SELECT window_days, signature::text, signature_hash, ngrams, features, context, computed_at FROM case_signatures WHERE project_id = ${projectId}::uuid ORDER BY window_days`,
  };
}
