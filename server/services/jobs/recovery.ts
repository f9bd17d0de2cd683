import type { Db } from "../../db.ts";

// A worker process that dies (killed, OOM, the host lost) leaves its jobs locked in Graphile
// Worker's queue, where they would wait up to four hours for Graphile's own lock timeout, and its
// job_runs rows saying `running` forever. Every live worker checks on each heartbeat for processes
// whose heartbeat went stale, unlocks their jobs (they run again at once, on any worker, and every
// task is idempotent) and closes their runs as failed with the reason.

export type RecoveryResult = { workersLost: number; jobsUnlocked: number; runsClosed: number };

export async function recoverDeadWorkers(db: Db, input: { now: Date; staleSeconds: number }): Promise<RecoveryResult> {
  const staleBefore = new Date(input.now.getTime() - input.staleSeconds * 1000);
  return db.$transaction(async (tx) => {
    // SKIP LOCKED: two live workers recovering at the same moment take different dead ones.
    const dead = await tx.$queryRaw<{ id: string; graphile_worker_ids: string[] }[]>`
      SELECT id, graphile_worker_ids FROM worker_runs
      WHERE stopped_at IS NULL AND heartbeat_at < ${staleBefore}
      FOR UPDATE SKIP LOCKED`;
    if (dead.length === 0) return { workersLost: 0, jobsUnlocked: 0, runsClosed: 0 };
    const graphileIds = dead.flatMap((d) => d.graphile_worker_ids);
    const [locked] = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE locked_by = ANY(${graphileIds}::text[])`;
    if (graphileIds.length) await tx.$executeRaw`SELECT graphile_worker.force_unlock_workers(${graphileIds}::text[])`;
    const ids = dead.map((d) => d.id);
    const runs = await tx.$executeRaw`
      UPDATE job_runs SET status = 'failed', finished_at = ${input.now}, duration_ms = greatest(0, (extract(epoch FROM ${input.now}::timestamptz - started_at) * 1000)::int),
        error = 'worker ' || worker_id || ' stopped responding during this run; the job was unlocked and runs again'
      WHERE status = 'running' AND worker_id = ANY(${ids}::text[])`;
    await tx.$executeRaw`UPDATE worker_runs SET stopped_at = ${input.now}, status = 'lost' WHERE id = ANY(${ids}::text[])`;
    return { workersLost: dead.length, jobsUnlocked: locked?.n ?? 0, runsClosed: runs };
  });
}
