import { z } from "zod";
import { readAnalytics } from "../../services/growth/analytics.ts";
import { cancelFollowUp, followUpSteps, listFollowUps, startFollowUp } from "../../services/growth/follow-ups.ts";
import { decideUpsellOpportunity, listUpsellOpportunities } from "../../services/growth/upsell-radar.ts";
import { projectProcedure, router } from "../init.ts";

export const growthRouter = router({
  upsell: projectProcedure
    .input(z.object({ includeDismissed: z.boolean().default(false), limit: z.number().int().min(1).max(100).default(20) }))
    .query(({ ctx, input }) => listUpsellOpportunities(ctx.db, { projectId: ctx.project.id, includeDismissed: input.includeDismissed, limit: input.limit })),
  decideUpsell: projectProcedure
    .input(z.object({ id: z.uuid({ message: "id must be an upsell opportunity id" }), status: z.enum(["proposed", "accepted", "dismissed"]) }))
    .mutation(({ ctx, input }) => decideUpsellOpportunity(ctx.db, { projectId: ctx.project.id, id: input.id, status: input.status, actor: ctx.actor, now: ctx.now(), requestId: ctx.requestId })),
  analytics: projectProcedure
    .input(z.object({ days: z.number().int().min(1).max(365).default(30) }))
    .query(({ ctx, input }) => readAnalytics(ctx.db, { projectId: ctx.project.id, days: input.days })),
  followUps: projectProcedure
    .input(z.object({ recommendationId: z.uuid().optional(), limit: z.number().int().min(1).max(100).default(20) }))
    .query(({ ctx, input }) => listFollowUps(ctx.db, { projectId: ctx.project.id, recommendationId: input.recommendationId, limit: input.limit })),
  /**
   * Start a follow-up sequence in a conversation (or the one a recommendation cites) with the reminder
   * texts a person read and confirmed (`intelligence.draftAction` proposes them); starting it again
   * returns the running one.
   */
  startFollowUp: projectProcedure
    .input(z.object({ recommendationId: z.uuid().optional(), conversationId: z.number().int().positive().optional(), steps: followUpSteps })
      .refine((v) => v.recommendationId || v.conversationId, "give a recommendationId or a conversationId"))
    .mutation(({ ctx, input }) => startFollowUp(ctx.db, { projectId: ctx.project.id, recommendationId: input.recommendationId, conversationId: input.conversationId, steps: input.steps, actor: ctx.actor, now: ctx.now(), requestId: ctx.requestId })),
  cancelFollowUp: projectProcedure
    .input(z.object({ id: z.uuid({ message: "id must be a follow-up sequence id" }) }))
    .mutation(({ ctx, input }) => cancelFollowUp(ctx.db, { projectId: ctx.project.id, id: input.id, actor: ctx.actor, now: ctx.now(), requestId: ctx.requestId })),
});
