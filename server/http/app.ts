import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import { createExpressMiddleware } from "@trpc/server/adapters/express";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import type pg from "pg";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import type { Logger } from "../logger.ts";
import { checkHealth } from "../services/health.ts";
import { createMetrics, jobMetricsText } from "../services/metrics.ts";
import type { Context } from "../trpc/context.ts";
import { appRouter, createCaller } from "../trpc/root.ts";
import { authMiddleware, originCheck } from "./auth-middleware.ts";
import { formGuard, noSignInBatches, pageHeaders, rateLimits, tokenAttemptLimit, trpcCalls } from "./limits.ts";
import { opsRoutes } from "./ops-routes.ts";
import { webhookRoutes } from "./webhook-routes.ts";

export type AppDeps = { db: Db; pool: pg.Pool; env: Env; logger: Logger; remixBuild?: ServerBuild; publicDir?: string };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export function createApp(deps: AppDeps) {
  const { db, pool, env, logger } = deps;
  const metrics = createMetrics();
  const app = express();
  app.disable("x-powered-by");
  // Only an explicitly configured proxy may speak for the client's address (login throttling and
  // audit records use it).
  app.set("trust proxy", env.TRUST_PROXY ? (/^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY) : false);

  // Request id first, so every later log line and every answer carries it.
  app.use((req, res, next) => {
    const incoming = req.get("x-request-id");
    req.requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader("x-request-id", req.requestId);
    next();
  });
  // Provider webhooks: raw body, no session or CSRF, and kept out of the access log (token in the path).
  app.use(webhookRoutes({ db, env, logger }));
  app.use(pinoHttp({ logger, genReqId: (req) => (req as Request).requestId, autoLogging: { ignore: (req) => (req.url ?? "").startsWith("/build/") } }));

  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on("finish", () => end({ route: metricRoute(req), status: String(res.statusCode) }));
    next();
  });

  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          "script-src": ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
          // Chart libraries set inline style attributes.
          "style-src": ["'self'", "'unsafe-inline'"],
          "img-src": ["'self'", "data:"],
          "connect-src": ["'self'"],
          "upgrade-insecure-requests": env.NODE_ENV === "production" && env.PUBLIC_URL?.startsWith("https:") ? [] : null,
        },
      },
      strictTransportSecurity: env.NODE_ENV === "production",
      // "no-referrer" (helmet's default) makes browsers send `Origin: null` on same-site form
      // posts, which the CSRF origin check must refuse. Same-origin keeps referrers inside the site.
      referrerPolicy: { policy: "same-origin" },
    }),
  );

  // Public ops endpoints (configurable), before authentication so they cost no session lookup.
  const health = async (_req: Request, res: Response) => {
    const report = await checkHealth(db, { now: new Date(), workerStaleSeconds: env.WORKER_STALE_SECONDS });
    res.status(report.status === "ok" ? 200 : 503).json(report);
  };
  const metricsHandler = async (_req: Request, res: Response) => {
    const text = (await metrics.registry.metrics()) + (await jobMetricsText(db).catch(() => "# job metrics unavailable\n"));
    res.type(metrics.registry.contentType).send(text);
  };
  if (env.OPS_PUBLIC_HEALTH) app.get("/health", health);
  if (env.OPS_PUBLIC_METRICS) app.get("/metrics", metricsHandler);

  if (deps.remixBuild) {
    const publicDir = deps.publicDir ?? path.resolve("public");
    app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(publicDir, { maxAge: "1h", index: false }));
  }

  app.use(tokenAttemptLimit(env));
  app.use(authMiddleware(db, env));
  app.use(pageHeaders);
  app.use(...rateLimits(env));
  app.use(noSignInBatches);
  app.use(originCheck(env));
  app.use(express.json({ limit: "256kb" }));

  const requireAuth = (req: Request, res: Response, next: NextFunction) =>
    req.auth ? next() : res.status(401).json({ ok: false, error: "unauthorized", message: "Sign in or send an API token", request_id: req.requestId });
  if (!env.OPS_PUBLIC_HEALTH) app.get("/health", requireAuth, health);
  if (!env.OPS_PUBLIC_METRICS) app.get("/metrics", requireAuth, metricsHandler);

  const contextFor = (req: Request, res: Response): Context => ({
    db, pool, env, auth: req.auth, requestId: req.requestId, ip: req.ip ?? "unknown", userAgent: req.get("user-agent"), now: () => new Date(), req, res,
  });
  const callerFor = (req: Request, res: Response) => createCaller(contextFor(req, res));

  app.use(
    "/api/trpc",
    createExpressMiddleware({
      router: appRouter,
      createContext: ({ req, res }) => contextFor(req, res),
      maxBodySize: 256 * 1024,
      maxBatchSize: 20,
      onError: ({ error, path: p, req }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, path: p, requestId: (req as Request).requestId }, "tRPC internal error");
      },
    }),
  );
  app.use(opsRoutes(callerFor, requireAuth));

  if (deps.remixBuild) {
    app.all(
      "*",
      formGuard,
      createRequestHandler({
        build: deps.remixBuild,
        // Always Remix's production mode: errors reach the page sanitised (no message or stack of an
        // unexpected error, in any environment); the detail is logged server-side.
        mode: "production",
        getLoadContext: (req, res) => ({ caller: callerFor(req, res), auth: req.auth, sessionExpired: req.sessionExpired, requestId: req.requestId, cspNonce: res.locals.cspNonce as string }),
      }),
    );
  } else {
    app.use((req, res) => res.status(404).json({ ok: false, error: "not_found", message: `No route ${req.method} ${req.path}`, request_id: req.requestId }));
  }

  // Malformed JSON bodies and other request errors are the client's fault: say so, never a bare 500.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) logger.error({ err, requestId: req.requestId }, "unhandled error");
    res.status(status).json({
      ok: false,
      error: status >= 500 ? "internal_error" : status === 413 ? "payload_too_large" : "bad_request",
      message: status >= 500 ? "Internal error" : (err as Error).message,
      request_id: req.requestId,
    });
  });

  return { app, metrics };
}

const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

/**
 * The route label of a request's metrics: known routes and procedures only, so anonymous requests
 * to random paths cannot add series without bound.
 */
function metricRoute(req: Request): string {
  const calls = trpcCalls(req);
  if (calls) {
    if (calls.length > 1) return calls.every((p) => PROCEDURES.has(p)) ? "/api/trpc/<batch>" : "/api/trpc/<unknown>";
    return PROCEDURES.has(calls[0]!) ? `/api/trpc/${calls[0]}` : "/api/trpc/<unknown>";
  }
  if (req.route?.path && typeof req.route.path === "string") return req.baseUrl + req.route.path;
  if (req.path.startsWith("/build/")) return "/build/*";
  return "remix";
}
