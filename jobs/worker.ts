import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Logger as GraphileLogger, parseCrontab, run, type LogFunctionFactory, type WorkerEvents } from "graphile-worker";
import { createDb } from "../server/db.ts";
import { parseEnv } from "../server/env.ts";
import { createLogger } from "../server/logger.ts";
import { RunRecorder } from "../server/services/jobs/run-recorder.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { buildTaskList } from "./task-list.ts";

const env = parseEnv();
const logger = createLogger(env.LOG_LEVEL, "worker");
const { prisma, pool, close } = createDb(env.DATABASE_URL, env.DATABASE_POOL_MAX);
const workerId = `worker-${randomUUID()}`;

const logFactory: LogFunctionFactory = (scope) => (level, message, meta) => {
  const l = level === "warning" ? "warn" : level === "error" ? "error" : level === "debug" ? "debug" : "info";
  logger[l]({ scope, ...meta }, message);
};

const heartbeat = await startHeartbeat(prisma, {
  workerId, intervalSeconds: env.WORKER_HEARTBEAT_SECONDS, staleSeconds: env.WORKER_STALE_SECONDS,
  onError: (e) => logger.error({ err: e }, "heartbeat failed"),
  onRecovered: (r) => logger.warn(r, "recovered the jobs of workers that stopped responding"),
});
// Job bookkeeping is group-committed here (failures are still written before they are acknowledged).
const recorder = new RunRecorder(prisma, { durable: false, onError: (e) => logger.error({ err: e }, "job run records not written") });
// Graphile Worker's pool id is what it writes in jobs.locked_by: recorded so that, if this process
// dies, another worker can release the jobs it held.
const events: WorkerEvents = new EventEmitter();
events.on("pool:create", ({ workerPool }) => void heartbeat.addGraphileLockId(workerPool.id));
const runner = await run({
  events,
  pgPool: pool,
  concurrency: env.WORKER_CONCURRENCY,
  noHandleSignals: true,
  pollInterval: 1000,
  logger: new GraphileLogger(logFactory),
  taskList: buildTaskList({ db: prisma, env, workerId, recorder }),
  parsedCronItems: parseCrontab(fs.readFileSync(path.resolve(import.meta.dirname, "crontab"), "utf8")),
});
runner.events.on("job:success", () => heartbeat.recordJob(true));
runner.events.on("job:error", () => heartbeat.recordJob(false));
logger.info({ workerId, concurrency: env.WORKER_CONCURRENCY }, "worker started");

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "worker stopping");
  setTimeout(() => process.exit(1), 15_000).unref();
  await runner.stop().catch((e: unknown) => logger.error({ err: e }, "runner stop failed"));
  await recorder.flush().catch((e: unknown) => logger.error({ err: e }, "job run records not written"));
  await heartbeat.stop();
  await close();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
await runner.promise;
