import { z } from "zod";
import { deleteExpiredSessions } from "../../server/services/auth/sessions.ts";
import { defineTask } from "../define-task.ts";

/** Hourly (crontab): drop expired sessions and old login attempts, mark silent workers as stopped. */
export const maintenanceTask = defineTask("maintenance", z.object({}).passthrough(), async ({ db, env, now }) => {
  const sessions = await deleteExpiredSessions(db, now);
  const attempts = await db.loginAttempt.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - 7 * 86400_000) } } });
  const workers = await db.workerRun.updateMany({
    where: { stoppedAt: null, heartbeatAt: { lt: new Date(now.getTime() - env.WORKER_STALE_SECONDS * 5000) } },
    data: { stoppedAt: now, status: "lost" },
  });
  return { expiredSessions: sessions, loginAttemptsDeleted: attempts.count, workersMarkedLost: workers.count };
});
