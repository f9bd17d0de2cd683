import { z } from "zod";
import { listRecommendations, markRecommendationShown, recordRecommendationFeedback, setRecommendationStatus } from "../../services/intelligence/recommendation-lifecycle.ts";
import { projectOverview, snapshotTrend } from "../../services/intelligence/read-models.ts";
import { similarCases } from "../../services/intelligence/similarity.ts";
import { redactCase, visibleProjectIds, type Viewer } from "../../services/intelligence/case-visibility.ts";
import { listDigests } from "../../services/intelligence/digests.ts";
import { ACTION_TYPES, listActionRuns, requestAction, retryAction } from "../../services/intelligence/actions.ts";
import { draftAction } from "../../services/intelligence/action-drafts.ts";
import { getPreferences } from "../../services/auth/preferences.ts";
import type { Context } from "../context.ts";
import { projectProcedure, router } from "../init.ts";

/** Who is reading: their memberships decide which similar projects they may see by name. */
const viewerOf = (ctx: { user: { id: string }; auth: { kind: string; projectId?: string | null } }): Viewer => ({ userId: ctx.user.id, onlyProjectId: ctx.auth.kind === "token" ? ctx.auth.projectId ?? null : null });

/** The reader's time zone ("today" for due dates is theirs). */
const timeZoneOf = async (ctx: { db: Context["db"]; user: { id: string } }) => (await getPreferences(ctx.db, ctx.user.id)).effectiveTimeZone;

const recId = z.uuid({ message: "id must be a recommendation id" });

export const intelligenceRouter = router({
  overview: projectProcedure
    .input(z.object({ includeUnpublished: z.boolean().default(false) }))
    .query(({ ctx, input }) => projectOverview(ctx.db, ctx.project.id, ctx.now(), { ...input, viewer: viewerOf(ctx) })),
  trend: projectProcedure
    .input(z.object({ days: z.number().int().min(1).max(365).default(30) }))
    .query(({ ctx, input }) => snapshotTrend(ctx.db, ctx.project.id, input.days, ctx.now())),
  digests: projectProcedure
    .input(z.object({ kind: z.enum(["daily", "weekly"]).default("daily"), limit: z.number().int().min(1).max(60).default(14) }))
    .query(({ ctx, input }) => listDigests(ctx.db, { projectId: ctx.project.id, kind: input.kind, limit: input.limit })),
  similar: projectProcedure
    .input(z.object({ windowDays: z.union([z.literal(7), z.literal(14), z.literal(30)]).default(14), topK: z.number().int().min(1).max(50).default(5) }))
    .query(async ({ ctx, input }) => {
      const [res, visible] = await Promise.all([similarCases(ctx.db, { projectId: ctx.project.id, windowDays: input.windowDays, topK: input.topK }), visibleProjectIds(ctx.db, viewerOf(ctx))]);
      return { ...res, cases: res.cases.map((c) => redactCase(c, visible)) };
    }),
  recommendations: projectProcedure
    .input(z.object({
      includeHidden: z.boolean().default(false),
      includeInactive: z.boolean().default(false),
      /** Also say which actions can work on each (the recommendations page; two extra queries). */
      includeActions: z.boolean().default(false),
      status: z.array(z.enum(["new", "acknowledged", "done", "dismissed"])).max(4).optional(),
      cursor: recId.optional(),
      limit: z.number().int().min(1).max(100).default(50),
    }))
    .query(({ ctx, input }) => listRecommendations(ctx.db, { ...input, projectId: ctx.project.id })),
  setStatus: projectProcedure
    .input(z.object({ id: recId, status: z.enum(["new", "acknowledged", "done", "dismissed"]) }))
    .mutation(({ ctx, input }) => setRecommendationStatus(ctx.db, { projectId: ctx.project.id, id: input.id, status: input.status, actor: ctx.actor, now: ctx.now(), requestId: ctx.requestId })),
  feedback: projectProcedure
    .input(z.object({ id: recId, helpful: z.enum(["helpful", "not_helpful"]), note: z.string().trim().max(2000).optional() }))
    .mutation(({ ctx, input }) => recordRecommendationFeedback(ctx.db, { ...input, projectId: ctx.project.id, actor: ctx.actor, requestId: ctx.requestId })),
  /** Take an action on a recommendation (runs on the worker; the same action and payload is one run). */
  act: projectProcedure
    .input(z.object({ id: recId, type: z.enum(ACTION_TYPES), payload: z.record(z.string(), z.unknown()).default({}) }))
    .mutation(async ({ ctx, input }) => requestAction(ctx.db, ctx.env, { projectId: ctx.project.id, recommendationId: input.id, type: input.type, payload: input.payload, actor: ctx.actor, now: ctx.now(), timeZone: await timeZoneOf(ctx), requestId: ctx.requestId })),
  /** The editable draft of an action (the message to the client, or the Linear task); nothing is sent until `act` with the confirmed text. */
  draftAction: projectProcedure
    .meta({ minRole: "pm" })
    .input(z.object({ id: recId, type: z.enum(["send_message", "create_or_update_task"]) }))
    .query(async ({ ctx, input }) => draftAction(ctx.db, ctx.env, { projectId: ctx.project.id, recommendationId: input.id, type: input.type, senderName: ctx.user.name, now: ctx.now(), timeZone: await timeZoneOf(ctx) })),
  actionRuns: projectProcedure
    .input(z.object({ recommendationId: recId.optional(), limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ ctx, input }) => listActionRuns(ctx.db, { projectId: ctx.project.id, recommendationId: input.recommendationId, limit: input.limit })),
  retryAction: projectProcedure
    .input(z.object({ runId: z.uuid({ message: "runId must be an action run id" }) }))
    .mutation(({ ctx, input }) => retryAction(ctx.db, { projectId: ctx.project.id, runId: input.runId, actor: ctx.actor, requestId: ctx.requestId })),
  /** A card was viewed: counted (any member may, viewers included). A view changes nothing, so it is not an audit entry. */
  shown: projectProcedure
    .meta({ minRole: "viewer" })
    .input(z.object({ id: recId }))
    .mutation(async ({ ctx, input }) => {
      await markRecommendationShown(ctx.db, { projectId: ctx.project.id, id: input.id, now: ctx.now() });
      return { ok: true };
    }),
});
