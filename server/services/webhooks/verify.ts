import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { ConnectorName } from "../connectors/types.ts";

// What each provider sends and how it signs it (docs/connectors.md, "Webhooks"):
// - Linear: `Linear-Signature` = hex HMAC-SHA256 of the raw body with the webhook's signing secret;
//   `webhookTimestamp` (ms) in the body, refused when more than a minute from our clock (Linear's own
//   advice); `Linear-Delivery` is the delivery id, `Linear-Event` the entity type.
// - Attio: `Attio-Signature` (the same value in `X-Attio-Signature`) = hex HMAC-SHA256 of the raw body;
//   no timestamp is signed, so replays are caught by the `Idempotency-Key` (same across retries) alone.
// - Chatwoot (4.x with a webhook secret): `X-Chatwoot-Signature` = `sha256=` + hex HMAC-SHA256 of
//   `<X-Chatwoot-Timestamp>.<raw body>`, timestamp in unix seconds; `X-Chatwoot-Delivery` when it has one.
//   Older Chatwoot signs nothing: such an endpoint may accept unsigned deliveries, authenticated by
//   the unguessable token in its URL alone (the owner opts in).

export type Headers = Record<string, string | string[] | undefined>;

export class WebhookRejected extends Error {
  constructor(readonly status: 400 | 401, readonly reason: string, message: string) {
    super(message);
  }
}

/** What a verified delivery is: its id for dedupe, its event types, and the account it says it is from. */
export type VerifiedDelivery = { deliveryId: string; eventType: string; accountIds: string[]; relevant: boolean };

export const LINEAR_TOLERANCE_MS = 60_000;
export const CHATWOOT_TOLERANCE_MS = 5 * 60_000;

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

const hmacHex = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac("sha256", secret);
  for (const p of parts) mac.update(p);
  return mac.digest("hex");
};

/** Constant-time comparison of two hex strings (different lengths are simply unequal). */
function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), "utf8");
  const y = Buffer.from(b.toLowerCase(), "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export const bodyHash = (raw: Buffer) => createHash("sha256").update(raw).digest("hex");

// Only what we rely on is required; providers add fields freely.
const linearBody = z.object({
  action: z.string().min(1),
  type: z.string().min(1),
  data: z.object({ id: z.string().min(1) }).passthrough(),
  webhookTimestamp: z.number().int().positive(),
  organizationId: z.string().min(1).optional(),
}).passthrough();

const attioEvent = z.object({
  event_type: z.string().min(1),
  id: z.object({ workspace_id: z.string().min(1) }).passthrough(),
}).passthrough();
const attioBody = z.object({ webhook_id: z.string().min(1), events: z.array(attioEvent).min(1).max(1000) }).passthrough();

// Message events carry `account: {id, name}`; conversation events (Conversation#webhook_data) only
// `account_id`. One of the two must be there: it is checked against the bound account.
const accountId = z.union([z.number().int(), z.string().min(1)]);
const chatwootBody = z.object({
  event: z.string().min(1),
  account: z.object({ id: accountId }).passthrough().optional(),
  account_id: accountId.optional(),
}).passthrough().refine((b) => b.account !== undefined || b.account_id !== undefined, { message: "account or account_id is required", path: ["account"] });

/**
 * The events that start an apply; anything else is acknowledged and dropped. Chatwoot's
 * `message_updated` and Linear's `Comment` are acknowledged too but start nothing: the incremental
 * sync reads neither edited messages nor comments, so an apply would cost requests and change
 * nothing (docs/connectors.md says so).
 */
export const SUBSCRIBED: Record<ConnectorName, (type: string) => boolean> = {
  chatwoot: (t) => ["message_created", "conversation_status_changed"].includes(t),
  linear: (t) => ["Issue", "Project"].includes(t),
  attio: (t) => /^(record|note)\./.test(t),
};

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new WebhookRejected(400, "malformed", "body is not JSON");
  }
}

