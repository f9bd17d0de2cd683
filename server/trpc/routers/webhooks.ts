import { z } from "zod";
import { ROLE_RANK } from "../../services/projects.ts";
import { regenerateEndpoint, setSigningSecret, webhookStatus } from "../../services/webhooks/endpoints.ts";
import { projectProcedure, router } from "../init.ts";

const connector = z.enum(["chatwoot", "linear", "attio"]);

export const webhooksRouter = router({
  /** Each bound source's webhook; the URL and signing secret only for owners and PMs. */
  status: projectProcedure.query(({ ctx }) => {
    const origin = ctx.req ? `${ctx.req.protocol}://${ctx.req.get("host") ?? "localhost"}` : "http://localhost";
    return webhookStatus(ctx.db, ctx.env, { projectId: ctx.project.id, origin, withSecrets: ROLE_RANK[ctx.role] >= ROLE_RANK.pm, now: ctx.now() });
  }),
  /** Creates the webhook, or replaces its URL and secret (the old ones stop working). Audited. */
  regenerate: projectProcedure
    .input(z.object({ connector }))
    .mutation(async ({ ctx, input }) => {
      await regenerateEndpoint(ctx.db, ctx.env, { projectId: ctx.project.id, connector: input.connector, actor: ctx.actor, requestId: ctx.requestId, now: ctx.now() });
      return { connector: input.connector };
    }),
  /** The provider's own signing secret (Attio, Chatwoot and Linear's settings page generate theirs). Audited. */
  setSecret: projectProcedure
    .input(z.object({
      connector,
      secret: z.string().trim().min(16, "a signing secret has at least 16 characters").max(200).regex(/^[\x21-\x7e]+$/, "a signing secret is printable characters without spaces").optional(),
      allowUnsigned: z.boolean().optional(),
    }))
    .mutation(async ({ ctx, input }) => {
      await setSigningSecret(ctx.db, ctx.env, { projectId: ctx.project.id, connector: input.connector, secret: input.secret, allowUnsigned: input.allowUnsigned, actor: ctx.actor, requestId: ctx.requestId, now: ctx.now() });
      return { connector: input.connector };
    }),
});
