import { z } from "zod";
import { executeActionRun, fireReminder } from "../../server/services/intelligence/actions.ts";
import { defineTask } from "../define-task.ts";

/** One attempt of a recommendation action run; a throw lets Graphile Worker retry it with backoff. */
export const recommendationActionTask = defineTask(
  "recommendation_action",
  z.object({ projectId: z.uuid(), runId: z.uuid() }),
  async ({ db, env, payload, now, helpers }) => {
    const res = await executeActionRun(db, env, { projectId: payload.projectId, runId: payload.runId, attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts, now });
    return { succeeded: res.status === "succeeded" ? 1 : 0 };
  },
  { projectId: (p) => p.projectId },
);

export const recommendationReminderTask = defineTask(
  "recommendation_reminder",
  z.object({ projectId: z.uuid(), recommendationId: z.uuid() }),
  async ({ db, payload, now }) => ({ fired: (await fireReminder(db, { projectId: payload.projectId, recommendationId: payload.recommendationId, now })).fired ? 1 : 0 }),
  { projectId: (p) => p.projectId },
);
