/**
 * Per-project tasks the scheduler knows. Each gets a scheduled_jobs row per project with this
 * default cadence; per-project cadence and enable/disable are edited in that table.
 * A task is listed here only once its handler exists (jobs/tasks), so nothing is scheduled that
 * would do nothing.
 */
export type ScheduledTaskSpec = {
  task: string;
  title: string;
  defaultCadenceSeconds: number;
};

export const SCHEDULED_TASKS: ScheduledTaskSpec[] = [
  { task: "connectors_sync_cycle", title: "Sync every bound connector (fans out to chatwoot_sync, linear_sync, attio_sync)", defaultCadenceSeconds: 900 },
  { task: "loops_contacts_sync", title: "Push the project's contacts to Loops", defaultCadenceSeconds: 3600 },
  { task: "signals_extraction", title: "Compute the project's signals from the event log and the mirrors", defaultCadenceSeconds: 900 },
  { task: "health_scoring", title: "Score health, risk, client value and upsell likelihood", defaultCadenceSeconds: 1800 },
  { task: "kag_recommendations_refresh", title: "Refresh forecasts and next-best-action recommendations", defaultCadenceSeconds: 900 },
  { task: "embeddings_run", title: "Chunk new messages, issues and notes and embed them for search", defaultCadenceSeconds: 1200 },
  { task: "message_understanding", title: "Read messages (labels, spans, tone) with the local engine and, when configured, the language model", defaultCadenceSeconds: 1800 },
  { task: "kag_daily_pipeline", title: "Daily: snapshot → forecast → recommendations → outcomes", defaultCadenceSeconds: 86_400 },
  { task: "daily_digest", title: "Write yesterday's digest", defaultCadenceSeconds: 86_400 },
  { task: "weekly_digest", title: "Write last week's digest", defaultCadenceSeconds: 604_800 },
  { task: "upsell_radar", title: "Find upsell openings in client messages and open deals", defaultCadenceSeconds: 1800 },
  { task: "analytics_aggregates", title: "Trailing-30-day communication, delivery and pipeline figures", defaultCadenceSeconds: 1800 },
  { task: "campaign_scheduler", title: "Send the due steps of follow-up sequences (stops when the client answers)", defaultCadenceSeconds: 300 },
  { task: "case_signatures_refresh", title: "Weekly: rebuild the 7/14/30-day case signatures for similar cases", defaultCadenceSeconds: 604_800 },
  { task: "event_log_retention", title: "Prune old process events and job runs", defaultCadenceSeconds: 86_400 },
];

/** Per-connector sync tasks, enqueued by connectors_sync_cycle, the error retry loop and "sync now". */
export const CONNECTOR_SYNC_TASKS = { chatwoot: "chatwoot_sync", linear: "linear_sync", attio: "attio_sync" } as const;

export const scheduledTask = (task: string): ScheduledTaskSpec | undefined => SCHEDULED_TASKS.find((t) => t.task === task);

/** Tasks a user may start with "run now": the scheduled ones, the per-connector syncs and the history backfill. */
export const RUNNABLE_TASKS: string[] = [...SCHEDULED_TASKS.map((t) => t.task), ...Object.values(CONNECTOR_SYNC_TASKS), "kag_backfill"];
