import type { Db } from "../../db.ts";

import type { Counters } from "./run-recorder.ts";

export type { Counters, RunContext } from "./run-recorder.ts";

export async function listJobRuns(db: Db, input: { projectId: string; task?: string; cursor?: string; limit: number }) {
  const rows = await db.jobRun.findMany({
    where: { projectId: input.projectId, ...(input.task ? { task: input.task } : {}), ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  // Progress of running runs: the steps they have finished so far and the one they are in.
  const running = page.filter((r) => r.status === "running").map((r) => `job_run:${r.id}`);
  const steps = running.length
    ? await db.$queryRaw<{ source_ref: string; event_type: string; step: string }[]>`
        SELECT source_ref, event_type, payload->>'step' AS step FROM kag_event_log
        WHERE project_id = ${input.projectId}::uuid AND category = 'process' AND source_ref = ANY(${running}::text[]) AND payload ? 'step' ORDER BY id`
    : [];
  const progressOf = (id: bigint) => {
    const mine = steps.filter((s) => s.source_ref === `job_run:${id}`);
    const done = mine.filter((s) => s.event_type === "process_finished").map((s) => s.step);
    const open = mine.filter((s) => s.event_type === "process_started" && !done.includes(s.step)).map((s) => s.step);
    return { stepsDone: done, currentStep: open.at(-1) ?? null };
  };
  return {
    items: page.map((r) => ({
      id: r.id.toString(), task: r.task, jobKey: r.jobKey, attempt: r.attempt, trigger: r.trigger, status: r.status,
      startedAt: r.startedAt, finishedAt: r.finishedAt, durationMs: r.durationMs, counters: r.counters as Counters, error: r.error,
      progress: r.status === "running" ? progressOf(r.id) : null,
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
