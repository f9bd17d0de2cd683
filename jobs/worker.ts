import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Logger as GraphileLogger, parseCrontab, run, type LogFunctionFactory } from "graphile-worker";
import { createDb } from "../server/db.ts";
import { parseEnv } from "../server/env.ts";
import { createLogger } from "../server/logger.ts";
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

const heartbeat = await startHeartbeat(prisma, { workerId, intervalSeconds: env.WORKER_HEARTBEAT_SECONDS, onError: (e) => logger.error({ err: e }, "heartbeat failed") });
const runner = await run({
  pgPool: pool,
  concurrency: env.WORKER_CONCURRENCY,
  noHandleSignals: true,
  pollInterval: 1000,
  logger: new GraphileLogger(logFactory),
  taskList: buildTaskList({ db: prisma, env, workerId }),
  parsedCronItems: parseCrontab(fs.readFileSync(path.resolve(import.meta.dirname, "crontab"), "utf8")),
});
runner.events.on("job:success", () => void heartbeat.recordJob(true));
runner.events.on("job:error", () => void heartbeat.recordJob(false));
logger.info({ workerId, concurrency: env.WORKER_CONCURRENCY }, "worker started");

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "worker stopping");
  setTimeout(() => process.exit(1), 15_000).unref();
  await runner.stop().catch((e: unknown) => logger.error({ err: e }, "runner stop failed"));
  await heartbeat.stop();
  await close();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
await runner.promise;
