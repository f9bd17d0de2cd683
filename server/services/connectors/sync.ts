import type { Db } from "../../db.ts";
import { connectorMcpUrlFor, connectorModeFor, type Env } from "../../env.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { syncAttio } from "./attio.ts";
import { syncChatwoot } from "./chatwoot.ts";
import { registerConnectorError, resolveConnectorErrors } from "./error-register.ts";
import { ConnectorError, createHttpClient, type HttpClientOptions, type RawResponse } from "./http-client.ts";
import { syncLinear } from "./linear.ts";
import { linearHttpHooks } from "./linear-budget.ts";
import { createMcpTransport, type McpTransport } from "./mcp-transport.ts";
import { resolveSource } from "./sources.ts";
import type { BoundSource, ConnectorName, SyncContext, SyncResult } from "./types.ts";

export const CONNECTORS: ConnectorName[] = ["chatwoot", "linear", "attio"];

const RUNNERS: Record<ConnectorName, (ctx: SyncContext) => Promise<SyncResult>> = { chatwoot: syncChatwoot, linear: syncLinear, attio: syncAttio };

/**
 * Requests per second and per run of each provider, inside their documented limits with headroom
 * (docs/connectors.md); a source's own `config.limits` wins. A run that spends its budget stops at a
 * page boundary and the next run resumes from its cursor.
 */
export const DEFAULT_LIMITS: Record<ConnectorName, { ratePerSecond: number; requestBudget: number }> = {
  // Self-hosted Chatwoot throttles 300 requests/minute per IP (Rack::Attack): 4/s leaves room for the UI and webhooks.
  chatwoot: { ratePerSecond: 4, requestBudget: 1_000 },
  linear: { ratePerSecond: 10, requestBudget: 1_000 },
  attio: { ratePerSecond: 20, requestBudget: 5_000 },
};

/** Auth header and request budget of each provider (their documented limits, with headroom). */
export function httpOptionsFor(connector: ConnectorName, source: BoundSource, overrides: Partial<HttpClientOptions> = {}): HttpClientOptions {
  const headers: Record<ConnectorName, Record<string, string>> = {
    chatwoot: { api_access_token: source.token },
    linear: { authorization: source.token },
    attio: { authorization: `Bearer ${source.token}` },
  };
  const limits = { ...DEFAULT_LIMITS[connector], ...source.limits };
  // Linear's budgets travel in response headers and its rate limit is an HTTP 400 (linear-budget.ts).
  const hooks = connector === "linear" ? linearHttpHooks(source) : connector === "chatwoot" ? { classify: chatwootThrottle, maxDelayMs: 61_000 } : {};
  return { name: connector, baseUrl: source.baseUrl, headers: headers[connector], ...limits, timeoutMs: 20_000, maxRetries: 4, ...hooks, ...overrides };
}

/**
 * Chatwoot's Rack::Attack answers 429 without Retry-After and counts in fixed windows aligned to the
 * minute: the next window is when a retry can succeed (retrying at once only spends it).
 */
export function chatwootThrottle(res: RawResponse, now = Date.now()): { kind: "rate_limited"; waitMs: number } | null {
  if (res.status !== 429 || res.headers.get("retry-after")) return null;
  return { kind: "rate_limited", waitMs: 60_000 - (now % 60_000) + 250 };
}

export type SyncOutcome =
  | { status: "ok"; counters: Record<string, number>; warnings: string[]; meta?: Record<string, unknown>; resumeAt?: Date }
  | { status: "failed"; error: string; errorKind: string; warnings: string[] }
  | { status: "skipped"; reason: string };

const LEASE_MS = 15 * 60_000;

/**
 * One sync of one connector for one project. Holds a lease on connector_sync_state so two runs never
 * overlap; writes are committed page by page and the cursor only moves after a run, so a failure or
 * a killed worker keeps what was written and the next run resumes from the old cursor without
 * duplicates. A run that stops early on purpose (budget spent) saves where it stopped: status
 * "partial", and the caller schedules the rest. Failures go to the error register (backoff, dead
 * letter), never silently.
 */
