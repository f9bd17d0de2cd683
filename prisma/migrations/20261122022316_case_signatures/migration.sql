-- CreateTable
CREATE TABLE "case_signatures" (
    "project_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "window_days" INTEGER NOT NULL,
    "signature" vector(14) NOT NULL,
    "signature_hash" TEXT NOT NULL,
    "ngrams" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "features" JSONB NOT NULL DEFAULT '{}',
    "context" JSONB NOT NULL DEFAULT '{}',
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "case_signatures_pkey" PRIMARY KEY ("project_id","window_days")
);

-- CreateIndex
CREATE INDEX "case_signatures_workspace_id_window_days_idx" ON "case_signatures"("workspace_id", "window_days");

-- AddForeignKey
ALTER TABLE "case_signatures" ADD CONSTRAINT "case_signatures_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Similar-case search: nearest signatures by Euclidean distance (SPEC §7 ranks on 1/(1+euclid)),
-- an HNSW index that Prisma's schema language cannot express.
CREATE INDEX "case_signatures_signature_hnsw" ON "case_signatures" USING hnsw ("signature" vector_l2_ops) WITH (m = 16, ef_construction = 64);

ALTER TABLE "case_signatures" ADD CONSTRAINT "case_signatures_window_days_check" CHECK ("window_days" IN (7, 14, 30));
