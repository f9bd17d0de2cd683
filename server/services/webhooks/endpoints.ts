import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { NotFoundError } from "../../errors.ts";
import { recordAudit, type Actor } from "../audit.ts";
import { decryptSecret, encryptSecret } from "../connectors/secrets.ts";
import { boundConnectors } from "../connectors/sources.ts";
import type { ConnectorName } from "../connectors/types.ts";

// A project's webhook endpoints: one per bound source. The URL token decides the project (never the
// payload); the signing secret checks the sender. Both are random, stored encrypted (the token also as
// its SHA-256, which is what a delivery is looked up by), and shown only to owners and PMs.

export const tokenHash = (token: string) => createHash("sha256").update(`control-tower:webhook:${token}`).digest("hex");
const newToken = () => randomBytes(24).toString("base64url");
const newSecret = () => randomBytes(32).toString("hex");

export const webhookPath = (connector: ConnectorName, token: string) => `/webhooks/${connector}/${token}`;

/** The public URL a provider posts to (PUBLIC_URL, else the request's own origin). */
export const webhookUrl = (origin: string, connector: ConnectorName, token: string) => `${origin.replace(/\/$/, "")}${webhookPath(connector, token)}`;

async function requireBound(db: Db, projectId: string, connector: ConnectorName) {
  if (!(await boundConnectors(db, projectId)).includes(connector)) throw new NotFoundError(`${connector} is not connected to this project`);
}

/**
 * Creates the endpoint, or gives an existing one a new URL token and signing secret (the old ones
 * stop working at once). Audited: who can receive data for the project changes here.
 */
export async function regenerateEndpoint(db: Db, env: Env, input: { projectId: string; connector: ConnectorName; actor: Actor; requestId?: string; now: Date }) {
  await requireBound(db, input.projectId, input.connector);
  const token = newToken();
  const secret = newSecret();
  const data = { tokenHash: tokenHash(token), token: encryptSecret(token, env.SESSION_SECRET), secret: encryptSecret(secret, env.SESSION_SECRET) };
  const existing = await db.webhookEndpoint.findUnique({ where: { projectId_connector: { projectId: input.projectId, connector: input.connector } } });
  // Two "set up" clicks at once: the second becomes a regeneration, never a unique-index error.
  const row = await db.webhookEndpoint.upsert({
    where: { projectId_connector: { projectId: input.projectId, connector: input.connector } },
    create: { projectId: input.projectId, connector: input.connector, ...data },
    update: { ...data, rotatedAt: input.now },
  });
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: existing ? "webhook.secret_regenerated" : "webhook.created", entityType: "webhook_endpoint", entityId: row.id,
    requestId: input.requestId, payload: { connector: input.connector },
  });
  return { token, secret };
}

/**
 * Replaces the signing secret with the provider's own (Attio and Chatwoot generate theirs; Linear's
 * settings page does too), and for Chatwoot whether unsigned deliveries are accepted. Audited.
 */
export async function setSigningSecret(
  db: Db,
  env: Env,
  input: { projectId: string; connector: ConnectorName; secret?: string; allowUnsigned?: boolean; actor: Actor; requestId?: string; now: Date },
) {
  const row = await db.webhookEndpoint.findUnique({ where: { projectId_connector: { projectId: input.projectId, connector: input.connector } } });
  if (!row) throw new NotFoundError(`No ${input.connector} webhook yet: create one first`);
  await db.webhookEndpoint.update({
    where: { id: row.id },
    data: {
      ...(input.secret ? { secret: encryptSecret(input.secret, env.SESSION_SECRET), rotatedAt: input.now } : {}),
      // Only Chatwoot ever sends unsigned webhooks; the others always sign.
      ...(input.allowUnsigned !== undefined ? { allowUnsigned: input.connector === "chatwoot" && input.allowUnsigned } : {}),
    },
  });
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: "webhook.secret_set", entityType: "webhook_endpoint", entityId: row.id, requestId: input.requestId,
    payload: { connector: input.connector, secretChanged: Boolean(input.secret), allowUnsigned: input.allowUnsigned ?? null },
  });
}

export type WebhookStatus = {
  connector: ConnectorName;
  configured: boolean;
  /** Owners and PMs only: the URL is a credential too (it alone authenticates an unsigned Chatwoot). */
  url?: string;
  secret?: string;
  allowUnsigned: boolean;
  lastDeliveryAt: Date | null;
  lastAppliedAt: Date | null;
  waiting: number;
  deliveries24h: number;
  failures24h: number;
};

/**
 * Each bound source's webhook: last delivery, deliveries still waiting for their sync, and the
 * refused deliveries of the last 24 h (the receiver's process warnings in the event log).
 */
export async function webhookStatus(db: Db, env: Env, input: { projectId: string; origin: string; withSecrets: boolean; now: Date }): Promise<WebhookStatus[]> {
  const connectors = await boundConnectors(db, input.projectId);
  const since = new Date(input.now.getTime() - 24 * 3600_000);
  const [endpoints, stats, failures] = await Promise.all([
    db.webhookEndpoint.findMany({ where: { projectId: input.projectId } }),
    db.$queryRaw<{ connector: ConnectorName; last_delivery: Date | null; last_applied: Date | null; waiting: bigint; day: bigint }[]>`
      SELECT connector::text AS connector, max(received_at) AS last_delivery, max(applied_at) AS last_applied,
             count(*) FILTER (WHERE status = 'received') AS waiting, count(*) FILTER (WHERE received_at >= ${since}) AS day
      FROM webhook_deliveries WHERE project_id = ${input.projectId}::uuid GROUP BY connector`,
    db.$queryRaw<{ connector: string; n: bigint }[]>`
      SELECT payload->>'connector' AS connector, count(*) AS n FROM kag_event_log
      WHERE project_id = ${input.projectId}::uuid AND category = 'process' AND event_type = 'process_warning' AND source = 'webhook' AND occurred_at >= ${since}
      GROUP BY 1`,
  ]);
  return connectors.map((connector) => {
    const e = endpoints.find((x) => x.connector === connector);
    const s = stats.find((x) => x.connector === connector);
    return {
      connector,
      configured: Boolean(e),
      ...(e && input.withSecrets ? { url: webhookUrl(env.PUBLIC_URL ?? input.origin, connector, decryptSecret(e.token, env.SESSION_SECRET)), secret: decryptSecret(e.secret, env.SESSION_SECRET) } : {}),
      allowUnsigned: e?.allowUnsigned ?? false,
      lastDeliveryAt: s?.last_delivery ?? null,
      lastAppliedAt: s?.last_applied ?? null,
      waiting: Number(s?.waiting ?? 0),
      deliveries24h: Number(s?.day ?? 0),
      failures24h: Number(failures.find((f) => f.connector === connector)?.n ?? 0),
    };
  });
}
