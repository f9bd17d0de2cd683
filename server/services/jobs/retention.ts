import type { Db } from "../../db.ts";

/**
 * Keeps the event log and job history from growing without bound: process events and finished
 * job runs older than the retention window are deleted. Domain events are kept (they are the
 * input of every score and the evidence behind it).
 */
export async function pruneProjectHistory(db: Db, input: { projectId: string; now: Date; retentionDays: number }) {
  const cutoff = new Date(input.now.getTime() - input.retentionDays * 86400_000);
  const events = await db.eventLog.deleteMany({ where: { projectId: input.projectId, category: "process", occurredAt: { lt: cutoff } } });
  const runs = await db.jobRun.deleteMany({ where: { projectId: input.projectId, status: { not: "running" }, startedAt: { lt: cutoff } } });
  return { processEventsDeleted: events.count, jobRunsDeleted: runs.count };
}
