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
  { task: "event_log_retention", title: "Prune old process events and job runs", defaultCadenceSeconds: 86_400 },
];

export const scheduledTask = (task: string): ScheduledTaskSpec | undefined => SCHEDULED_TASKS.find((t) => t.task === task);
