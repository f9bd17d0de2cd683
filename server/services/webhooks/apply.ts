import { poolOf, type Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { runConnectorSync } from "../connectors/sync.ts";
import type { ConnectorName } from "../connectors/types.ts";
import { APPLY_TASK, applyJobKey, applyQueue } from "./receive.ts";

/** How long an apply waits when the project's sync is already running (the lease): it then runs again. */
export const LEASE_RETRY_MS = 5_000;
/** Accepted deliveries are kept this long for dedupe: longer than Attio retries (about 3 days) and Linear's. */
export const DELIVERY_RETENTION_DAYS = 14;

export type ApplyOutcome =
  | { status: "ok"; counters: Record<string, number>; warnings: string[] }
  | { status: "failed"; error: string; errorKind: string; warnings: string[] }
  | { status: "skipped"; reason: string; retryAt: Date };

/**
 * Runs the connector's incremental sync for the project and marks applied every delivery received
 * before the sync started (the sync read the provider after them, so it saw what they announced).
 * Deliveries received while it ran stay waiting: the receiver has enqueued the next apply for them.
 * If another sync of the same connector holds the lease, the apply is enqueued again shortly; if the
 * sync stops before the end (its budget, the provider's limit), the deliveries stay waiting and the
 * apply comes back at the sync's resume time.
 */
export async function applyWebhookDeliveries(db: Db, env: Env, input: { projectId: string; connector: ConnectorName; now: Date }): Promise<ApplyOutcome> {
  const { projectId, connector, now } = input;
  const pool = poolOf(db);
  const later = async (retryAt: Date, reason: string): Promise<ApplyOutcome> => {
    await pool.query(
      `SELECT graphile_worker.add_job($1::text, json_build_object('projectId', $2::text, 'connector', $3::text), queue_name := $4::text, run_at := $5::timestamptz,
         max_attempts := $6::int, job_key := $7::text, job_key_mode := 'preserve_run_at')`,
      [APPLY_TASK, projectId, connector, applyQueue(projectId, connector), retryAt, env.JOB_MAX_ATTEMPTS, applyJobKey(projectId, connector)],
    );
    return { status: "skipped", reason, retryAt };
  };
  // A sync that stopped at the provider's limit resumes at its time: an apply before it would only
  // spend requests the provider refuses.
  const state = await db.connectorSyncState.findUnique({ where: { projectId_connector: { projectId, connector } } });
  const resumeAt = (state?.meta as { resumeAt?: string } | null)?.resumeAt;
  if (state?.status === "partial" && resumeAt && new Date(resumeAt) > new Date()) return later(new Date(resumeAt), `the ${connector} sync resumes at ${resumeAt} (provider limit)`);

  const startedAt = new Date();
  const res = await runConnectorSync(db, env, { projectId, connector, now });
  if (res.status === "skipped") return later(new Date(Date.now() + LEASE_RETRY_MS), res.reason);
  if (res.status === "failed") return res;
  // Stopped before the end: what the deliveries announced may lie in the part not read yet, so they
  // stay waiting and the apply comes back when the sync can go on.
  if (res.resumeAt) {
    await later(res.resumeAt, "the sync stopped at its budget");
    return { status: "ok", counters: { ...res.counters, deliveriesApplied: 0 }, warnings: res.warnings };
  }
  const marked = await markDeliveriesApplied(db, { projectId, connector, readAfter: startedAt });
  // Old deliveries only serve dedupe; the index on (project, connector, received_at) keeps this cheap.
  await pool.query(`DELETE FROM webhook_deliveries WHERE project_id = $1::uuid AND connector = $2::"ConnectorName" AND received_at < $3`,
    [projectId, connector, new Date(now.getTime() - DELIVERY_RETENTION_DAYS * 86_400_000)]);
  return { status: "ok", counters: { ...res.counters, deliveriesApplied: marked }, warnings: res.warnings };
}

/**
 * Deliveries received before a complete sync started are covered by it (the sync read the provider
 * after them) — whichever job ran it: an apply, the regular poll, or the error register's retry.
 */
export async function markDeliveriesApplied(db: Db, input: { projectId: string; connector: ConnectorName; readAfter: Date }): Promise<number> {
  const res = await poolOf(db).query(
    `UPDATE webhook_deliveries SET status = 'applied', applied_at = $4
     WHERE project_id = $1::uuid AND connector = $2::"ConnectorName" AND status = 'received' AND received_at <= $3`,
    [input.projectId, input.connector, input.readAfter, new Date()],
  );
  return res.rowCount ?? 0;
}
