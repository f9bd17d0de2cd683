import type { Db } from "../../db.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { recordAudit, type Actor } from "../audit.ts";
import { RUNNABLE_TASKS, SCHEDULED_TASKS } from "./catalog.ts";
import { enqueueProjectJob } from "./enqueue.ts";

/** Creates the missing scheduled_jobs rows (every project × every known task). Idempotent. */
export async function ensureScheduledJobs(db: Db, input: { now: Date; projectIds?: string[] }): Promise<number> {
  const tasks = SCHEDULED_TASKS.map((t) => t.task);
  const cadences = SCHEDULED_TASKS.map((t) => t.defaultCadenceSeconds);
  const projectIds = input.projectIds ?? null;
  return db.$executeRaw`
    INSERT INTO scheduled_jobs (id, project_id, task, cadence_seconds, next_run_at, updated_at)
    SELECT gen_random_uuid(), p.id, t.task, t.cadence, ${input.now}, ${input.now}
    FROM projects p CROSS JOIN unnest(${tasks}::text[], ${cadences}::int[]) AS t(task, cadence)
    WHERE p.archived_at IS NULL AND (${projectIds}::uuid[] IS NULL OR p.id = ANY(${projectIds}::uuid[]))
    ON CONFLICT (project_id, task) DO NOTHING`;
}

export type TickResult = { enqueued: { projectId: string; task: string; jobKey: string }[] };

/**
 * Enqueues every due, enabled scheduled job once. Due rows are claimed with FOR UPDATE SKIP LOCKED
 * and moved to their next run in the same transaction as the add_job calls, so two ticks running at
 * the same time never enqueue the same row twice, and a crash enqueues nothing half-way.
 */
export async function schedulerTick(db: Db, input: { now: Date; limit: number; maxAttempts: number; projectIds?: string[] }): Promise<TickResult> {
  await ensureScheduledJobs(db, { now: input.now, projectIds: input.projectIds });
  const known = SCHEDULED_TASKS.map((t) => t.task);
  const projectIds = input.projectIds ?? null;
  return db.$transaction(async (tx) => {
    const due = await tx.$queryRaw<{ id: string; project_id: string; task: string }[]>`
      WITH due AS (
        SELECT id FROM scheduled_jobs
        WHERE enabled AND next_run_at <= ${input.now} AND task = ANY(${known}::text[])
          AND (${projectIds}::uuid[] IS NULL OR project_id = ANY(${projectIds}::uuid[]))
        ORDER BY next_run_at
        LIMIT ${input.limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE scheduled_jobs s
      SET next_run_at = ${input.now}::timestamptz + make_interval(secs => s.cadence_seconds),
          last_enqueued_at = ${input.now}, updated_at = ${input.now}
      FROM due WHERE s.id = due.id
      RETURNING s.id, s.project_id::text AS project_id, s.task`;
    const enqueued: TickResult["enqueued"] = [];
    for (const row of due) {
      const jobKey = await enqueueProjectJob(tx, { task: row.task, payload: { projectId: row.project_id, trigger: "scheduler" }, maxAttempts: input.maxAttempts });
      enqueued.push({ projectId: row.project_id, task: row.task, jobKey });
    }
    return { enqueued };
  });
}

export async function listScheduledJobs(db: Db, projectIds: string[]) {
  const rows = await db.scheduledJob.findMany({
    where: { projectId: { in: projectIds } },
    include: { project: { select: { name: true } } },
    orderBy: [{ project: { name: "asc" } }, { task: "asc" }],
  });
  return rows.map((r) => ({
    id: r.id,
    projectId: r.projectId,
    projectName: r.project.name,
    task: r.task,
    title: SCHEDULED_TASKS.find((t) => t.task === r.task)?.title ?? r.task,
    cadenceSeconds: r.cadenceSeconds,
    enabled: r.enabled,
    nextRunAt: r.nextRunAt,
    lastEnqueuedAt: r.lastEnqueuedAt,
    lastRunAt: r.lastRunAt,
    lastStatus: r.lastStatus,
    lastError: r.lastError,
  }));
}

function requireKnownTask(task: string) {
  if (!RUNNABLE_TASKS.includes(task)) throw new ValidationError(`Unknown task "${task}"`);
}

/** "Run now": enqueue immediately (same job key, so a waiting run is replaced, not doubled). */
export async function runJobNow(db: Db, input: { projectId: string; task: string; actor: Actor; requestId?: string; maxAttempts: number }) {
  requireKnownTask(input.task);
  const jobKey = await enqueueProjectJob(db, {
    task: input.task,
    payload: { projectId: input.projectId, trigger: "manual", requestedBy: input.actor.userId ?? undefined },
    maxAttempts: input.maxAttempts,
  });
  await recordAudit(db, { actor: input.actor, projectId: input.projectId, action: "job.run_now", entityType: "scheduled_job", entityId: jobKey, requestId: input.requestId, payload: { task: input.task } });
  return { jobKey };
}

export async function updateScheduledJob(
  db: Db,
  input: { projectId: string; task: string; enabled?: boolean; cadenceSeconds?: number; now: Date; actor: Actor; requestId?: string },
) {
  if (!SCHEDULED_TASKS.some((t) => t.task === input.task)) throw new ValidationError(`"${input.task}" has no schedule of its own`);
  await ensureScheduledJobs(db, { now: input.now, projectIds: [input.projectId] });
  const row = await db.scheduledJob.findUnique({ where: { projectId_task: { projectId: input.projectId, task: input.task } } });
  if (!row) throw new NotFoundError("Scheduled job not found");
  const updated = await db.scheduledJob.update({
    where: { id: row.id },
    data: {
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.cadenceSeconds !== undefined
        ? { cadenceSeconds: input.cadenceSeconds, nextRunAt: new Date((row.lastEnqueuedAt ?? input.now).getTime() + input.cadenceSeconds * 1000) }
        : {}),
    },
  });
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: "job.schedule_updated", entityType: "scheduled_job", entityId: row.id, requestId: input.requestId,
    payload: { task: input.task, enabled: input.enabled ?? null, cadenceSeconds: input.cadenceSeconds ?? null },
  });
  return { id: updated.id, enabled: updated.enabled, cadenceSeconds: updated.cadenceSeconds, nextRunAt: updated.nextRunAt };
}
