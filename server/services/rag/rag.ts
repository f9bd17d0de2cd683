import { createHash } from "node:crypto";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import type { EvidenceRef } from "../events/event-log.ts";
import { describeLlmError, llmClient } from "../llm/client.ts";
import { LOCAL_EMBEDDING_MODEL, localEmbedding } from "./local-embedder.ts";

// Project-scoped retrieval over messages, issue descriptions and notes: chunk the mirrors into
// rag_chunks (re-chunking only what changed, dropping chunks of deleted or shrunk sources), embed the
// pending ones (OpenAI when configured, else the local embedder; each chunk records its model), and
// search with HNSW cosine plus keyword match, fused by reciprocal rank.

const CHUNK_CHARS = 1200;
const OVERLAP = 150;
const EMBED_BATCH = 64;
const MAX_ATTEMPTS = 3;

export function chunkText(text: string): string[] {
  const t = text.trim().replace(/\s+/g, " ");
  if (t.length <= CHUNK_CHARS) return t ? [t] : [];
  const out: string[] = [];
  let start = 0;
  while (start < t.length) {
    let end = Math.min(t.length, start + CHUNK_CHARS);
    if (end < t.length) {
      const cut = t.lastIndexOf(". ", end);
      if (cut > start + CHUNK_CHARS / 2) end = cut + 1;
    }
    out.push(t.slice(start, end).trim());
    if (end >= t.length) break;
    start = Math.max(end - OVERLAP, start + 1);
  }
  return out;
}

type Source = { kind: "message" | "issue" | "note"; id: string; text: string; url: string | null; at: Date };

async function sources(db: Db, projectId: string): Promise<Source[]> {
  const rows = await db.$queryRaw<{ kind: Source["kind"]; id: string; text: string | null; url: string | null; at: Date }[]>`
    SELECT 'message' AS kind, m.external_id AS id, m.content AS text,
           rtrim(ps.base_url, '/') || '/app/accounts/' || m.account_id || '/conversations/' || m.conversation_external_id AS url, m.source_created_at AS at
      FROM cw_messages m LEFT JOIN project_sources ps ON ps.project_id = m.project_id AND ps.kind = 'chatwoot_account'
      WHERE m.project_id = ${projectId}::uuid AND m.deleted_at IS NULL AND NOT m.private AND m.message_type IN (0, 1) AND coalesce(m.content, '') <> ''
    UNION ALL
    SELECT 'issue', external_id, identifier || ' ' || title || E'\n' || coalesce(description, ''), url, source_created_at
      FROM linear_issues WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL
    UNION ALL
    SELECT 'note', external_id, coalesce(title, '') || E'\n' || coalesce(content, ''), 'attio://' || workspace_id || '/notes/' || external_id, occurred_at
      FROM attio_activities WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL`;
  return rows.filter((r) => r.text && r.text.trim()).map((r) => ({ ...r, text: r.text! }));
}

/** Brings rag_chunks in line with the mirrors. Unchanged chunks keep their embeddings. */
export async function syncChunks(db: Db, projectId: string): Promise<{ upserted: number; removed: number }> {
  const src = await sources(db, projectId);
  const chunks = src.flatMap((s) => chunkText(s.text).map((text, i) => ({ ...s, index: i, text, hash: createHash("sha256").update(text).digest("hex") })));
  let upserted = 0;
  for (let i = 0; i < chunks.length; i += 1000) {
    const b = chunks.slice(i, i + 1000);
    upserted += await db.$executeRaw`
      INSERT INTO rag_chunks (project_id, source_kind, source_id, chunk_index, text, text_hash, content_tokens, url, occurred_at)
      SELECT ${projectId}::uuid, k, s, n, t, h, ceil(length(t) / 4.0)::int, u, a
      FROM unnest(${b.map((c) => c.kind)}::text[], ${b.map((c) => c.id)}::text[], ${b.map((c) => c.index)}::int[], ${b.map((c) => c.text)}::text[],
                  ${b.map((c) => c.hash)}::text[], ${b.map((c) => c.url)}::text[], ${b.map((c) => c.at)}::timestamptz[]) AS x(k, s, n, t, h, u, a)
      ON CONFLICT (project_id, source_kind, source_id, chunk_index) DO UPDATE SET
        text = EXCLUDED.text, text_hash = EXCLUDED.text_hash, content_tokens = EXCLUDED.content_tokens, url = EXCLUDED.url, occurred_at = EXCLUDED.occurred_at,
        embedding = NULL, embedding_status = 'pending', embedding_model = NULL, embedding_attempts = 0, embedding_error = NULL, updated_at = now()
      WHERE rag_chunks.text_hash IS DISTINCT FROM EXCLUDED.text_hash OR rag_chunks.url IS DISTINCT FROM EXCLUDED.url`;
  }
  // Chunks whose source is gone or shorter now.
  const removed = await db.$executeRaw`
    DELETE FROM rag_chunks r WHERE r.project_id = ${projectId}::uuid AND NOT EXISTS (
      SELECT 1 FROM unnest(${chunks.map((c) => c.kind)}::text[], ${chunks.map((c) => c.id)}::text[], ${chunks.map((c) => c.index)}::int[]) AS x(k, s, n)
      WHERE x.k = r.source_kind AND x.s = r.source_id AND x.n = r.chunk_index)`;
  return { upserted, removed };
}

