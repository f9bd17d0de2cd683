import { z } from "zod";
import { SCHEDULED_TASKS } from "../../services/jobs/catalog.ts";
import { listJobRuns, listQueuedJobs } from "../../services/jobs/runs.ts";
import { listScheduledJobs, runJobNow, schedulerTick, updateScheduledJob } from "../../services/jobs/scheduler.ts";
import { recordAudit } from "../../services/audit.ts";
import { pageInput, projectProcedure, router } from "../init.ts";

const taskName = z.string().min(1).max(100).regex(/^[a-z_]+$/, "task must be a task name like event_log_retention");

export const jobsRouter = router({
  scheduled: projectProcedure.query(({ ctx }) => listScheduledJobs(ctx.db, [ctx.project.id])),
  tasks: projectProcedure.query(() => SCHEDULED_TASKS.map((t) => ({ task: t.task, title: t.title, defaultCadenceSeconds: t.defaultCadenceSeconds }))),
  runs: projectProcedure
    .input(pageInput.extend({ task: taskName.optional() }))
    .query(({ ctx, input }) => listJobRuns(ctx.db, { projectId: ctx.project.id, task: input.task, cursor: input.cursor, limit: input.limit })),
  queue: projectProcedure.query(({ ctx }) => listQueuedJobs(ctx.db, ctx.project.id)),
  runNow: projectProcedure
    .input(z.object({ task: taskName }))
    .mutation(({ ctx, input }) =>
      runJobNow(ctx.db, { projectId: ctx.project.id, task: input.task, actor: ctx.actor, requestId: ctx.requestId, maxAttempts: ctx.env.JOB_MAX_ATTEMPTS }),
    ),
  update: projectProcedure
    .input(z.object({ task: taskName, enabled: z.boolean().optional(), cadenceSeconds: z.number().int().min(60).max(30 * 86400).optional() }))
    .mutation(({ ctx, input }) =>
      updateScheduledJob(ctx.db, { projectId: ctx.project.id, task: input.task, enabled: input.enabled, cadenceSeconds: input.cadenceSeconds, now: ctx.now(), actor: ctx.actor, requestId: ctx.requestId }),
    ),
  /** Enqueues this project's due jobs now (the worker's one-minute tick does the same for all projects). */
  tick: projectProcedure.mutation(async ({ ctx }) => {
    const res = await schedulerTick(ctx.db, { now: ctx.now(), limit: ctx.env.SCHEDULER_TICK_LIMIT, maxAttempts: ctx.env.JOB_MAX_ATTEMPTS, projectIds: [ctx.project.id] });
    await recordAudit(ctx.db, { actor: ctx.actor, projectId: ctx.project.id, action: "job.scheduler_tick", entityType: "project", entityId: ctx.project.id, requestId: ctx.requestId, payload: { enqueued: res.enqueued.length } });
    return res;
  }),
});
