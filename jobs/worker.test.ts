import { runOnce, Logger } from "graphile-worker";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEvents } from "../server/services/events/event-log.ts";
import { enqueueProjectJob } from "../server/services/jobs/enqueue.ts";
import { listQueuedJobs } from "../server/services/jobs/runs.ts";
import { SCHEDULED_TASKS } from "../server/services/jobs/catalog.ts";
import { runJobNow, schedulerTick } from "../server/services/jobs/scheduler.ts";
import { createTestDb, type TestDb } from "../tests/helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../tests/helpers/fixtures.ts";
import { startWorkerProcess, waitFor } from "../tests/helpers/worker-process.ts";
import { defineProjectTask, defineTask } from "./define-task.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { buildTaskList } from "./task-list.ts";

const silent = new Logger(() => () => {});
let db: TestDb;
let fx: Fixture;
const env = testEnv();

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
});
afterAll(() => db.drop());

const queued = (key: string) => db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = ${key}`.then((r) => r[0]!.n);
const clearQueue = () => db.prisma.$executeRaw`DELETE FROM graphile_worker._private_jobs`;
const makeDue = () => db.prisma.$executeRaw`UPDATE graphile_worker._private_jobs SET run_at = now() - interval '1 second'`;

describe("scheduler tick", () => {
  it("creates scheduled jobs for every project and enqueues each due one once, with job key <task>:<projectId>", async () => {
    await clearQueue();
    const now = new Date();
    const first = await schedulerTick(db.prisma, { now, limit: 100, maxAttempts: 5 });
    const projects = [fx.projectA.id, fx.projectB.id, fx.projectC.id];
    const expected = projects.flatMap((p) => SCHEDULED_TASKS.map((t) => `${t.task}:${p}`)).sort();
    expect(first.enqueued.map((e) => e.jobKey).sort()).toEqual(expected);
    for (const key of expected) expect(await queued(key)).toBe(1);
    // Not due again until its cadence has passed.
    expect((await schedulerTick(db.prisma, { now: new Date(now.getTime() + 1000), limit: 100, maxAttempts: 5 })).enqueued).toHaveLength(0);
    const row = await db.prisma.scheduledJob.findFirstOrThrow({ where: { projectId: fx.projectA.id } });
    expect(row.nextRunAt.getTime()).toBe(now.getTime() + row.cadenceSeconds * 1000);
  });

  it("two ticks at the same time enqueue each due job exactly once", async () => {
    await clearQueue();
    const now = new Date(Date.now() + 10 * 86400_000);
    const [a, b] = await Promise.all([
      schedulerTick(db.prisma, { now, limit: 100, maxAttempts: 5 }),
      schedulerTick(db.prisma, { now, limit: 100, maxAttempts: 5 }),
    ]);
    const all = [...a.enqueued, ...b.enqueued].map((e) => e.jobKey);
    const due = 3 * SCHEDULED_TASKS.length;
    expect(all).toHaveLength(due);
    expect(new Set(all).size).toBe(due);
    const total = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM graphile_worker.jobs`;
    expect(total[0]!.n).toBe(due);
  });

  it("skips disabled jobs", async () => {
    await clearQueue();
    await db.prisma.scheduledJob.updateMany({ where: { projectId: fx.projectB.id }, data: { enabled: false } });
    const res = await schedulerTick(db.prisma, { now: new Date(Date.now() + 20 * 86400_000), limit: 100, maxAttempts: 5 });
    expect(res.enqueued.map((e) => e.projectId)).not.toContain(fx.projectB.id);
    await db.prisma.scheduledJob.updateMany({ where: { projectId: fx.projectB.id }, data: { enabled: true } });
  });

  it("run now twice before the worker picks it up leaves one job", async () => {
    await clearQueue();
    const actor = { type: "user" as const, userId: fx.pm.id, workspaceId: fx.ws.id };
    await runJobNow(db.prisma, { projectId: fx.projectA.id, task: "event_log_retention", actor, maxAttempts: 5 });
    await runJobNow(db.prisma, { projectId: fx.projectA.id, task: "event_log_retention", actor, maxAttempts: 5 });
    expect(await queued(`event_log_retention:${fx.projectA.id}`)).toBe(1);
  });
});

