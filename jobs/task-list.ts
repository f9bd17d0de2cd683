import type { TaskList } from "graphile-worker";
import type { TaskDeps } from "./define-task.ts";
import { connectorErrorsRetryTask, connectorsSyncCycleTask, connectorSyncTask } from "./tasks/connectors.ts";
import { eventLogRetentionTask } from "./tasks/event_log_retention.ts";
import { recommendationActionTask, recommendationReminderTask } from "./tasks/recommendation-actions.ts";
import { backfillTask, dailyDigestTask, dailyPipelineTask, embeddingsRunTask, messageUnderstandingTask, understandingRetrainTask, weeklyDigestTask, healthScoringTask, portfolioDigestTask, recommendationsRefreshTask, signalsExtractionTask } from "./tasks/intelligence.ts";
import { analyticsAggregatesTask, campaignSchedulerTask, caseSignaturesRefreshTask, upsellRadarTask } from "./tasks/growth.ts";
import { loopsContactsSyncTask } from "./tasks/loops.ts";
import { maintenanceTask } from "./tasks/maintenance.ts";
import { schedulerTickTask } from "./tasks/scheduler_tick.ts";
import { webhookApplyTask } from "./tasks/webhooks.ts";

/** Every task the worker runs. Per-project tasks must also be in server/services/jobs/catalog.ts. */
export function buildTaskList(deps: TaskDeps): TaskList {
  return {
    scheduler_tick: schedulerTickTask(deps),
    maintenance: maintenanceTask(deps),
    event_log_retention: eventLogRetentionTask(deps),
    connectors_sync_cycle: connectorsSyncCycleTask(deps),
    connector_errors_retry: connectorErrorsRetryTask(deps),
    chatwoot_sync: connectorSyncTask("chatwoot")(deps),
    linear_sync: connectorSyncTask("linear")(deps),
    attio_sync: connectorSyncTask("attio")(deps),
    webhook_apply: webhookApplyTask(deps),
    loops_contacts_sync: loopsContactsSyncTask(deps),
    signals_extraction: signalsExtractionTask(deps),
    health_scoring: healthScoringTask(deps),
    kag_recommendations_refresh: recommendationsRefreshTask(deps),
    kag_daily_pipeline: dailyPipelineTask(deps),
    kag_backfill: backfillTask(deps),
    embeddings_run: embeddingsRunTask(deps),
    message_understanding: messageUnderstandingTask(deps),
    understanding_retrain: understandingRetrainTask(deps),
    daily_digest: dailyDigestTask(deps),
    weekly_digest: weeklyDigestTask(deps),
    portfolio_digest: portfolioDigestTask(deps),
    recommendation_action: recommendationActionTask(deps),
    recommendation_reminder: recommendationReminderTask(deps),
    upsell_radar: upsellRadarTask(deps),
    analytics_aggregates: analyticsAggregatesTask(deps),
    campaign_scheduler: campaignSchedulerTask(deps),
    case_signatures_refresh: caseSignaturesRefreshTask(deps),
  };
}
