import { computeAnalytics } from "../../server/services/growth/analytics.ts";
import { runCampaignScheduler } from "../../server/services/growth/follow-ups.ts";
import { refreshUpsellRadar } from "../../server/services/growth/upsell-radar.ts";
import { refreshCaseSignatures } from "../../server/services/intelligence/similarity.ts";
import { defineProjectTask } from "../define-task.ts";

// Per-project growth and analytics tasks (job key <task>:<projectId>, cadence in scheduled_jobs).

/** Every 30 minutes: openings from client needs and deals in qualification, proposal or negotiation. */
export const upsellRadarTask = defineProjectTask("upsell_radar", async ({ db, projectId, now }) => refreshUpsellRadar(db, { projectId, now }), { flags: ["KAG_ENABLED"], asOf: true });

/** Every 30 minutes: today's trailing-30-day communication, delivery and pipeline figures. */
export const analyticsAggregatesTask = defineProjectTask("analytics_aggregates", async ({ db, projectId, now }) => {
  const { metrics } = await computeAnalytics(db, { projectId, now });
  return { inbound: metrics.comms.inbound, outbound: metrics.comms.outbound, completed: metrics.delivery.completed, openDeals: metrics.pipeline.openDeals };
}, { flags: ["KAG_ENABLED"], asOf: true });

/** Every 5 minutes: the due steps of the project's follow-up sequences (stopped when the client answers). */
export const campaignSchedulerTask = defineProjectTask("campaign_scheduler", async ({ db, env, projectId, now, warn }) => {
  const res = await runCampaignScheduler(db, env, { projectId, now });
  if (res.failed) await warn(`${res.failed} follow-up sequence(s) gave up after repeated send failures`, { failed: res.failed });
  return res;
});

/** Weekly: every window's case signature rebuilt (the daily pipeline refreshes them too; this catches projects it skipped). */
export const caseSignaturesRefreshTask = defineProjectTask("case_signatures_refresh", async ({ db, projectId, now }) => refreshCaseSignatures(db, projectId, now), { flags: ["KAG_ENABLED"], asOf: true });
