import type { Db } from "../../db.ts";
import { ConflictError, NotFoundError } from "../../errors.ts";
import type { RecommendationStatus } from "../../generated/prisma/client.ts";
import { recordAudit, type Actor } from "../audit.ts";
import { actionOptionsFor } from "./action-drafts.ts";
import { displayText } from "./wording.ts";

// What people do with a recommendation: change its status, say whether it helped, and see it. Every
// change is audited; a refresh of the pipeline never overwrites any of it.

const STAMP: Record<RecommendationStatus, "acknowledgedAt" | "completedAt" | "dismissedAt" | null> = { new: null, acknowledged: "acknowledgedAt", done: "completedAt", dismissed: "dismissedAt" };

async function find(db: Db, projectId: string, id: string) {
  const rec = await db.recommendationV2.findFirst({ where: { id, projectId } });
  if (!rec) throw new NotFoundError("recommendation not found in this project");
  return rec;
}

export async function setRecommendationStatus(db: Db, input: { projectId: string; id: string; status: RecommendationStatus; actor: Actor; now: Date; requestId?: string }) {
  const rec = await find(db, input.projectId, input.id);
  if (rec.gateStatus === "hidden" && input.status !== "dismissed") throw new ConflictError(`this recommendation is hidden by the evidence gate (${rec.gateReason}); it can only be dismissed`);
  const stamp = STAMP[input.status];
  const updated = await db.recommendationV2.update({ where: { id: rec.id }, data: { status: input.status, ...(stamp ? { [stamp]: input.now } : {}) } });
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: "recommendation.status", entityType: "recommendation", entityId: rec.id, requestId: input.requestId,
    payload: { from: rec.status, to: input.status, category: rec.category },
  });
  return updated;
}

export async function recordRecommendationFeedback(db: Db, input: { projectId: string; id: string; helpful: "helpful" | "not_helpful"; note?: string; actor: Actor; requestId?: string }) {
  const rec = await find(db, input.projectId, input.id);
  const updated = await db.recommendationV2.update({ where: { id: rec.id }, data: { feedback: input.helpful, feedbackNote: input.note ?? null } });
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: "recommendation.feedback", entityType: "recommendation", entityId: rec.id, requestId: input.requestId,
    payload: { helpful: input.helpful, note: input.note ?? null },
  });
  return updated;
}

/**
 * One view of a card: counted once per call (the UI calls it once per view). A view is not a change,
 * so it is a counter (shown_count, first/last shown) and never an audit entry.
 */
export async function markRecommendationShown(db: Db, input: { projectId: string; id: string; now: Date }) {
  const rows = await db.recommendationV2.updateMany({ where: { id: input.id, projectId: input.projectId }, data: { shownCount: { increment: 1 }, lastShownAt: input.now } });
  if (!rows.count) throw new NotFoundError("recommendation not found in this project");
  await db.recommendationV2.updateMany({ where: { id: input.id, projectId: input.projectId, firstShownAt: null }, data: { firstShownAt: input.now } });
}

export async function listRecommendations(db: Db, input: { projectId: string; includeHidden?: boolean; includeInactive?: boolean; includeActions?: boolean; status?: RecommendationStatus[]; cursor?: string; limit: number }) {
  const rows = await db.recommendationV2.findMany({
    where: {
      projectId: input.projectId,
      ...(input.includeHidden ? {} : { gateStatus: "visible" }),
      ...(input.includeInactive ? {} : { active: true }),
      ...(input.status?.length ? { status: { in: input.status } } : {}),
    },
    orderBy: [{ priority: "desc" }, { dueDate: "asc" }, { id: "asc" }],
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const actions = input.includeActions ? await actionOptionsFor(db, input.projectId, page) : null;
  return { items: page.map((r) => ({ ...r, ...displayText(r), actions: actions?.get(r.id) ?? [] })), nextCursor: rows.length > input.limit ? rows[input.limit - 1]!.id : null };
}
