import path from "node:path";
import { pathToFileURL } from "node:url";
import { run, Logger, type Runner } from "graphile-worker";
import type { ServerBuild } from "@remix-run/node";
import type { Browser } from "playwright-core";
import { seedDemoWorkspace } from "../../server/services/seed/demo-workspace.ts";
import { buildTaskList } from "../../jobs/task-list.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { backfillDailyPipeline, refreshProjectRecommendations } from "../../server/services/intelligence/pipeline.ts";
import { buildDigest } from "../../server/services/intelligence/digests.ts";
import { computeAnalytics } from "../../server/services/growth/analytics.ts";
import { refreshUpsellRadar } from "../../server/services/growth/upsell-radar.ts";
import { embedPending, syncChunks } from "../../server/services/rag/rag.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import type { Env } from "../../server/env.ts";
import { createTestDb, type TestDb } from "./db.ts";
import { testEnv } from "./fixtures.ts";
import { startServer } from "./server.ts";
import { launchBrowser } from "./browser.ts";
import { bindProjectToSims } from "./sims.ts";

export type BrowserWorkspace = {
  db: TestDb;
  env: Env;
  server: Awaited<ReturnType<typeof startServer>>;
  browser: Browser;
  sims: Simulators;
  worker: Runner | null;
  /** Acme Web Relaunch (bound to simulated project 0) and Umbrella Support Retainer. */
  acmeId: string;
  umbrellaId: string;
  close(): Promise<void>;
};

/**
 * What a browser test needs: a private database with the demo workspace, simulators of Chatwoot,
 * Linear and Attio with Acme bound to their project 0, the **built** Remix app (`npx remix build`
 * first) behind the real Express app, optionally a Graphile Worker, and Debian's Chromium.
 *
 * With `data: true` Acme also gets what a few days of the worker would produce: a sync of every
 * connector, 30 days of daily pipeline (so the trend chart has its whole range), recommendations,
 * the search index, analytics, the upsell radar and a daily and a weekly digest. Every page then
 * shows its populated state, the widest one.
 */
export async function startBrowserWorkspace(opts: { data?: boolean; worker?: boolean } = {}): Promise<BrowserWorkspace> {
  const env = testEnv();
  const db = await createTestDb();
  const opened: { sims?: Simulators; server?: BrowserWorkspace["server"]; worker?: Runner; browser?: Browser } = {};
  const close = async () => {
    await opened.browser?.close();
    await opened.worker?.stop();
    await opened.sims?.close();
    await opened.server?.close();
    await db.drop();
  };
  try {
    const now = new Date();
    await seedDemoWorkspace(db.prisma, { now });
    const acmeId = (await db.prisma.project.findFirstOrThrow({ where: { slug: "acme-web-relaunch" } })).id;
    const umbrellaId = (await db.prisma.project.findFirstOrThrow({ where: { slug: "umbrella-support-retainer" } })).id;
    const sims = (opened.sims = await startSimulators({ seed: 3, projects: 2, days: 30, end: now, situations: ["client_silence"] }));
    await bindProjectToSims(db.prisma, env, sims, acmeId, 0);

    if (opts.data) {
      for (const connector of CONNECTORS) {
        const r = await runConnectorSync(db.prisma, env, { projectId: acmeId, connector, now, http: { maxRetries: 2 } });
        if (r.status !== "ok") throw new Error(`${connector} sync of the browser workspace: ${r.status}`);
      }
      await backfillDailyPipeline(db.prisma, env, acmeId, now, 30);
      await refreshProjectRecommendations(db.prisma, env, acmeId, now);
      await syncChunks(db.prisma, acmeId);
      await embedPending(db.prisma, env, acmeId);
      await computeAnalytics(db.prisma, { projectId: acmeId, now });
      await refreshUpsellRadar(db.prisma, { projectId: acmeId, now });
      for (const kind of ["daily", "weekly"] as const) await buildDigest(db.prisma, env, { projectId: acmeId, kind, now });
    }

    const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
    const server = (opened.server = await startServer(db, env, build));
    let worker: Runner | null = null;
    if (opts.worker !== false) {
      worker = opened.worker = await run({ pgPool: db.pool, concurrency: 1, pollInterval: 200, noHandleSignals: true, logger: new Logger(() => () => {}), taskList: buildTaskList({ db: db.prisma, env, workerId: "browser-test" }) });
      await db.prisma.workerRun.create({ data: { id: "browser-test", hostname: "test", pid: process.pid } });
    }
    const browser = (opened.browser = await launchBrowser());
    return { db, env, server, browser, sims, worker, acmeId, umbrellaId, close };
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
}
