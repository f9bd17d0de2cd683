import { z } from "zod";
import { correctLabel } from "../../services/understanding/corrections.ts";
import { effectiveUnderstandings } from "../../services/understanding/service.ts";
import { LABELS } from "../../services/understanding/types.ts";
import { projectProcedure, router } from "../init.ts";

export const understandingRouter = router({
  /**
   * Correct what a message says: `applies: false` — "not a scope request"; `true` — "this is one";
   * `null` — withdraw the correction. Takes effect at once; signals and recommendations follow on
   * their next refresh; the workspace's model learns from it.
   */
  correct: projectProcedure
    .input(z.object({
      messageId: z.string().regex(/^\d{1,20}$/, "messageId must be a Chatwoot message id"),
      label: z.enum(LABELS),
      applies: z.boolean().nullable(),
    }))
    .mutation(({ ctx, input }) => correctLabel(ctx.db, { projectId: ctx.project.id, messageId: input.messageId, label: input.label, applies: input.applies, actor: ctx.actor, requestId: ctx.requestId })),
  /** What the given messages say (as they count now: corrections first), e.g. for the messages a recommendation cites. */
  forMessages: projectProcedure
    .input(z.object({ messageIds: z.array(z.string().regex(/^\d{1,20}$/, "messageIds must be Chatwoot message ids")).max(500).default([]) }))
    .query(async ({ ctx, input }) => Object.fromEntries(await effectiveUnderstandings(ctx.db, ctx.project.id, input.messageIds))),
  /** How this project's messages are read: the engine, and the workspace's retrained model with how it measured. */
  engine: projectProcedure.query(async ({ ctx }) => {
    const model = await ctx.db.understandingModel.findUnique({ where: { workspaceId: ctx.project.workspaceId }, select: { version: true, corrections: true, metrics: true, trainedAt: true } });
    const llm = Boolean(ctx.env.OPENAI_API_KEY) && ctx.env.UNDERSTANDING_ENGINE === "openai";
    return { llm, llmModel: llm ? ctx.env.OPENAI_MODEL : null, workspaceModel: model };
  }),
});
