-- CreateEnum
CREATE TYPE "ActionRunStatus" AS ENUM ('pending', 'running', 'succeeded', 'failed', 'dead');

-- CreateTable
CREATE TABLE "recommendation_action_runs" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "recommendation_id" UUID NOT NULL,
    "action_type" TEXT NOT NULL,
    "status" "ActionRunStatus" NOT NULL DEFAULT 'pending',
    "payload" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "dedupe_key" TEXT NOT NULL,
    "requested_by" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "recommendation_action_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "recommendation_action_runs_recommendation_id_created_at_idx" ON "recommendation_action_runs"("recommendation_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "recommendation_action_runs_project_id_dedupe_key_key" ON "recommendation_action_runs"("project_id", "dedupe_key");

-- AddForeignKey
ALTER TABLE "recommendation_action_runs" ADD CONSTRAINT "recommendation_action_runs_recommendation_id_fkey" FOREIGN KEY ("recommendation_id") REFERENCES "recommendations_v2"("id") ON DELETE CASCADE ON UPDATE CASCADE;