export function embeddingModel(env: Env): string {
  return env.OPENAI_API_KEY ? env.EMBEDDING_MODEL : LOCAL_EMBEDDING_MODEL;
}

async function embed(env: Env, texts: string[]): Promise<number[][]> {
  const client = llmClient(env);
  if (!client) return texts.map((t) => localEmbedding(t, env.EMBEDDING_DIM));
  const res = await client.embeddings.create({ model: env.EMBEDDING_MODEL, input: texts, dimensions: env.EMBEDDING_DIM });
  return res.data.sort((a, b) => a.index - b.index).map((d) => d.embedding);
}

const vec = (v: number[]) => `[${v.join(",")}]`;

/** Embeds pending chunks (and chunks embedded by another model than the current one). Failures retry up to 3 times, then stay failed. */
export async function embedPending(db: Db, env: Env, projectId: string, limit = 2000): Promise<{ embedded: number; failed: number; model: string; warnings: string[] }> {
  const model = embeddingModel(env);
  const pending = await db.$queryRaw<{ id: bigint; text: string }[]>`
    SELECT id, text FROM rag_chunks WHERE project_id = ${projectId}::uuid
      AND (embedding_status = 'pending' OR (embedding_status = 'ready' AND embedding_model IS DISTINCT FROM ${model}) OR (embedding_status = 'failed' AND embedding_attempts < ${MAX_ATTEMPTS}))
    ORDER BY id LIMIT ${limit}`;
  let embedded = 0;
  let failed = 0;
  const warnings: string[] = [];
  for (let i = 0; i < pending.length; i += EMBED_BATCH) {
    const batch = pending.slice(i, i + EMBED_BATCH);
    try {
      const vectors = await embed(env, batch.map((b) => b.text));
      await db.$executeRaw`
        UPDATE rag_chunks r SET embedding = x.v::vector, embedding_status = 'ready', embedding_model = ${model}, embedding_error = NULL, updated_at = now()
        FROM unnest(${batch.map((b) => b.id)}::bigint[], ${vectors.map(vec)}::text[]) AS x(id, v) WHERE r.id = x.id`;
      embedded += batch.length;
    } catch (e) {
      const message = describeLlmError(e);
      await db.$executeRaw`
        UPDATE rag_chunks SET embedding_status = 'failed', embedding_attempts = embedding_attempts + 1, embedding_error = ${message}, updated_at = now()
        WHERE id = ANY(${batch.map((b) => b.id)}::bigint[])`;
      failed += batch.length;
      warnings.push(`embedding ${batch.length} chunks failed (${message}); retried on the next run, up to ${MAX_ATTEMPTS} attempts`);
    }
  }
  return { embedded, failed, model, warnings };
}

export type SearchHit = { evidence: EvidenceRef; score: number; semanticRank: number | null; keywordRank: number | null; occurredAt: Date; model: string | null };

const KIND: Record<string, EvidenceRef["kind"]> = { message: "message", issue: "issue", note: "doc" };

/** Hybrid search inside one project: cosine HNSW over chunks of the current model + keyword match, fused by reciprocal rank. */
export async function searchProject(db: Db, env: Env, input: { projectId: string; query: string; limit: number }): Promise<{ hits: SearchHit[]; model: string }> {
  const model = embeddingModel(env);
  const [qv] = await embed(env, [input.query]);
  const k = Math.max(50, input.limit * 4);
  const semantic = await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SET LOCAL hnsw.ef_search = ${Math.min(1000, k * 2)}`);
    await tx.$executeRawUnsafe(`SET LOCAL hnsw.iterative_scan = strict_order`);
    return tx.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM rag_chunks WHERE project_id = ${input.projectId}::uuid AND embedding_status = 'ready' AND embedding_model = ${model}
      ORDER BY embedding <=> ${vec(qv!)}::vector LIMIT ${k}`;
  });
  const keyword = await db.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM rag_chunks WHERE project_id = ${input.projectId}::uuid AND to_tsvector('simple', text) @@ plainto_tsquery('simple', ${input.query})
    ORDER BY ts_rank(to_tsvector('simple', text), plainto_tsquery('simple', ${input.query})) DESC, occurred_at DESC LIMIT ${k}`;
  const score = new Map<bigint, { s: number; sem: number | null; kw: number | null }>();
  semantic.forEach((r, i) => score.set(r.id, { s: 1 / (60 + i + 1), sem: i + 1, kw: null }));
  keyword.forEach((r, i) => {
    const cur = score.get(r.id) ?? { s: 0, sem: null, kw: null };
    score.set(r.id, { s: cur.s + 1 / (60 + i + 1), sem: cur.sem, kw: i + 1 });
  });
  const top = [...score.entries()].sort((a, b) => b[1].s - a[1].s).slice(0, input.limit);
  if (!top.length) return { hits: [], model };
  const rows = await db.ragChunk.findMany({ where: { id: { in: top.map(([id]) => id) }, projectId: input.projectId } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    model,
    hits: top.flatMap(([id, sc]) => {
      const r = byId.get(id);
      if (!r) return [];
      return [{ evidence: { kind: KIND[r.sourceKind] ?? "chunk", id: r.sourceId, url: r.url ?? undefined, snippet: r.text.slice(0, 300) }, score: Math.round(sc.s * 10_000) / 10_000, semanticRank: sc.sem, keywordRank: sc.kw, occurredAt: r.occurredAt, model: r.embeddingModel }];
    }),
  };
}
