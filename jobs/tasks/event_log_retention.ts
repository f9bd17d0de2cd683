import { pruneProjectHistory } from "../../server/services/jobs/retention.ts";
import { defineProjectTask } from "../define-task.ts";

export const eventLogRetentionTask = defineProjectTask("event_log_retention", ({ db, env, projectId, now }) =>
  pruneProjectHistory(db, { projectId, now, retentionDays: env.EVENT_LOG_PROCESS_RETENTION_DAYS }),
);
