import { syncLoopsContacts } from "../../server/services/connectors/loops.ts";
import { ConnectorError } from "../../server/services/connectors/http-client.ts";
import { defineProjectTask, RecordedFailure, SkipRun } from "../define-task.ts";

/** Hourly per project: push the project's contacts to Loops. */
export const loopsContactsSyncTask = defineProjectTask("loops_contacts_sync", async ({ db, env, projectId, now }) => {
  if (!env.LOOPS_SECRET_KEY) throw new SkipRun("Loops is not configured (LOOPS_SECRET_KEY)");
  try {
    return await syncLoopsContacts(db, env, { projectId, now });
  } catch (e) {
    if (e instanceof ConnectorError) throw new RecordedFailure(`${e.kind}: ${e.message}`);
    throw e;
  }
});
