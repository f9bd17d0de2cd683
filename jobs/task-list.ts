import type { TaskList } from "graphile-worker";
import type { TaskDeps } from "./define-task.ts";
import { eventLogRetentionTask } from "./tasks/event_log_retention.ts";
import { maintenanceTask } from "./tasks/maintenance.ts";
import { schedulerTickTask } from "./tasks/scheduler_tick.ts";

/** Every task the worker runs. Per-project tasks must also be in server/services/jobs/catalog.ts. */
export function buildTaskList(deps: TaskDeps): TaskList {
  return {
    scheduler_tick: schedulerTickTask(deps),
    maintenance: maintenanceTask(deps),
    event_log_retention: eventLogRetentionTask(deps),
  };
}
