import { z } from "zod";
import { deleteExpiredSessions } from "../../server/services/auth/sessions.ts";
import { recoverDeadWorkers } from "../../server/services/jobs/recovery.ts";
import { defineTask } from "../define-task.ts";

/** Hourly (crontab): drop expired sessions and old login attempts, release the jobs of workers that stopped responding. */
export const maintenanceTask = defineTask("maintenance", z.object({}).passthrough(), async ({ db, env, now }) => {
  const sessions = await deleteExpiredSessions(db, now);
  const attempts = await db.loginAttempt.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - 7 * 86400_000) } } });
  // The recovery every heartbeat runs, once more: its counters make recoveries visible in this run.
  const recovered = await recoverDeadWorkers(db, { now, staleSeconds: env.WORKER_STALE_SECONDS });
  // Workspace-wide process history (scheduler ticks, maintenance itself) has no project to prune it.
  const cutoff = new Date(now.getTime() - env.EVENT_LOG_PROCESS_RETENTION_DAYS * 86400_000);
  const events = await db.eventLog.deleteMany({ where: { projectId: null, category: "process", occurredAt: { lt: cutoff } } });
  const runs = await db.jobRun.deleteMany({ where: { projectId: null, status: { not: "running" }, startedAt: { lt: cutoff } } });
  return { expiredSessions: sessions, loginAttemptsDeleted: attempts.count, workersMarkedLost: recovered.workersLost, jobsUnlocked: recovered.jobsUnlocked, processEventsDeleted: events.count, jobRunsDeleted: runs.count };
});
