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
// Loops' spec types firstName/lastName/userGroup as string (not nullable): a field we have no value for
// is left out of the request, never sent as null (one null made Loops refuse that contact). A contact
// Loops refuses (400, e.g. an address it deems invalid) is counted and reported, and the push goes on:
// one bad address does not hold back the rest; it is tried again on the next run.

const answer = z.object({ success: z.boolean(), id: z.string().optional(), message: z.string().optional() });

export type LoopsContactInput = { email: string; firstName?: string; lastName?: string; userGroup: string };

/** The request body: only fields with a value (Loops wants strings, and reads an absent field as "unchanged"). */
export function loopsContactBody(c: LoopsContactInput): Record<string, string> {
  const body: Record<string, string> = { email: c.email, userGroup: c.userGroup };
  if (c.firstName) body.firstName = c.firstName;
  if (c.lastName) body.lastName = c.lastName;
  return body;
}

export async function projectContacts(db: Db, projectId: string): Promise<LoopsContactInput[]> {
  const project = await db.project.findUniqueOrThrow({ where: { id: projectId } });
  const rows = await db.$queryRaw<{ email: string; name: string | null }[]>`
    SELECT lower(email) AS email, max(name) AS name FROM (
      SELECT email, name FROM cw_contacts WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND email IS NOT NULL
      UNION ALL
      SELECT email, full_name FROM attio_people WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND email IS NOT NULL
    ) c GROUP BY lower(email) ORDER BY 1`;
  return rows.map((r) => {
    const [first, ...rest] = (r.name ?? "").trim().split(/\s+/);
    // userGroup carries the project (Loops' documented fields only: custom properties would have to
    // be created in Loops first).
    const c: LoopsContactInput = { email: r.email, userGroup: project.slug };
    if (first) c.firstName = first;
    if (rest.length) c.lastName = rest.join(" ");
    return c;
  });
}

export async function syncLoopsContacts(db: Db, env: Env, input: { projectId: string; now: Date; http?: Partial<HttpClientOptions> }) {
  const { projectId, now } = input;
  if (!env.LOOPS_SECRET_KEY) throw new ConnectorError("not_configured", "loops_not_configured");
  // Loops allows 10 requests per second per team. The client's token bucket holds twice its rate, so
  // within one clock second it can send a full bucket plus a second's refill: 3 × rate. At 3/s that is
  // at most 9 (at 5/s it was 15, and the simulator's enforced 10/s answered 429s: measured).
  const http = createHttpClient({ name: "loops", baseUrl: env.LOOPS_BASE_URL ?? "https://app.loops.so", headers: { authorization: `Bearer ${env.LOOPS_SECRET_KEY}` }, ratePerSecond: 3, maxRetries: 4, ...input.http });
  const state = await db.connectorSyncState.upsert({ where: { projectId_connector: { projectId, connector: "loops" } }, create: { projectId, connector: "loops" }, update: {} });
  const pushed = { ...((state.cursor as { pushed?: Record<string, string> }).pushed ?? {}) };
  const counters = { contacts: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const rejected: { email: string; message: string }[] = [];
  try {
    for (const c of await projectContacts(db, projectId)) {
      counters.contacts++;
      const hash = createHash("sha1").update(JSON.stringify(c)).digest("hex");
      if (pushed[c.email] === hash) {
        counters.unchanged++;
        continue;
      }
      const body = loopsContactBody(c);
      let res = await http.request("POST", "api/v1/contacts/create", { body, schema: answer, okStatuses: [400, 409] });
      if (res.status === 409) {
        res = await http.request("PUT", "api/v1/contacts/update", { body, schema: answer, okStatuses: [400] });
        if (res.status !== 400) counters.updated++;
      } else if (res.status !== 400) counters.created++;
      if (res.status === 400) {
        counters.rejected++;
        rejected.push({ email: c.email, message: res.data.message ?? "rejected" });
        continue;
      }
      pushed[c.email] = hash;
    }
    await db.connectorSyncState.update({ where: { projectId_connector: { projectId, connector: "loops" } }, data: { status: "ok", lastSuccessAt: now, lastAttemptAt: now, lastError: null, retryCount: 0, cursor: { pushed } as Prisma.InputJsonValue, meta: { lastResult: counters, rejected: rejected.slice(0, 50) } as Prisma.InputJsonValue } });
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
