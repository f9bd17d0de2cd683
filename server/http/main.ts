import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { createDb } from "../db.ts";
import { parseEnv, usingDevSessionSecret } from "../env.ts";
import { createLogger } from "../logger.ts";
import { createApp } from "./app.ts";

const env = parseEnv();
const logger = createLogger(env.LOG_LEVEL, "web");
if (usingDevSessionSecret(env)) logger.warn("SESSION_SECRET is not set: using the development default (never do this in production)");
const { prisma, pool, close } = createDb(env.DATABASE_URL, env.DATABASE_POOL_MAX);
const buildPath = path.resolve("build/index.js");
const remixBuild = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
const { app } = createApp({ db: prisma, pool, env, logger, remixBuild });
const server = app.listen(env.PORT, env.HOST, () => logger.info({ port: env.PORT, host: env.HOST }, "web server listening"));

const shutdown = (signal: string) => {
  logger.info({ signal }, "shutting down");
  server.close(() => void close().then(() => process.exit(0)));
  setTimeout(() => process.exit(1), 10_000).unref();
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
