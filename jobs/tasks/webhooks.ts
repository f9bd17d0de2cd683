import { z } from "zod";
import { applyWebhookDeliveries } from "../../server/services/webhooks/apply.ts";
import { defineTask, RecordedFailure, SkipRun } from "../define-task.ts";
import { afterSync } from "./connectors.ts";

const payload = z.object({ projectId: z.uuid(), connector: z.enum(["chatwoot", "linear", "attio"]) });

/**
 * Applies a project's webhook deliveries of one connector by running its incremental sync — the
 * polling code path, so the event log gets the same rows with the same dedupe keys whichever way a
 * change arrives — then marks the deliveries it covered as applied. Enqueued by the receiver
 * (server/services/webhooks/receive.ts) with a job key per project and connector (a burst becomes one
 * run, plus at most one after it) in a queue of its own (the runs of one project and connector never overlap).
 */
export const webhookApplyTask = defineTask("webhook_apply", payload, async ({ db, env, payload: p, now, warn }) => {
  const res = await applyWebhookDeliveries(db, env, { projectId: p.projectId, connector: p.connector, now });
  if (res.status === "skipped") throw new SkipRun(`${res.reason}; applies again at ${res.retryAt.toISOString()}`);
  for (const w of res.warnings) await warn(w);
  // The error register owns the sync's retries (its retry runs the same sync, which brings the change in).
  if (res.status === "failed") throw new RecordedFailure(`${res.errorKind}: ${res.error}`);
  await afterSync(db, env, p.projectId, res.counters);
  return res.counters;
}, { projectId: (x) => x.projectId });
