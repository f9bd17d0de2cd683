import { z } from "zod";
import { searchProject, type SearchHit } from "../../services/rag/rag.ts";
import { projectProcedure, router } from "../init.ts";

export const searchRouter = router({
  /** The project's conversation feed, newest first (keyset on time and id). */
  messages: projectProcedure
    .input(z.object({ before: z.coerce.date().optional(), limit: z.number().int().min(1).max(200).default(50) }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.$queryRaw<{ id: string; conversation: string; content: string | null; from_client: boolean; at: Date; url: string | null }[]>`
        SELECT m.external_id AS id, m.conversation_external_id AS conversation, m.content, m.message_type = 0 AS from_client, m.source_created_at AS at,
               rtrim(ps.base_url, '/') || '/app/accounts/' || m.account_id || '/conversations/' || m.conversation_external_id AS url
        FROM cw_messages m LEFT JOIN project_sources ps ON ps.project_id = m.project_id AND ps.kind = 'chatwoot_account'
        WHERE m.project_id = ${ctx.project.id}::uuid AND m.deleted_at IS NULL AND NOT m.private AND m.message_type IN (0, 1)
          AND m.source_created_at < ${input.before ?? new Date("9999-01-01")}
        ORDER BY m.source_created_at DESC, m.external_id DESC LIMIT ${input.limit}`;
      return { items: rows, nextBefore: rows.length === input.limit ? rows[rows.length - 1]!.at : null };
    }),
  /** Hybrid semantic + keyword search inside the project; an empty query returns nothing. */
  query: projectProcedure
    .input(z.object({ q: z.string().trim().max(500, "a search is at most 500 characters").default(""), limit: z.number().int().min(1).max(50).default(20) }))
    .query(async ({ ctx, input }): Promise<{ hits: SearchHit[]; model: string | null }> =>
      input.q ? searchProject(ctx.db, ctx.env, { projectId: ctx.project.id, query: input.q, limit: input.limit }) : { hits: [], model: null }),
});
