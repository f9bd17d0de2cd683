import { z } from "zod";
import type { Db } from "../../server/db.ts";
import type { Env } from "../../server/env.ts";
import { CONNECTOR_SYNC_TASKS } from "../../server/services/jobs/catalog.ts";
import { enqueueProjectJob } from "../../server/services/jobs/enqueue.ts";
import { dueConnectorErrors } from "../../server/services/connectors/error-register.ts";
import { boundConnectors } from "../../server/services/connectors/sources.ts";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { markDeliveriesApplied } from "../../server/services/webhooks/apply.ts";
import type { ConnectorName } from "../../server/services/connectors/types.ts";
import { defineProjectTask, defineTask, RecordedFailure, SkipRun } from "../define-task.ts";

/** One connector for one project. Failures are recorded in connector_errors, which owns the retries. */
export const connectorSyncTask = (connector: ConnectorName) =>
  defineProjectTask(CONNECTOR_SYNC_TASKS[connector], async ({ db, env, projectId, now, warn }) => {
    const startedAt = new Date();
    const res = await runConnectorSync(db, env, { projectId, connector, now });
    if (res.status === "skipped") throw new SkipRun(res.reason);
    for (const w of res.warnings) await warn(w);
    if (res.status === "failed") throw new RecordedFailure(`${res.errorKind}: ${res.error}`);
    // Stopped at its budget: the rest follows as its own run, from the saved cursor.
    if (res.resumeAt) await enqueueProjectJob(db, { task: CONNECTOR_SYNC_TASKS[connector], payload: { projectId, trigger: "scheduler" }, maxAttempts: env.JOB_MAX_ATTEMPTS, runAt: res.resumeAt });
    // A complete read also covers webhook deliveries still waiting (e.g. after a failed apply).
    else await markDeliveriesApplied(db, { projectId, connector, readAfter: startedAt });
    await afterSync(db, env, projectId, res.counters);
    return res.counters;
  });

/**
 * What follows a sync that wrote new domain events (also after a webhook's sync, jobs/tasks/webhooks.ts):
 * fresh recommendations soon after, not at the next 15-minute slot. The job key debounces: the three
 * connectors of a cycle push the same job's start back instead of adding three. A project's first data
 * gets its history at once (kag_backfill: a daily pipeline run per past day).
 */
export async function afterSync(db: Db, env: Env, projectId: string, counters: Record<string, number>) {
  if ((counters.eventsWritten ?? 0) > 0 && env.KAG_ENABLED) {
    // One snapshot can be today's run on no data yet; history means more than that.
    const hasHistory = (await db.projectSnapshot.count({ where: { projectId } })) > 1;
    const task = hasHistory ? "kag_recommendations_refresh" : "kag_backfill";
    const runAt = new Date(Date.now() + REFRESH_DEBOUNCE_MS);
    if (!hasHistory || (env.RECOMMENDATIONS_ENABLED && env.KAG_RECOMMENDATIONS_V2_ENABLED)) {
      await enqueueProjectJob(db, { task, payload: { projectId, trigger: "scheduler" }, maxAttempts: env.JOB_MAX_ATTEMPTS, runAt });
    }
    // The figures and openings that read the same new data, debounced the same way.
    for (const t of ["analytics_aggregates", "upsell_radar"]) await enqueueProjectJob(db, { task: t, payload: { projectId, trigger: "scheduler" }, maxAttempts: env.JOB_MAX_ATTEMPTS, runAt });
    // With a language model, it reads the new messages soon after (the local engine already did, in the sync).
    if (env.OPENAI_API_KEY && env.UNDERSTANDING_ENGINE === "openai") await enqueueProjectJob(db, { task: "message_understanding", payload: { projectId, trigger: "scheduler" }, maxAttempts: env.JOB_MAX_ATTEMPTS, runAt: new Date(Date.now() + EMBED_DEBOUNCE_MS) });
    // Search covers what just arrived within seconds, not at the next 20-minute embeddings slot.
    await enqueueProjectJob(db, { task: "embeddings_run", payload: { projectId, trigger: "scheduler" }, maxAttempts: env.JOB_MAX_ATTEMPTS, runAt: new Date(Date.now() + EMBED_DEBOUNCE_MS) });
  }
}

const REFRESH_DEBOUNCE_MS = 20_000;
const EMBED_DEBOUNCE_MS = 5_000;

/** Every 15 minutes per project (scheduled_jobs): fan out to one job per bound connector. */
export const connectorsSyncCycleTask = defineProjectTask("connectors_sync_cycle", async ({ db, env, projectId }) => {
  const connectors = await boundConnectors(db, projectId);
  for (const c of connectors) {
    await enqueueProjectJob(db, { task: CONNECTOR_SYNC_TASKS[c], payload: { projectId, trigger: "scheduler" }, maxAttempts: env.JOB_MAX_ATTEMPTS });
  }
  return { enqueued: connectors.length };
});

/** Every 5 minutes (crontab): re-run the syncs whose registered error is due for a retry. */
export const connectorErrorsRetryTask = defineTask("connector_errors_retry", z.object({}).passthrough(), async ({ db, env, now }) => {
  const due = await dueConnectorErrors(db, now);
  const keys = new Set<string>();
  for (const e of due) {
    if (e.connector === "loops") continue;
    const task = CONNECTOR_SYNC_TASKS[e.connector];
    keys.add(await enqueueProjectJob(db, { task, payload: { projectId: e.projectId, trigger: "scheduler" }, maxAttempts: env.JOB_MAX_ATTEMPTS }));
  }
  return { dueErrors: due.length, enqueued: keys.size };
});
