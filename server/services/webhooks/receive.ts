import { z } from "zod";
import { poolOf, type Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { decryptSecret } from "../connectors/secrets.ts";
import { SOURCE_KIND } from "../connectors/sources.ts";
import type { ConnectorName } from "../connectors/types.ts";
import { appendEvents, dedupeKey } from "../events/event-log.ts";
import { tokenHash } from "./endpoints.ts";
import { bodyHash, verifyDelivery, WebhookRejected, type Headers } from "./verify.ts";

// The receiving end, kept to two database round trips so a provider gets its 2xx in a few
// milliseconds: (1) the endpoint by its URL token, with the bound source's account id; (2) one
// statement that stores the delivery once (unique per endpoint and delivery id) and, only when it is
// new, enqueues the project's apply job. Nothing else happens here: the sync runs in the worker.
// A refused delivery writes one process_warning and nothing else.

export const APPLY_TASK = "webhook_apply";

/** One apply job per project and connector: deliveries that arrive while one waits join it. */
export const applyJobKey = (projectId: string, connector: ConnectorName) => `${APPLY_TASK}:${connector}:${projectId}`;

/**
 * The job's queue, per project and connector: its applies run one after another, so a delivery that
 * arrives during a sync is applied by the next one instead of colliding with the running sync's lease.
 */
export const applyQueue = (projectId: string, connector: ConnectorName) => `webhooks:${connector}:${projectId}`;

export type ReceiveResult = { status: number; body: Record<string, unknown> };

/** Provider-supplied text we store or echo: no control characters (PostgreSQL refuses NUL), bounded. */
// eslint-disable-next-line no-control-regex
const printable = (s: string, max = 100) => s.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, max);

const connectorParam = z.enum(["chatwoot", "linear", "attio"]);
const tokenParam = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

type EndpointRow = { id: string; project_id: string; secret: string; allow_unsigned: boolean; external_id: string | null };

export async function receiveWebhook(
  db: Db,
  env: Env,
  input: { connector: string; token: string; headers: Headers; raw: Buffer; ip: string; now: Date },
): Promise<ReceiveResult> {
  const pool = poolOf(db);
  const c = connectorParam.safeParse(input.connector);
  if (!c.success) return { status: 404, body: { ok: false, error: "not_found" } };
  const connector = c.data;
  const raw = input.raw;

  let endpoint: EndpointRow | undefined;
  if (tokenParam.safeParse(input.token).success) {
    const res = await pool.query<EndpointRow>(
      `SELECT e.id::text, e.project_id::text, e.secret, e.allow_unsigned, s.external_id
       FROM webhook_endpoints e LEFT JOIN project_sources s ON s.project_id = e.project_id AND s.kind = $3::"SourceKind"
       WHERE e.token_hash = $1 AND e.connector = $2::"ConnectorName"`,
      [tokenHash(input.token), connector, SOURCE_KIND[connector]],
    );
    endpoint = res.rows[0];
  }

  const refuse = async (e: WebhookRejected): Promise<ReceiveResult> => {
    await recordRefusal(db, { connector, endpoint, raw, reason: e.reason, status: e.status, message: e.message, ip: input.ip, now: input.now });
    return { status: e.status, body: { ok: false, error: e.reason, message: e.message } };
  };
  // An unknown URL and a source no longer bound look the same to the sender: not authorised.
  if (!endpoint) return refuse(new WebhookRejected(401, "unknown_endpoint", "no webhook at this URL"));
  if (endpoint.external_id === null) return refuse(new WebhookRejected(401, "source_unbound", `${connector} is no longer connected to this project`));

  let delivery;
  try {
    delivery = verifyDelivery(connector, { headers: input.headers, raw, secret: decryptSecret(endpoint.secret, env.SESSION_SECRET), allowUnsigned: endpoint.allow_unsigned, now: input.now });
    // The URL decides the project. A correctly signed delivery about another account (a secret
    // shared between two webhooks, a misconfigured provider) is refused, never applied here.
    const foreign = delivery.accountIds.find((a) => a !== endpoint.external_id);
    if (foreign !== undefined) throw new WebhookRejected(400, "wrong_account", `delivery is for ${connector} account ${printable(foreign, 64)}, this URL is for ${endpoint.external_id}`);
  } catch (e) {
    if (e instanceof WebhookRejected) return refuse(e);
    throw e;
  }
  // Events we do not subscribe to change nothing we sync: acknowledged (so the provider does not
  // retry) and dropped.
  if (!delivery.relevant) return { status: 200, body: { ok: true, ignored: printable(delivery.eventType) } };

  const res = await pool.query<{ inserted: number }>(
    `WITH ins AS (
       INSERT INTO webhook_deliveries (endpoint_id, project_id, connector, delivery_id, event_type, received_at)
       VALUES ($1::uuid, $2::uuid, $3::"ConnectorName", $4, $5, $6)
       ON CONFLICT (endpoint_id, delivery_id) DO NOTHING RETURNING id
     ), job AS (
       SELECT graphile_worker.add_job($7::text, json_build_object('projectId', $2::text, 'connector', $3::text),
         queue_name := $8::text, max_attempts := $9::int, job_key := $10::text, job_key_mode := 'preserve_run_at')
       FROM ins
     )
     SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM job)::int AS enqueued`,
    [endpoint.id, endpoint.project_id, connector, delivery.deliveryId.slice(0, 200), printable(delivery.eventType, 200), input.now,
      APPLY_TASK, applyQueue(endpoint.project_id, connector), env.JOB_MAX_ATTEMPTS, applyJobKey(endpoint.project_id, connector)],
  );
  // A provider's retry of a delivery we already have: 2xx, so it stops retrying; nothing new is written.
  return { status: 200, body: { ok: true, duplicate: res.rows[0]!.inserted === 0 } };
}

