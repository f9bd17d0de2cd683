import os from "node:os";
import type { Db } from "../server/db.ts";
import { recoverDeadWorkers, type RecoveryResult } from "../server/services/jobs/recovery.ts";

/**
 * Worker liveness in worker_runs: one row per process, heartbeat every few seconds. Each beat also
 * recovers workers whose heartbeat went stale (their locked jobs are released, their open runs closed).
 */
export async function startHeartbeat(db: Db, input: { workerId: string; intervalSeconds: number; staleSeconds?: number; onError: (e: unknown) => void; onRecovered?: (r: RecoveryResult) => void }) {
  await db.workerRun.create({ data: { id: input.workerId, hostname: os.hostname(), pid: process.pid } });
  // Job counts ride on the heartbeat instead of costing a write per job; a failed write keeps them for the next one.
  const counts = { done: 0, failed: 0 };
  const write = async (data: { heartbeatAt: Date; stoppedAt?: Date; status?: string }) => {
    const taken = { ...counts };
    counts.done = counts.failed = 0;
    try {
      await db.workerRun.update({ where: { id: input.workerId }, data: { ...data, jobsDone: { increment: taken.done }, jobsFailed: { increment: taken.failed } } });
    } catch (e) {
      counts.done += taken.done;
      counts.failed += taken.failed;
      throw e;
    }
  };
  const beat = async () => {
    await write({ heartbeatAt: new Date() });
    if (input.staleSeconds) {
      const r = await recoverDeadWorkers(db, { now: new Date(), staleSeconds: input.staleSeconds });
      if (r.workersLost) input.onRecovered?.(r);
    }
  };
  const timer = setInterval(() => void beat().catch(input.onError), input.intervalSeconds * 1000);
  timer.unref();
  void beat().catch(input.onError);
  return {
    /** The id under which this process's Graphile Worker pool locks jobs (jobs.locked_by). */
    async addGraphileLockId(graphileWorkerId: string) {
      await db.$executeRaw`UPDATE worker_runs SET graphile_worker_ids = array_append(graphile_worker_ids, ${graphileWorkerId}) WHERE id = ${input.workerId}`.catch(input.onError);
    },
    recordJob(ok: boolean) {
      if (ok) counts.done++;
      else counts.failed++;
    },
    async stop() {
      clearInterval(timer);
      await write({ stoppedAt: new Date(), status: "stopped", heartbeatAt: new Date() }).catch(input.onError);
    },
  };
}
