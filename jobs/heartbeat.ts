import os from "node:os";
import type { Db } from "../server/db.ts";

/** Worker liveness in worker_runs: one row per process, heartbeat every few seconds. */
export async function startHeartbeat(db: Db, input: { workerId: string; intervalSeconds: number; onError: (e: unknown) => void }) {
  await db.workerRun.create({ data: { id: input.workerId, hostname: os.hostname(), pid: process.pid } });
  const timer = setInterval(() => {
    db.workerRun.update({ where: { id: input.workerId }, data: { heartbeatAt: new Date() } }).catch(input.onError);
  }, input.intervalSeconds * 1000);
  timer.unref();
  return {
    async recordJob(ok: boolean) {
      await db.workerRun.update({ where: { id: input.workerId }, data: ok ? { jobsDone: { increment: 1 } } : { jobsFailed: { increment: 1 } } }).catch(input.onError);
    },
    async stop() {
      clearInterval(timer);
      await db.workerRun.update({ where: { id: input.workerId }, data: { stoppedAt: new Date(), status: "stopped", heartbeatAt: new Date() } }).catch(input.onError);
    },
  };
}