function shape<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new WebhookRejected(400, "malformed", `unexpected payload: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(body)"} ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * Checks a delivery's signature and freshness and reads what we need from it. The signature is
 * checked before the body is parsed: an unsigned body is never interpreted. Throws WebhookRejected
 * (401 for signature and replay, 400 for a malformed delivery).
 */
export function verifyDelivery(
  connector: ConnectorName,
  input: { headers: Headers; raw: Buffer; secret: string; allowUnsigned: boolean; now: Date },
): VerifiedDelivery {
  const { headers, raw, secret, now } = input;
  if (connector === "linear") {
    const sig = header(headers, "linear-signature");
    if (!sig) throw new WebhookRejected(401, "unsigned", "Linear-Signature header missing");
    if (!sameHex(sig, hmacHex(secret, raw))) throw new WebhookRejected(401, "bad_signature", "Linear-Signature does not match the body");
    const body = shape(linearBody, parseJson(raw));
    if (Math.abs(now.getTime() - body.webhookTimestamp) > LINEAR_TOLERANCE_MS) {
      throw new WebhookRejected(401, "replayed", `webhookTimestamp is ${Math.round((now.getTime() - body.webhookTimestamp) / 1000)} s from now (more than ${LINEAR_TOLERANCE_MS / 1000} s)`);
    }
    return {
      // The body is what the signature covers: a header id could be changed on a replayed copy.
      deliveryId: bodyHash(raw),
      eventType: `${body.type}.${body.action}`,
      // Linear's organizationId is not what a source is bound by (a workspace key), so it is not compared.
      accountIds: [],
      relevant: SUBSCRIBED.linear(body.type),
    };
  }
  if (connector === "attio") {
    const sig = header(headers, "attio-signature") ?? header(headers, "x-attio-signature");
    if (!sig) throw new WebhookRejected(401, "unsigned", "Attio-Signature header missing");
    if (!sameHex(sig, hmacHex(secret, raw))) throw new WebhookRejected(401, "bad_signature", "Attio-Signature does not match the body");
    const body = shape(attioBody, parseJson(raw));
    const types = [...new Set(body.events.map((e) => e.event_type))];
    return {
      deliveryId: bodyHash(raw),
      eventType: types.join(",").slice(0, 200),
      // Attio's workspace_id is a UUID a source need not be bound by (its API token decides the
      // workspace), so it is not compared; the endpoint's own secret is what ties it to the project.
      accountIds: [],
      relevant: types.some(SUBSCRIBED.attio),
    };
  }
  const sig = header(headers, "x-chatwoot-signature");
  if (sig) {
    const ts = header(headers, "x-chatwoot-timestamp");
    if (!ts || !/^\d{1,12}$/.test(ts)) throw new WebhookRejected(401, "unsigned", "X-Chatwoot-Timestamp missing or not unix seconds");
    const expected = `sha256=${hmacHex(secret, `${ts}.`, raw)}`;
    if (!sameHex(sig, expected)) throw new WebhookRejected(401, "bad_signature", "X-Chatwoot-Signature does not match the body");
    if (Math.abs(now.getTime() - Number(ts) * 1000) > CHATWOOT_TOLERANCE_MS) {
      throw new WebhookRejected(401, "replayed", `X-Chatwoot-Timestamp is ${Math.round(now.getTime() / 1000 - Number(ts))} s from now (more than ${CHATWOOT_TOLERANCE_MS / 1000} s)`);
    }
  } else if (!input.allowUnsigned) {
    throw new WebhookRejected(401, "unsigned", "X-Chatwoot-Signature header missing (this endpoint requires signed deliveries)");
  }
  const body = shape(chatwootBody, parseJson(raw));
  return {
    deliveryId: bodyHash(raw),
    eventType: body.event,
    accountIds: [String(body.account?.id ?? body.account_id)],
    relevant: SUBSCRIBED.chatwoot(body.event),
  };
}

/** Signs like the provider does (the simulators' webhook sender and the tests use it). */
export function signFor(connector: ConnectorName, secret: string, raw: string, timestampSeconds: number): Record<string, string> {
  if (connector === "linear") return { "linear-signature": hmacHex(secret, raw) };
  if (connector === "attio") {
    const s = hmacHex(secret, raw);
    return { "attio-signature": s, "x-attio-signature": s };
  }
  return { "x-chatwoot-timestamp": String(timestampSeconds), "x-chatwoot-signature": `sha256=${hmacHex(secret, `${timestampSeconds}.`, raw)}` };
}
