-- CreateTable
CREATE TABLE "digests" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "period_start" DATE NOT NULL,
    "period_end" DATE NOT NULL,
    "content" JSONB NOT NULL DEFAULT '{}',
    "summary" TEXT NOT NULL,
    "summary_source" TEXT NOT NULL DEFAULT 'template',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "digests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "digests_project_id_kind_period_start_key" ON "digests"("project_id", "kind", "period_start");

-- AddForeignKey
ALTER TABLE "digests" ADD CONSTRAINT "digests_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "digests" ADD CONSTRAINT "digests_kind_check" CHECK ("kind" IN ('daily', 'weekly'));
