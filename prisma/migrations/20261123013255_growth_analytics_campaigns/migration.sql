-- CreateTable
CREATE TABLE "upsell_opportunities" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "source_kind" TEXT NOT NULL,
    "source_ref" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "amount" DOUBLE PRECISION,
    "evidence_refs" JSONB NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'proposed',
    "first_seen_at" TIMESTAMPTZ(6) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(6) NOT NULL,
    "decided_at" TIMESTAMPTZ(6),
    "decided_by" UUID,

    CONSTRAINT "upsell_opportunities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics_daily" (
    "project_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "analytics_daily_pkey" PRIMARY KEY ("project_id","day")
);

-- CreateTable
CREATE TABLE "follow_up_campaigns" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "recommendation_id" UUID,
    "conversation_id" TEXT NOT NULL,
    "active_key" TEXT,
    "steps" JSONB NOT NULL,
    "next_step" INTEGER NOT NULL DEFAULT 0,
    "next_send_at" TIMESTAMPTZ(6),
    "status" TEXT NOT NULL DEFAULT 'active',
    "stop_reason" TEXT,
    "sent" JSONB NOT NULL DEFAULT '[]',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "finished_at" TIMESTAMPTZ(6),
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "follow_up_campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "upsell_opportunities_project_id_status_score_idx" ON "upsell_opportunities"("project_id", "status", "score");

-- CreateIndex
CREATE UNIQUE INDEX "upsell_opportunities_project_id_source_kind_source_ref_key" ON "upsell_opportunities"("project_id", "source_kind", "source_ref");

-- CreateIndex
CREATE INDEX "follow_up_campaigns_status_next_send_at_idx" ON "follow_up_campaigns"("status", "next_send_at");

-- CreateIndex
CREATE INDEX "follow_up_campaigns_project_id_created_at_idx" ON "follow_up_campaigns"("project_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "follow_up_campaigns_project_id_active_key_key" ON "follow_up_campaigns"("project_id", "active_key");

-- AddForeignKey
ALTER TABLE "upsell_opportunities" ADD CONSTRAINT "upsell_opportunities_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_daily" ADD CONSTRAINT "analytics_daily_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "follow_up_campaigns" ADD CONSTRAINT "follow_up_campaigns_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "upsell_opportunities" ADD CONSTRAINT "upsell_opportunities_status_check" CHECK ("status" IN ('proposed', 'accepted', 'dismissed'));
ALTER TABLE "upsell_opportunities" ADD CONSTRAINT "upsell_opportunities_source_kind_check" CHECK ("source_kind" IN ('message', 'deal'));
ALTER TABLE "follow_up_campaigns" ADD CONSTRAINT "follow_up_campaigns_status_check" CHECK ("status" IN ('active', 'completed', 'stopped_on_reply', 'cancelled', 'failed'));
