import type { Env } from "../../env.ts";

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
  /** Feature flags that must all be on; otherwise the run is recorded as skipped. */
  flags?: (keyof Env)[];
};

export const SCHEDULED_TASKS: ScheduledTaskSpec[] = [
  { task: "event_log_retention", title: "Prune old process events and job runs", defaultCadenceSeconds: 86_400 },
];

export const scheduledTask = (task: string): ScheduledTaskSpec | undefined => SCHEDULED_TASKS.find((t) => t.task === task);

export function disabledFlags(env: Env, spec: ScheduledTaskSpec | undefined): string[] {
  return (spec?.flags ?? []).filter((f) => env[f] === false).map(String);
}
