import { z } from "zod";
import { recordAudit } from "../../services/audit.ts";
import { createApiToken, listApiTokens, revokeApiToken } from "../../services/auth/tokens.ts";
import { requireMembership } from "../../services/projects.ts";
import { ForbiddenError } from "../../errors.ts";
import { authedProcedure, router } from "../init.ts";

// Tokens are personal: they act with their owner's memberships (optionally narrowed to one project
// and/or read-only). Only a browser session may mint or revoke them, so a leaked token cannot
// create more tokens.
const sessionOnly = authedProcedure.use(({ ctx, next }) => {
  if (ctx.auth.kind !== "session") throw new ForbiddenError("API tokens are managed from a signed-in session");
  return next();
});

export const tokensRouter = router({
  list: authedProcedure.query(({ ctx }) => listApiTokens(ctx.db, ctx.user.id)),
  create: sessionOnly
    .input(z.object({
      name: z.string().trim().min(1, "Name the token").max(100),
      projectId: z.uuid().nullish(),
      readOnly: z.boolean().default(false),
      expiresInDays: z.number().int().min(1).max(365).nullish(),
    }))
    .mutation(async ({ ctx, input }) => {
      if (input.projectId) await requireMembership(ctx.db, { userId: ctx.user.id, projectId: input.projectId });
      const expiresAt = input.expiresInDays ? new Date(ctx.now().getTime() + input.expiresInDays * 86400_000) : null;
      const res = await createApiToken(ctx.db, { userId: ctx.user.id, name: input.name, projectId: input.projectId, readOnly: input.readOnly, expiresAt });
      await recordAudit(ctx.db, { actor: ctx.actor, projectId: input.projectId ?? null, action: "api_token.created", entityType: "api_token", entityId: res.apiToken.id, requestId: ctx.requestId, payload: { name: input.name, readOnly: input.readOnly } });
      return res;
    }),
  revoke: sessionOnly
    .input(z.object({ tokenId: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      const token = await revokeApiToken(ctx.db, { userId: ctx.user.id, tokenId: input.tokenId, now: ctx.now() });
      await recordAudit(ctx.db, { actor: ctx.actor, projectId: token.projectId, action: "api_token.revoked", entityType: "api_token", entityId: token.id, requestId: ctx.requestId });
      return token;
    }),
});
