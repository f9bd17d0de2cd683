import type { Db } from "../../db.ts";
import { ValidationError } from "../../errors.ts";
import { recordAudit, type Actor } from "../audit.ts";
import { CONNECTOR_SYNC_TASKS } from "../jobs/catalog.ts";
import { enqueueProjectJob } from "../jobs/enqueue.ts";
import { makeErrorsDue } from "./error-register.ts";
import { boundConnectors } from "./sources.ts";
import type { ConnectorName } from "./types.ts";

type OpInput = { projectId: string; actor: Actor; requestId?: string; now: Date; maxAttempts: number };

/** "Sync now": enqueue the sync job of one or all bound connectors (job keys dedupe repeated clicks). */
export async function requestSync(db: Db, input: OpInput & { connector?: ConnectorName }) {
  const bound = await boundConnectors(db, input.projectId);
  const targets = input.connector ? [input.connector] : bound;
  if (input.connector && !bound.includes(input.connector)) throw new ValidationError(`${input.connector} is not connected to this project`);
  const jobKeys: string[] = [];
  for (const c of targets) {
    jobKeys.push(await enqueueProjectJob(db, { task: CONNECTOR_SYNC_TASKS[c], payload: { projectId: input.projectId, trigger: "manual", requestedBy: input.actor.userId ?? undefined }, maxAttempts: input.maxAttempts }));
  }
  await recordAudit(db, { actor: input.actor, projectId: input.projectId, action: "connectors.sync_requested", entityType: "project", entityId: input.projectId, requestId: input.requestId, payload: { connectors: targets } });
  return { jobKeys };
}

/** Manual retry of the project's open connector errors (dead letters included), run now. */
export async function retryConnectorErrors(db: Db, input: OpInput & { connector?: ConnectorName }) {
  const connectors = await makeErrorsDue(db, { projectId: input.projectId, connector: input.connector, now: input.now });
  const jobKeys: string[] = [];
  for (const c of connectors) {
    jobKeys.push(await enqueueProjectJob(db, { task: CONNECTOR_SYNC_TASKS[c], payload: { projectId: input.projectId, trigger: "manual", requestedBy: input.actor.userId ?? undefined }, maxAttempts: input.maxAttempts }));
  }
  await recordAudit(db, { actor: input.actor, projectId: input.projectId, action: "connectors.errors_retried", entityType: "project", entityId: input.projectId, requestId: input.requestId, payload: { connectors } });
  return { retried: connectors, jobKeys };
}
