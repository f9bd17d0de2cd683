-- CreateEnum
CREATE TYPE "EmbeddingStatus" AS ENUM ('pending', 'ready', 'failed');

-- CreateTable
CREATE TABLE "rag_chunks" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "source_kind" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "chunk_index" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "text_hash" TEXT NOT NULL,
    "content_tokens" INTEGER NOT NULL,
    "url" TEXT,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "embedding" vector(1536),
    "embedding_status" "EmbeddingStatus" NOT NULL DEFAULT 'pending',
    "embedding_model" TEXT,
    "embedding_attempts" INTEGER NOT NULL DEFAULT 0,
    "embedding_error" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rag_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "rag_chunks_project_id_embedding_status_created_at_idx" ON "rag_chunks"("project_id", "embedding_status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "rag_chunks_project_id_source_kind_source_id_chunk_index_key" ON "rag_chunks"("project_id", "source_kind", "source_id", "chunk_index");

-- AddForeignKey
ALTER TABLE "rag_chunks" ADD CONSTRAINT "rag_chunks_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Semantic search: cosine distance (the embeddings are normalised), HNSW; Prisma cannot express it.
CREATE INDEX "rag_chunks_embedding_hnsw" ON "rag_chunks" USING hnsw ("embedding" vector_cosine_ops) WITH (m = 16, ef_construction = 64);

-- Keyword side of hybrid search.
CREATE INDEX "rag_chunks_text_fts" ON "rag_chunks" USING gin (to_tsvector('simple', "text"));
