import { z } from "zod";
import { searchProject, type SearchHit } from "../../services/rag/rag.ts";
import { applyCorrections } from "../../services/understanding/service.ts";
import { LABELS, type Label, type LabelResult } from "../../services/understanding/types.ts";
import { projectProcedure, router } from "../init.ts";
import { storableDate } from "../inputs.ts";

export const searchRouter = router({
  /**
   * The project's conversation feed, newest first (keyset on time and id), with what each message
   * says (labels with their spans, tone, which engine or person decided); `label` keeps only the
   * messages that carry it.
   */
  messages: projectProcedure
    .input(z.object({ before: storableDate.optional(), label: z.enum(LABELS).optional(), limit: z.number().int().min(1).max(200).default(50) }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.$queryRaw<{ id: string; conversation: string; content: string | null; from_client: boolean; at: Date; url: string | null; engine: "local" | "openai" | null; labels: LabelResult[] | null; tone: number | null; corrections: Partial<Record<Label, boolean>> | null }[]>`
        SELECT m.external_id AS id, m.conversation_external_id AS conversation, m.content, m.message_type = 0 AS from_client, m.source_created_at AS at,
               rtrim(ps.base_url, '/') || '/app/accounts/' || m.account_id || '/conversations/' || m.conversation_external_id || '?messageId=' || m.external_id AS url,
               u.engine, u.labels, u.tone, c.corrections
        FROM cw_messages m LEFT JOIN project_sources ps ON ps.project_id = m.project_id AND ps.kind = 'chatwoot_account'
        LEFT JOIN LATERAL (SELECT engine, labels, tone FROM message_understandings x WHERE x.project_id = m.project_id AND x.message_id = m.external_id
          ORDER BY (engine = 'openai' AND content_hash = encode(sha256(convert_to(coalesce(m.content, ''), 'UTF8')), 'hex')) DESC, (engine = 'local') DESC LIMIT 1) u ON true
        LEFT JOIN LATERAL (SELECT jsonb_object_agg(label, applies) AS corrections FROM understanding_corrections y WHERE y.project_id = m.project_id AND y.message_id = m.external_id) c ON true
        WHERE m.project_id = ${ctx.project.id}::uuid AND m.deleted_at IS NULL AND NOT m.private AND m.message_type IN (0, 1)
          AND m.source_created_at < ${input.before ?? new Date("9999-01-01")}
          AND (${input.label ?? null}::text IS NULL OR coalesce((c.corrections->>${input.label ?? ""}::text)::boolean, u.labels @> jsonb_build_array(jsonb_build_object('label', ${input.label ?? ""}::text)), false))
        ORDER BY m.source_created_at DESC, m.external_id DESC LIMIT ${input.limit}`;
      const items = rows.map(({ labels, corrections, engine, ...r }) => ({
        ...r, engine, corrections: corrections ?? {},
        labels: applyCorrections(labels ?? [], engine ?? "local", corrections ?? {}, r.content ?? ""),
      }));
      return { items, nextBefore: rows.length === input.limit ? rows[rows.length - 1]!.at : null };
    }),
  /** Hybrid semantic + keyword search inside the project; an empty query returns nothing. */
  query: projectProcedure
    .input(z.object({ q: z.string().trim().max(500, "a search is at most 500 characters").default(""), limit: z.number().int().min(1).max(50).default(20) }))
    .query(async ({ ctx, input }): Promise<{ hits: SearchHit[]; model: string | null }> =>
      input.q ? searchProject(ctx.db, ctx.env, { projectId: ctx.project.id, query: input.q, limit: input.limit }) : { hits: [], model: null }),
});
