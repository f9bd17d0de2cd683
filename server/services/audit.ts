import type { Db } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";

export type Actor = { type: "user" | "token" | "system"; userId?: string | null; workspaceId: string };

export type AuditInput = {
  actor: Actor;
  action: string;
  entityType: string;
  entityId?: string | null;
  projectId?: string | null;
  status?: "ok" | "failed" | "warning" | "blocked";
  requestId?: string | null;
  payload?: Prisma.InputJsonValue;
};

/** Every mutation calls this; the audit log is how a PM or owner answers "who did that". */
export async function recordAudit(db: Db | Prisma.TransactionClient, input: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      workspaceId: input.actor.workspaceId,
      projectId: input.projectId ?? null,
      actorUserId: input.actor.userId ?? null,
      actorType: input.actor.type,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId ?? null,
      status: input.status ?? "ok",
      requestId: input.requestId ?? null,
      payload: input.payload ?? {},
    },
  });
}
