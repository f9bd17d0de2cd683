import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { registerConnectorError, resolveConnectorErrors } from "./error-register.ts";
import { ConnectorError, createHttpClient, type HttpClientOptions } from "./http-client.ts";

// Pushes a project's contacts (Chatwoot contacts and Attio people with an email) to Loops:
// create, and update when Loops answers 409 (already on the list). A contact whose pushed fields
// have not changed since the last push is skipped, so a re-run sends nothing.

const createAnswer = z.object({ success: z.boolean(), id: z.string().optional(), message: z.string().optional() });

export type LoopsContactInput = { email: string; firstName: string | null; lastName: string | null; userGroup: string };

export async function projectContacts(db: Db, projectId: string): Promise<LoopsContactInput[]> {
  const project = await db.project.findUniqueOrThrow({ where: { id: projectId } });
  const rows = await db.$queryRaw<{ email: string; name: string | null }[]>`
    SELECT lower(email) AS email, max(name) AS name FROM (
      SELECT email, name FROM cw_contacts WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND email IS NOT NULL
      UNION ALL
      SELECT email, full_name FROM attio_people WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND email IS NOT NULL
    ) c GROUP BY lower(email) ORDER BY 1`;
  return rows.map((r) => {
    const [first, ...rest] = (r.name ?? "").split(" ");
    // userGroup carries the project (Loops' documented fields only: custom properties would have to
    // be created in Loops first).
    return { email: r.email, firstName: first || null, lastName: rest.join(" ") || null, userGroup: project.slug };
  });
}

export async function syncLoopsContacts(db: Db, env: Env, input: { projectId: string; now: Date; http?: Partial<HttpClientOptions> }) {
  const { projectId, now } = input;
  if (!env.LOOPS_SECRET_KEY) throw new ConnectorError("not_configured", "loops_not_configured");
  const http = createHttpClient({ name: "loops", baseUrl: env.LOOPS_BASE_URL ?? "https://app.loops.so", headers: { authorization: `Bearer ${env.LOOPS_SECRET_KEY}` }, ratePerSecond: 10, maxRetries: 4, ...input.http });
  const state = await db.connectorSyncState.upsert({ where: { projectId_connector: { projectId, connector: "loops" } }, create: { projectId, connector: "loops" }, update: {} });
  const pushed = { ...((state.cursor as { pushed?: Record<string, string> }).pushed ?? {}) };
  const counters = { contacts: 0, created: 0, updated: 0, unchanged: 0 };
  try {
    for (const c of await projectContacts(db, projectId)) {
      counters.contacts++;
      const hash = createHash("sha1").update(JSON.stringify(c)).digest("hex");
      if (pushed[c.email] === hash) {
        counters.unchanged++;
        continue;
      }
      const body = { email: c.email, firstName: c.firstName, lastName: c.lastName, userGroup: c.userGroup };
      const res = await http.request("POST", "api/v1/contacts/create", { body, schema: createAnswer, okStatuses: [409] });
      if (res.status === 409) {
        await http.request("PUT", "api/v1/contacts/update", { body, schema: createAnswer });
        counters.updated++;
      } else counters.created++;
      pushed[c.email] = hash;
    }
    await db.connectorSyncState.update({ where: { projectId_connector: { projectId, connector: "loops" } }, data: { status: "ok", lastSuccessAt: now, lastAttemptAt: now, lastError: null, retryCount: 0, cursor: { pushed } as Prisma.InputJsonValue, meta: { lastResult: counters } } });
    await resolveConnectorErrors(db, { projectId, connector: "loops", now });
    return counters;
  } catch (e) {
    const err = e instanceof ConnectorError ? e : new ConnectorError("client_error", String(e));
    // Keep what was pushed so far: the next run resumes, nothing is sent twice.
    await db.connectorSyncState.update({ where: { projectId_connector: { projectId, connector: "loops" } }, data: { status: "failed", lastAttemptAt: now, lastError: err.message, retryCount: { increment: 1 }, cursor: { pushed } as Prisma.InputJsonValue } });
    await registerConnectorError(db, { projectId, connector: "loops", operation: "contacts_sync", kind: err.kind, message: err.message, now, maxRetries: env.CONNECTOR_MAX_RETRIES, baseSeconds: env.CONNECTOR_RETRY_BASE_SECONDS });
    throw err;
  }
}