export async function runConnectorSync(
  db: Db,
  env: Env,
  input: { projectId: string; connector: ConnectorName; now: Date; http?: Partial<HttpClientOptions> },
): Promise<SyncOutcome> {
  const { projectId, connector, now } = input;
  const mode = connectorModeFor(env, connector);
  await db.connectorSyncState.upsert({ where: { projectId_connector: { projectId, connector } }, create: { projectId, connector, mode }, update: {} });
  const leased = await db.connectorSyncState.updateMany({
    where: { projectId, connector, OR: [{ status: { not: "running" } }, { leaseUntil: null }, { leaseUntil: { lt: now } }] },
    data: { status: "running", mode, lastAttemptAt: now, leaseUntil: new Date(now.getTime() + LEASE_MS) },
  });
  if (leased.count === 0) return { status: "skipped", reason: "another sync of this connector is running" };
  const state = await db.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId, connector } } });
  const warnings: string[] = [];
  let mcp: McpTransport | undefined;
  try {
    const mcpUrl = connectorMcpUrlFor(env, connector);
    if (mode === "mcp" && !mcpUrl) throw new ConnectorError("not_configured", `${connector}_mcp_not_configured: set CONNECTOR_${connector.toUpperCase()}_MCP_URL or switch the connector to http mode`);
    const source = await resolveSource(db, env, projectId, connector);
    if (source.isDemo) warnings.push(`demo source: ${connector} data comes from a simulator (${source.baseUrl}), not from production`);
    const options = httpOptionsFor(connector, source, input.http);
    if (mode === "mcp") {
      mcp = createMcpTransport({ name: connector, url: mcpUrl!, headers: options.headers });
      options.transport = mcp.transport;
    }
    const http = createHttpClient(options);
    const result = await RUNNERS[connector]({ db, projectId, source, cursor: state.cursor as Record<string, unknown>, now, http });
    const counters = { ...result.counters, httpRequests: http.stats.requests, httpRetries: http.stats.retries, rateLimited: http.stats.rateLimited, incomplete: result.incomplete ? 1 : 0 };
    const resumeAt = result.incomplete ? new Date(now.getTime() + result.incomplete.resumeAfterMs) : undefined;
    if (result.incomplete) warnings.push(`${connector}: stopped before the end (${result.incomplete.reason}); the next run resumes where this one stopped`);
    // The state turns ok and the open errors resolve together: nobody sees one without the other.
    await db.$transaction(async (tx) => {
      await tx.connectorSyncState.update({
        where: { projectId_connector: { projectId, connector } },
        data: {
          status: result.incomplete ? "partial" : "ok", cursor: result.cursor as Prisma.InputJsonValue, lastSuccessAt: now, lastError: null, retryCount: 0, leaseUntil: null,
          meta: { lastResult: counters, ...(result.meta ?? {}), demo: source.isDemo, ...(resumeAt ? { resumeAt: resumeAt.toISOString(), incompleteReason: result.incomplete!.reason } : {}) } as Prisma.InputJsonValue,
        },
      });
      await resolveConnectorErrors(tx, { projectId, connector, now });
    });
    return { status: "ok", counters, warnings, meta: result.meta, resumeAt };
  } catch (e) {
    const err = e instanceof ConnectorError ? e : new ConnectorError("client_error", e instanceof Error ? e.message : String(e));
    await registerConnectorError(db, { projectId, connector, operation: "sync", kind: err.kind, message: err.message, now, maxRetries: env.CONNECTOR_MAX_RETRIES, baseSeconds: env.CONNECTOR_RETRY_BASE_SECONDS, payload: { status: err.details.status ?? null } });
    await db.connectorSyncState.update({
      where: { projectId_connector: { projectId, connector } },
      data: { status: "failed", lastError: err.message.slice(0, 2000), retryCount: { increment: 1 }, leaseUntil: null },
    });
    return { status: "failed", error: err.message, errorKind: err.kind, warnings };
  } finally {
    await mcp?.close();
  }
}

export async function listSyncState(db: Db, projectId: string) {
  const rows = await db.connectorSyncState.findMany({ where: { projectId }, orderBy: { connector: "asc" } });
  return rows.map((r) => ({
    connector: r.connector, mode: r.mode, status: r.status, cursor: r.cursor, lastSuccessAt: r.lastSuccessAt, lastAttemptAt: r.lastAttemptAt,
    lastError: r.lastError, retryCount: r.retryCount, meta: r.meta,
  }));
}
