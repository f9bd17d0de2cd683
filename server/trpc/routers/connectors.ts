import { z } from "zod";
import { listConnectorErrors } from "../../services/connectors/error-register.ts";
import { retryConnectorErrors, requestSync } from "../../services/connectors/operations.ts";
import { listSyncState } from "../../services/connectors/sync.ts";
import { projectProcedure, router } from "../init.ts";

const connector = z.enum(["chatwoot", "linear", "attio"]);

export const connectorsRouter = router({
  state: projectProcedure.query(async ({ ctx }) => {
    const sources = await ctx.db.projectSource.findMany({ where: { projectId: ctx.project.id }, orderBy: { kind: "asc" } });
    return {
      sources: sources.map((s) => ({ kind: s.kind, externalId: s.externalId, baseUrl: s.baseUrl, isDemo: s.isDemo })),
      state: await listSyncState(ctx.db, ctx.project.id),
    };
  }),
  errors: projectProcedure
    .input(z.object({ status: z.enum(["pending", "retrying", "resolved", "dead_letter"]).optional(), limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ ctx, input }) => listConnectorErrors(ctx.db, { projectId: ctx.project.id, status: input.status, limit: input.limit })),
  sync: projectProcedure
    .input(z.object({ connector: connector.optional() }))
    .mutation(({ ctx, input }) => requestSync(ctx.db, { projectId: ctx.project.id, connector: input.connector, actor: ctx.actor, requestId: ctx.requestId, now: ctx.now(), maxAttempts: ctx.env.JOB_MAX_ATTEMPTS })),
  retryErrors: projectProcedure
    .input(z.object({ connector: connector.optional() }))
    .mutation(({ ctx, input }) => retryConnectorErrors(ctx.db, { projectId: ctx.project.id, connector: input.connector, actor: ctx.actor, requestId: ctx.requestId, now: ctx.now(), maxAttempts: ctx.env.JOB_MAX_ATTEMPTS })),
});
