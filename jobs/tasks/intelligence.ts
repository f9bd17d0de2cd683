import { backfillDailyPipeline, refreshProjectRecommendations, refreshSignalsAndScores, runDailyPipeline, type PipelineResult } from "../../server/services/intelligence/pipeline.ts";
import { z } from "zod";
import { buildDigest, buildPortfolioDigests } from "../../server/services/intelligence/digests.ts";
import { embedPending, syncChunks } from "../../server/services/rag/rag.ts";
import { refreshMessageUnderstanding } from "../../server/services/understanding/refresh.ts";
import { retrainWorkspaceModel } from "../../server/services/understanding/corrections.ts";
import { enqueueProjectJob } from "../../server/services/jobs/enqueue.ts";
import { defineProjectTask, defineTask, type TaskRun } from "../define-task.ts";

// The intelligence pipeline's per-project tasks. Each reports the pipeline's warnings (hidden
// recommendations, unpublished forecasts) as process_warning events of its run.

async function report(run: Pick<TaskRun<unknown>, "warn">, res: PipelineResult) {
  for (const w of res.warnings) await run.warn(w);
  return res.counters;
}

export const signalsExtractionTask = defineProjectTask("signals_extraction", async (run) => report(run, await refreshSignalsAndScores(run.db, run.env, run.projectId, run.now)), { flags: ["KAG_ENABLED"], asOf: true });

export const healthScoringTask = defineProjectTask("health_scoring", async (run) => report(run, await refreshSignalsAndScores(run.db, run.env, run.projectId, run.now)), { flags: ["KAG_ENABLED"], asOf: true });

export const recommendationsRefreshTask = defineProjectTask(
  "kag_recommendations_refresh",
  async (run) => report(run, await refreshProjectRecommendations(run.db, run.env, run.projectId, run.now, run.step)),
  { flags: ["KAG_ENABLED", "RECOMMENDATIONS_ENABLED", "KAG_RECOMMENDATIONS_V2_ENABLED"], asOf: true },
);

export const dailyPipelineTask = defineProjectTask("kag_daily_pipeline", async (run) => report(run, await runDailyPipeline(run.db, run.env, run.projectId, run.now, run.step)), { flags: ["KAG_ENABLED"], asOf: true });

/**
 * A newly connected project's history: the daily pipeline for each of the last 30 days. The digests
 * of the periods it filled in are rewritten right after — a digest written before the project's first
 * sync would otherwise say "no activity" about days that had plenty.
 */
export const backfillTask = defineProjectTask("kag_backfill", async (run) => {
  const counters = await report(run, await backfillDailyPipeline(run.db, run.env, run.projectId, run.now, 30));
  for (const task of ["daily_digest", "weekly_digest"]) await enqueueProjectJob(run.db, { task, payload: { projectId: run.projectId, trigger: "scheduler" }, maxAttempts: run.env.JOB_MAX_ATTEMPTS });
  // Workspace-wide and debounced: the back-fills of several new projects share one run.
  for (const kind of ["daily", "weekly"]) {
    await run.db.$queryRaw`SELECT graphile_worker.add_job('portfolio_digest', payload := ${JSON.stringify({ kind })}::json, job_key := ${`portfolio_digest:${kind}:after_backfill`}::text,
      run_at := ${new Date(Date.now() + 30_000)}::timestamptz, max_attempts := ${run.env.JOB_MAX_ATTEMPTS}::int, job_key_mode := 'replace')`;
  }
  return counters;
}, { flags: ["KAG_ENABLED"] });

/** Every 20 minutes: chunk what changed in the mirrors and embed the pending chunks. */
export const embeddingsRunTask = defineProjectTask("embeddings_run", async (run) => {
  const chunks = await syncChunks(run.db, run.projectId);
  const emb = await embedPending(run.db, run.env, run.projectId);
  for (const w of emb.warnings) await run.warn(w);
  return { chunksUpserted: chunks.upserted, chunksRemoved: chunks.removed, embedded: emb.embedded, failed: emb.failed };
}, { flags: ["KAG_ENABLED"] });

/** Every 30 minutes and after syncs: keep each message's understanding current (local engine, and the language model within budget). */
export const messageUnderstandingTask = defineProjectTask("message_understanding", async (run) => report(run, await refreshMessageUnderstanding(run.db, run.env, { projectId: run.projectId, now: run.now })), { flags: ["KAG_ENABLED"] });

/** After people correct message labels (debounced): the workspace's local model, retrained and measured. */
export const understandingRetrainTask = defineTask("understanding_retrain", z.object({ workspaceId: z.uuid() }), async (run) => {
  const res = await retrainWorkspaceModel(run.db, { workspaceId: run.payload.workspaceId, now: run.now });
  for (const w of res.warnings) await run.warn(w);
  return res.counters;
}, { flags: ["KAG_ENABLED"] });

/** Yesterday's digest of the project (daily) and last week's (weekly). */
export const dailyDigestTask = defineProjectTask("daily_digest", async (run) => {
  const res = await buildDigest(run.db, run.env, { projectId: run.projectId, kind: "daily", now: run.now });
  for (const w of res.warnings) await run.warn(w);
  return { digests: 1, llm: res.summarySource === "llm" ? 1 : 0 };
}, { flags: ["KAG_ENABLED"], asOf: true });

export const weeklyDigestTask = defineProjectTask("weekly_digest", async (run) => {
  const res = await buildDigest(run.db, run.env, { projectId: run.projectId, kind: "weekly", now: run.now });
  for (const w of res.warnings) await run.warn(w);
  return { digests: 1, llm: res.summarySource === "llm" ? 1 : 0 };
}, { flags: ["KAG_ENABLED"], asOf: true });

/** Crontab (mornings; weekly on Mondays): every reader's portfolio digest, stored per user. */
export const portfolioDigestTask = defineTask("portfolio_digest", z.object({ kind: z.enum(["daily", "weekly"]) }), async (run) => {
  const res = await buildPortfolioDigests(run.db, run.env, { kind: run.payload.kind, now: run.now });
  for (const w of res.warnings) await run.warn(w);
  return { users: res.users, projectDigestsWritten: res.projectDigestsWritten };
}, { flags: ["KAG_ENABLED"] });