const unknownWarned = new Map<string, number>();
const knownWarned = new Map<string, { minute: number; count: number }>();
/** Warnings per endpoint, reason and minute (per process): someone with the URL but not the secret cannot flood the log. */
const KNOWN_WARNINGS_PER_MINUTE = 10;

/**
 * A refused delivery as a process_warning of the project it was addressed to (none when the URL is
 * unknown). Identical refusals collapse into one row (same body, same reason); unknown URLs into one
 * row per minute, so a scanner cannot flood the log.
 */
async function recordRefusal(
  db: Db,
  input: { connector: ConnectorName; endpoint: EndpointRow | undefined; raw: Buffer; reason: string; status: number; message: string; ip: string; now: Date },
) {
  const { connector, endpoint, now } = input;
  // Rows without a project do not collide on (project_id, dedupe_key) (NULLs are distinct), so
  // unknown URLs are throttled here: one warning per connector, reason and minute per process.
  const minute = Math.floor(now.getTime() / 60_000);
  if (!endpoint) {
    const k = `${connector}|${input.reason}`;
    if (unknownWarned.get(k) === minute) return;
    unknownWarned.set(k, minute);
  } else {
    const k = `${endpoint.id}|${input.reason}`;
    const seen = knownWarned.get(k);
    const count = seen?.minute === minute ? seen.count + 1 : 1;
    if (knownWarned.size > 10_000) knownWarned.clear();
    knownWarned.set(k, { minute, count });
    if (count > KNOWN_WARNINGS_PER_MINUTE) return;
  }
  const key = endpoint ? dedupeKey("webhook", connector, endpoint.id, input.reason, bodyHash(input.raw)) : dedupeKey("webhook", connector, "unknown", input.reason, minute);
  await appendEvents(db, [{
    projectId: endpoint?.project_id ?? null, category: "process", eventType: "process_warning", occurredAt: now, actor: "system", source: "webhook", sourceRef: `webhook:${connector}`,
    payload: { task: "webhook_receive", connector, reason: input.reason, status: input.status, message: printable(`${connector} webhook refused (${input.status}): ${input.message}`, 500), ip: input.ip, bytes: input.raw.length },
    dedupeKey: key,
  }]);
}
