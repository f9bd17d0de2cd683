-- CreateEnum
CREATE TYPE "SignalStatus" AS ENUM ('ok', 'warn', 'critical');

-- CreateEnum
CREATE TYPE "RiskLevel" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "RecommendationStatus" AS ENUM ('new', 'acknowledged', 'done', 'dismissed');

-- CreateEnum
CREATE TYPE "RecommendationFeedback" AS ENUM ('unknown', 'helpful', 'not_helpful');

-- CreateEnum
CREATE TYPE "EvidenceGateStatus" AS ENUM ('visible', 'hidden');

-- CreateTable
CREATE TABLE "kag_signals" (
    "project_id" UUID NOT NULL,
    "signal_key" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "status" "SignalStatus" NOT NULL,
    "thresholds" JSONB NOT NULL DEFAULT '{}',
    "details" JSONB NOT NULL DEFAULT '{}',
    "evidence" JSONB NOT NULL DEFAULT '[]',
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "kag_signals_pkey" PRIMARY KEY ("project_id","signal_key")
);

-- CreateTable
CREATE TABLE "kag_signal_history" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "signal_key" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "status" "SignalStatus" NOT NULL,
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "kag_signal_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "kag_scores" (
    "project_id" UUID NOT NULL,
    "score_type" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "level" "RiskLevel" NOT NULL,
    "components" JSONB NOT NULL DEFAULT '[]',
    "thresholds" JSONB NOT NULL DEFAULT '{}',
    "evidence" JSONB NOT NULL DEFAULT '[]',
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "kag_scores_pkey" PRIMARY KEY ("project_id","score_type")
);

-- CreateTable
CREATE TABLE "kag_score_history" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "score_type" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "level" "RiskLevel" NOT NULL,
    "components" JSONB NOT NULL DEFAULT '[]',
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "kag_score_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project_snapshots" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "snapshot_date" DATE NOT NULL,
    "signals_json" JSONB NOT NULL DEFAULT '{}',
    "normalized_signals_json" JSONB NOT NULL DEFAULT '{}',
    "scores_json" JSONB NOT NULL DEFAULT '{}',
    "key_aggregates_json" JSONB NOT NULL DEFAULT '{}',
    "evidence_refs" JSONB NOT NULL DEFAULT '[]',
    "publishable" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "past_case_outcomes" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "outcome_type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "severity" INTEGER NOT NULL,
    "notes" TEXT NOT NULL DEFAULT '',
    "evidence_refs" JSONB NOT NULL DEFAULT '[]',
    "source_event_id" BIGINT,
    "dedupe_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "past_case_outcomes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "kag_risk_forecasts" (
    "project_id" UUID NOT NULL,
    "risk_type" TEXT NOT NULL,
    "probability_7d" DOUBLE PRECISION NOT NULL,
    "probability_14d" DOUBLE PRECISION NOT NULL,
    "probability_30d" DOUBLE PRECISION NOT NULL,
    "expected_time_to_risk_days" DOUBLE PRECISION NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "top_drivers" JSONB NOT NULL DEFAULT '[]',
    "similar_cases" JSONB NOT NULL DEFAULT '[]',
    "evidence_refs" JSONB NOT NULL DEFAULT '[]',
    "publishable" BOOLEAN NOT NULL DEFAULT true,
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "kag_risk_forecasts_pkey" PRIMARY KEY ("project_id","risk_type")
);

-- CreateTable
CREATE TABLE "recommendations_v2" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "category" TEXT NOT NULL,
    "episode" INTEGER NOT NULL DEFAULT 1,
    "dedupe_key" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "due_date" DATE NOT NULL,
    "owner_role" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "rationale" TEXT NOT NULL,
    "why_now" TEXT NOT NULL,
    "expected_impact" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "text_source" TEXT NOT NULL DEFAULT 'template',
    "evidence_refs" JSONB NOT NULL DEFAULT '[]',
    "links" JSONB NOT NULL DEFAULT '[]',
    "signal_snapshot" JSONB NOT NULL DEFAULT '{}',
    "forecast_snapshot" JSONB NOT NULL DEFAULT '{}',
    "evidence_count" INTEGER NOT NULL DEFAULT 0,
    "evidence_quality" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "evidence_gate_status" "EvidenceGateStatus" NOT NULL DEFAULT 'hidden',
    "evidence_gate_reason" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "status" "RecommendationStatus" NOT NULL DEFAULT 'new',
    "helpful_feedback" "RecommendationFeedback" NOT NULL DEFAULT 'unknown',
    "feedback_note" TEXT,
    "shown_count" INTEGER NOT NULL DEFAULT 0,
    "first_shown_at" TIMESTAMPTZ(6),
    "last_shown_at" TIMESTAMPTZ(6),
    "acknowledged_at" TIMESTAMPTZ(6),
    "dismissed_at" TIMESTAMPTZ(6),
    "completed_at" TIMESTAMPTZ(6),
    "first_fired_at" TIMESTAMPTZ(6) NOT NULL,
    "last_fired_at" TIMESTAMPTZ(6) NOT NULL,
    "inactive_since" TIMESTAMPTZ(6),
    "risk_before" DOUBLE PRECISION,
    "risk_after" DOUBLE PRECISION,
    "risk_after_measured_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recommendations_v2_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "kag_signal_history_project_id_signal_key_computed_at_idx" ON "kag_signal_history"("project_id", "signal_key", "computed_at");

-- CreateIndex
CREATE INDEX "kag_score_history_project_id_score_type_computed_at_idx" ON "kag_score_history"("project_id", "score_type", "computed_at");

-- CreateIndex
CREATE UNIQUE INDEX "project_snapshots_project_id_snapshot_date_key" ON "project_snapshots"("project_id", "snapshot_date");

-- CreateIndex
CREATE INDEX "past_case_outcomes_project_id_outcome_type_occurred_at_idx" ON "past_case_outcomes"("project_id", "outcome_type", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "past_case_outcomes_project_id_dedupe_key_key" ON "past_case_outcomes"("project_id", "dedupe_key");

-- CreateIndex
CREATE INDEX "recommendations_v2_project_id_active_evidence_gate_status_p_idx" ON "recommendations_v2"("project_id", "active", "evidence_gate_status", "priority");

-- CreateIndex
CREATE UNIQUE INDEX "recommendations_v2_project_id_dedupe_key_key" ON "recommendations_v2"("project_id", "dedupe_key");

-- AddForeignKey
ALTER TABLE "kag_signals" ADD CONSTRAINT "kag_signals_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "kag_signal_history" ADD CONSTRAINT "kag_signal_history_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "kag_scores" ADD CONSTRAINT "kag_scores_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "kag_score_history" ADD CONSTRAINT "kag_score_history_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_snapshots" ADD CONSTRAINT "project_snapshots_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "past_case_outcomes" ADD CONSTRAINT "past_case_outcomes_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "kag_risk_forecasts" ADD CONSTRAINT "kag_risk_forecasts_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recommendations_v2" ADD CONSTRAINT "recommendations_v2_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
