import { z } from "zod";
import { schedulerTick } from "../../server/services/jobs/scheduler.ts";
import { defineTask } from "../define-task.ts";

/** Every minute (crontab): enqueue the per-project jobs that are due in scheduled_jobs. */
export const schedulerTickTask = defineTask("scheduler_tick", z.object({}).passthrough(), async ({ db, env, now }) => {
  const { enqueued } = await schedulerTick(db, { now, limit: env.SCHEDULER_TICK_LIMIT, maxAttempts: env.JOB_MAX_ATTEMPTS });
  return { enqueued: enqueued.length };
});
