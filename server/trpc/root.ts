import { checkHealth } from "../services/health.ts";
import { createCallerFactory, publicProcedure, router } from "./init.ts";
import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { connectorsRouter } from "./routers/connectors.ts";
import { searchRouter } from "./routers/search.ts";
import { intelligenceRouter } from "./routers/intelligence.ts";
import { eventsRouter } from "./routers/events.ts";
import { growthRouter } from "./routers/growth.ts";
import { jobsRouter } from "./routers/jobs.ts";
import { preferencesRouter } from "./routers/preferences.ts";
import { projectsRouter } from "./routers/projects.ts";
import { tokensRouter } from "./routers/tokens.ts";
import { understandingRouter } from "./routers/understanding.ts";
import { webhooksRouter } from "./routers/webhooks.ts";

export const appRouter = router({
  health: publicProcedure.query(({ ctx }) => checkHealth(ctx.db, { now: ctx.now(), workerStaleSeconds: ctx.env.WORKER_STALE_SECONDS })),
  auth: authRouter,
  projects: projectsRouter,
  jobs: jobsRouter,
  events: eventsRouter,
  audit: auditRouter,
  tokens: tokensRouter,
  connectors: connectorsRouter,
  intelligence: intelligenceRouter,
  search: searchRouter,
  growth: growthRouter,
  understanding: understandingRouter,
  preferences: preferencesRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;
