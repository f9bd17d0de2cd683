import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ConnectorName } from "./types.ts";

// Connector failures: one open row per (project, connector, operation) that counts attempts,
// pending → retrying → dead_letter after CONNECTOR_MAX_RETRIES, with next_retry_at =
// now + min(6 h, base · 2^(attempt−1)) plus up to 20 % jitter; a successful sync resolves it.

const SIX_HOURS_S = 6 * 3600;

export function retryDelaySeconds(attempt: number, baseSeconds: number, random = Math.random): number {
  const delay = Math.min(SIX_HOURS_S, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return delay + delay * 0.2 * random();
}

const openKey = (projectId: string, connector: string, operation: string) => `${projectId}:${connector}:${operation}`;

export async function registerConnectorError(
  db: Db,
  input: { projectId: string; connector: ConnectorName | "loops"; operation: string; kind: string; message: string; now: Date; maxRetries: number; baseSeconds: number; payload?: Record<string, unknown> },
) {
  const key = openKey(input.projectId, input.connector, input.operation);
  const existing = await db.connectorError.findUnique({ where: { openKey: key } });
  const attempt = (existing?.attempt ?? 0) + 1;
  const dead = attempt >= input.maxRetries;
  const data = {
    errorKind: input.kind,
    message: input.message.slice(0, 2000),
    attempt,
    status: dead ? ("dead_letter" as const) : attempt > 1 ? ("retrying" as const) : ("pending" as const),
    nextRetryAt: dead ? null : new Date(input.now.getTime() + retryDelaySeconds(attempt, input.baseSeconds) * 1000),
    payload: (input.payload ?? {}) as object,
  };
  return existing
    ? db.connectorError.update({ where: { id: existing.id }, data })
    : db.connectorError.create({ data: { projectId: input.projectId, connector: input.connector, operation: input.operation, openKey: key, ...data } });
}

export async function resolveConnectorErrors(db: Db | Prisma.TransactionClient, input: { projectId: string; connector: ConnectorName | "loops"; now: Date }) {
  const res = await db.connectorError.updateMany({
    where: { projectId: input.projectId, connector: input.connector, status: { in: ["pending", "retrying", "dead_letter"] } },
    data: { status: "resolved", resolvedAt: input.now, openKey: null, nextRetryAt: null },
  });
  return res.count;
}

/** Open errors whose retry time has come (dead letters wait for a manual retry). */
export function dueConnectorErrors(db: Db, now: Date, limit = 100) {
  return db.connectorError.findMany({ where: { status: { in: ["pending", "retrying"] }, nextRetryAt: { lte: now } }, orderBy: { nextRetryAt: "asc" }, take: limit });
}

/** Manual retry: the project's open errors (dead letters included) become due now; returns their connectors. */
export async function makeErrorsDue(db: Db, input: { projectId: string; connector?: ConnectorName; now: Date }): Promise<ConnectorName[]> {
  const where = { projectId: input.projectId, ...(input.connector ? { connector: input.connector } : {}), status: { in: ["pending" as const, "retrying" as const, "dead_letter" as const] } };
  const rows = await db.connectorError.findMany({ where, select: { connector: true } });
  await db.connectorError.updateMany({ where, data: { nextRetryAt: input.now, status: "retrying" } });
  return [...new Set(rows.map((r) => r.connector).filter((c): c is ConnectorName => c !== "loops"))];
}

export async function listConnectorErrors(db: Db, input: { projectId: string; status?: "pending" | "retrying" | "resolved" | "dead_letter"; limit: number }) {
  const rows = await db.connectorError.findMany({ where: { projectId: input.projectId, ...(input.status ? { status: input.status } : {}) }, orderBy: { id: "desc" }, take: input.limit });
  return rows.map((r) => ({
    id: r.id.toString(), connector: r.connector, operation: r.operation, errorKind: r.errorKind, message: r.message, attempt: r.attempt, status: r.status,
    nextRetryAt: r.nextRetryAt, createdAt: r.createdAt, updatedAt: r.updatedAt, resolvedAt: r.resolvedAt,
  }));
}