describe("tasks on a real Graphile Worker", () => {
  it("a run writes job_runs, process events with duration and counters, and the schedule status", async () => {
    await clearQueue();
    const old = new Date(Date.now() - 90 * 86400_000);
    await appendEvents(db.prisma, [1, 2, 3].map((i) => ({ projectId: fx.projectA.id, category: "process" as const, eventType: "process_finished", occurredAt: old, dedupeKey: `old-${i}` })));
    await appendEvents(db.prisma, [{ projectId: fx.projectA.id, category: "domain", eventType: "message_sent", occurredAt: old, dedupeKey: "old-domain" }]);
    await enqueueProjectJob(db.prisma, { task: "event_log_retention", payload: { projectId: fx.projectA.id, trigger: "manual" }, maxAttempts: 5 });
    await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "test-worker" }), logger: silent });

    const run = await db.prisma.jobRun.findFirstOrThrow({ where: { projectId: fx.projectA.id, task: "event_log_retention" }, orderBy: { id: "desc" } });
    expect(run.status).toBe("succeeded");
    expect(run.trigger).toBe("manual");
    expect(run.counters).toMatchObject({ processEventsDeleted: 3 });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    expect(run.jobKey).toBe(`event_log_retention:${fx.projectA.id}`);
    const events = await db.prisma.eventLog.findMany({ where: { sourceRef: `job_run:${run.id}` }, orderBy: { id: "asc" } });
    // A run that ends before its bookkeeping is flushed is logged by its finished event alone, which
    // carries its start; one still open at a flush (a busy machine) also has its process_started first.
    expect(events.map((e) => e.eventType)).toEqual(expect.arrayContaining(["process_finished"]));
    expect(events.map((e) => e.eventType).join(",")).toMatch(/^(process_started,)?process_finished$/);
    expect(events.at(-1)!.payload).toMatchObject({ status: "succeeded", counters: { processEventsDeleted: 3 }, startedAt: run.startedAt.toISOString() });
    // Domain events are evidence and are never pruned.
    expect(await db.prisma.eventLog.count({ where: { dedupeKey: "old-domain" } })).toBe(1);
    const sched = await db.prisma.scheduledJob.findFirstOrThrow({ where: { projectId: fx.projectA.id, task: "event_log_retention" } });
    expect(sched.lastStatus).toBe("succeeded");
  });

  it("a failing task is recorded per attempt, retried with backoff, and ends as a visible dead letter", async () => {
    await clearQueue();
    let calls = 0;
    const flaky = defineProjectTask("event_log_retention", async () => {
      calls++;
      throw new Error("upstream exploded");
    });
    const taskList = { event_log_retention: flaky({ db: db.prisma, env, workerId: "test-worker" }) };
    await enqueueProjectJob(db.prisma, { task: "event_log_retention", payload: { projectId: fx.projectB.id, trigger: "manual" }, maxAttempts: 2 });
    await runOnce({ pgPool: db.pool, taskList, logger: silent });
    const [afterFirst] = await listQueuedJobs(db.prisma, fx.projectB.id);
    expect(afterFirst).toMatchObject({ state: "retrying", attempts: 1, maxAttempts: 2 });
    expect(afterFirst!.runAt.getTime()).toBeGreaterThan(Date.now()); // backoff: not due yet
    await makeDue();
    await runOnce({ pgPool: db.pool, taskList, logger: silent });
    expect(calls).toBe(2);
    const [dead] = await listQueuedJobs(db.prisma, fx.projectB.id);
    expect(dead).toMatchObject({ state: "dead_letter", attempts: 2 });
    expect(dead!.lastError).toContain("upstream exploded");
    const runs = await db.prisma.jobRun.findMany({ where: { projectId: fx.projectB.id, status: "failed" }, orderBy: { id: "asc" } });
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
    expect(runs[0]!.error).toContain("upstream exploded");
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectB.id, eventType: "process_failed" } })).toBe(2);
    const sched = await db.prisma.scheduledJob.findFirstOrThrow({ where: { projectId: fx.projectB.id, task: "event_log_retention" } });
    expect(sched.lastStatus).toBe("failed");
  });

  it("a disabled feature flag records `skipped`, not a failure", async () => {
    await clearQueue();
    let ran = false;
    const gated = defineProjectTask("gated_task", async () => { ran = true; }, { flags: ["KAG_ENABLED"] });
    await db.prisma.$queryRaw`SELECT graphile_worker.add_job('gated_task', ${JSON.stringify({ projectId: fx.projectA.id })}::json)`;
    await runOnce({ pgPool: db.pool, taskList: { gated_task: gated({ db: db.prisma, env: testEnv({ KAG_ENABLED: "0" }), workerId: "w" }) }, logger: silent });
    expect(ran).toBe(false);
    const run = await db.prisma.jobRun.findFirstOrThrow({ where: { task: "gated_task" } });
    expect(run.status).toBe("skipped");
    expect(run.error).toContain("KAG_ENABLED");
    expect(await queued("gated_task")).toBe(0);
  });

  it("an invalid payload fails permanently instead of retrying", async () => {
    await clearQueue();
    const task = defineTask("strict_task", z.object({ projectId: z.uuid() }), async () => ({}));
    await db.prisma.$queryRaw`SELECT graphile_worker.add_job('strict_task', '{"projectId": "nope"}'::json, max_attempts := 5)`;
    await runOnce({ pgPool: db.pool, taskList: { strict_task: task({ db: db.prisma, env, workerId: "w" }) }, logger: silent });
    const run = await db.prisma.jobRun.findFirstOrThrow({ where: { task: "strict_task" } });
    expect(run.status).toBe("failed");
    expect(run.error).toContain("invalid payload");
    const jobs = await db.prisma.$queryRaw<{ attempts: number; max_attempts: number }[]>`SELECT attempts, max_attempts FROM graphile_worker.jobs WHERE task_identifier = 'strict_task'`;
    expect(jobs[0]!.attempts).toBe(jobs[0]!.max_attempts);
  });

  it("the heartbeat records worker liveness", async () => {
    const hb = await startHeartbeat(db.prisma, { workerId: "hb-test", intervalSeconds: 60, onError: () => {} });
    hb.recordJob(true);
    await hb.stop();
    const row = await db.prisma.workerRun.findUniqueOrThrow({ where: { id: "hb-test" } });
    expect(row).toMatchObject({ jobsDone: 1, status: "stopped" });
    expect(row.stoppedAt).not.toBeNull();
  });
});

describe("npm run worker (the real process)", () => {
  it("starts, heartbeats, processes a queued job, and stops cleanly on SIGTERM", async () => {
    await clearQueue();
    await enqueueProjectJob(db.prisma, { task: "event_log_retention", payload: { projectId: fx.projectC.id, trigger: "manual" }, maxAttempts: 5 });
    const worker = startWorkerProcess(db.url);
    try {
      const done = await waitFor(async () => (await db.prisma.jobRun.count({ where: { projectId: fx.projectC.id, status: "succeeded" } })) > 0, 30_000, 250);
      expect(done, worker.output()).toBe(true);
      const live = await db.prisma.workerRun.findFirst({ where: { stoppedAt: null, id: { startsWith: "worker-" } } });
      expect(live).not.toBeNull();
      expect(live!.graphileWorkerIds.length).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
    const stopped = await db.prisma.workerRun.findFirst({ where: { id: { startsWith: "worker-" } }, orderBy: { startedAt: "desc" } });
    expect(stopped?.status).toBe("stopped");
  });
});
