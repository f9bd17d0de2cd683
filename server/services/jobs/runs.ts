import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { appendEvents, dedupeKey } from "../events/event-log.ts";

export type RunContext = { task: string; projectId: string | null; jobKey: string | null; graphileJobId: string | null; attempt: number; trigger: string; workerId: string | null };
export type Counters = Record<string, number>;

function processEvent(run: { id: bigint; projectId: string | null }, ctx: RunContext, type: string, at: Date, payload: Record<string, unknown>) {
  return {
    projectId: run.projectId,
    category: "process" as const,
    eventType: type,
    occurredAt: at,
    source: "worker",
    sourceRef: `job_run:${run.id}`,
    payload: { task: ctx.task, jobKey: ctx.jobKey, attempt: ctx.attempt, trigger: ctx.trigger, jobRunId: run.id.toString(), ...payload },
    dedupeKey: dedupeKey("process", run.id.toString(), type, type === "process_warning" ? JSON.stringify(payload) : String(payload.step ?? "")),
  };
}

/** Writes the job_runs row (running) and a process_started event. */
export async function startJobRun(db: Db, ctx: RunContext, now: Date) {
  const run = await db.jobRun.create({
    data: { projectId: ctx.projectId, task: ctx.task, jobKey: ctx.jobKey, graphileJobId: ctx.graphileJobId, attempt: ctx.attempt, trigger: ctx.trigger, status: "running", startedAt: now, workerId: ctx.workerId },
  });
  await appendEvents(db, [processEvent(run, ctx, "process_started", now, {})]);
  return run;
}

export async function warnJobRun(db: Db, run: { id: bigint; projectId: string | null }, ctx: RunContext, now: Date, message: string, details: Record<string, unknown> = {}) {
  await appendEvents(db, [processEvent(run, ctx, "process_warning", now, { message, ...details })]);
}

/** A named step inside a run (e.g. the daily pipeline's snapshot → forecast → …): its own started/finished/failed events. */
export async function stepJobRun<T>(db: Db, run: { id: bigint; projectId: string | null }, ctx: RunContext, now: () => Date, step: string, fn: () => Promise<T>): Promise<T> {
  const t0 = now();
  await appendEvents(db, [processEvent(run, ctx, "process_started", t0, { step })]);
  try {
    const result = await fn();
    const counters = result && typeof result === "object" ? Object.fromEntries(Object.entries(result).filter(([, v]) => typeof v === "number")) : {};
    await appendEvents(db, [processEvent(run, ctx, "process_finished", now(), { step, status: "succeeded", durationMs: now().getTime() - t0.getTime(), counters })]);
    return result;
  } catch (e) {
    await appendEvents(db, [processEvent(run, ctx, "process_failed", now(), { step, status: "failed", durationMs: now().getTime() - t0.getTime(), error: (e as Error).message?.slice(0, 1000) })]).catch(() => {});
    throw e;
  }
}

/** Closes the run (succeeded / failed / skipped) with duration and counters, and logs the process event. */
export async function finishJobRun(
  db: Db,
  run: { id: bigint; projectId: string | null; startedAt: Date },
  ctx: RunContext,
  outcome: { status: "succeeded" | "failed" | "skipped"; now: Date; counters?: Counters; error?: string; reason?: string },
) {
  const durationMs = Math.max(0, outcome.now.getTime() - run.startedAt.getTime());
  const counters = (outcome.counters ?? {}) as Prisma.InputJsonValue;
  await db.jobRun.update({
    where: { id: run.id },
    data: { status: outcome.status, finishedAt: outcome.now, durationMs, counters, error: outcome.error?.slice(0, 4000) ?? outcome.reason ?? null },
  });
  const type = outcome.status === "failed" ? "process_failed" : "process_finished";
  await appendEvents(db, [processEvent(run, ctx, type, outcome.now, { status: outcome.status, durationMs, counters: outcome.counters ?? {}, error: outcome.error?.slice(0, 1000), reason: outcome.reason })]);
  if (run.projectId) {
    await db.scheduledJob.updateMany({
      where: { projectId: run.projectId, task: ctx.task },
      data: { lastRunAt: outcome.now, lastStatus: outcome.status, lastError: outcome.status === "failed" ? (outcome.error ?? "").slice(0, 1000) : null },
    });
  }
}

export async function listJobRuns(db: Db, input: { projectId: string; task?: string; cursor?: string; limit: number }) {
  const rows = await db.jobRun.findMany({
    where: { projectId: input.projectId, ...(input.task ? { task: input.task } : {}), ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((r) => ({
      id: r.id.toString(), task: r.task, jobKey: r.jobKey, attempt: r.attempt, trigger: r.trigger, status: r.status,
      startedAt: r.startedAt, finishedAt: r.finishedAt, durationMs: r.durationMs, counters: r.counters as Counters, error: r.error,
    })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.id.toString() : null,
  };
}

/** Jobs still waiting or retrying in Graphile Worker's queue for a project (progress and dead letters). */
export async function listQueuedJobs(db: Db, projectId: string) {
  const rows = await db.$queryRaw<{ id: string; task: string; key: string | null; run_at: Date; attempts: number; max_attempts: number; last_error: string | null; locked_at: Date | null }[]>`
    SELECT j.id::text, j.task_identifier AS task, j.key, j.run_at, j.attempts, j.max_attempts, j.last_error, j.locked_at
    FROM graphile_worker.jobs j
    WHERE j.key LIKE ${"%:" + projectId}
    ORDER BY j.run_at DESC LIMIT 100`;
  return rows.map((r) => ({
    id: r.id, task: r.task, jobKey: r.key, runAt: r.run_at, attempts: r.attempts, maxAttempts: r.max_attempts, lastError: r.last_error,
    state: r.locked_at ? "running" : r.attempts >= r.max_attempts ? "dead_letter" : r.attempts > 0 ? "retrying" : "waiting",
  }));
}
