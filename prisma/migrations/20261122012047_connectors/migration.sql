-- Connectors: sync state, error register (one open row per project/connector/operation via open_key),
-- and raw mirrors of Chatwoot, Linear and Attio keyed by (project_id, external_id).
-- CreateEnum
CREATE TYPE "ConnectorName" AS ENUM ('chatwoot', 'linear', 'attio', 'loops');

-- CreateEnum
CREATE TYPE "SyncStatus" AS ENUM ('idle', 'running', 'ok', 'partial', 'failed');

-- CreateEnum
CREATE TYPE "ConnectorErrorStatus" AS ENUM ('pending', 'retrying', 'resolved', 'dead_letter');

-- CreateTable
CREATE TABLE "connector_sync_state" (
    "project_id" UUID NOT NULL,
    "connector" "ConnectorName" NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'http',
    "status" "SyncStatus" NOT NULL DEFAULT 'idle',
    "cursor_ts" TIMESTAMPTZ(6),
    "cursor_id" TEXT,
    "cursor" JSONB NOT NULL DEFAULT '{}',
    "last_success_at" TIMESTAMPTZ(6),
    "last_attempt_at" TIMESTAMPTZ(6),
    "last_error" TEXT,
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "lease_until" TIMESTAMPTZ(6),
    "meta" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connector_sync_state_pkey" PRIMARY KEY ("project_id","connector")
);

-- CreateTable
CREATE TABLE "connector_errors" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "connector" "ConnectorName" NOT NULL,
    "operation" TEXT NOT NULL,
    "error_kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "status" "ConnectorErrorStatus" NOT NULL DEFAULT 'pending',
    "next_retry_at" TIMESTAMPTZ(6),
    "open_key" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(6),

    CONSTRAINT "connector_errors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cw_inboxes" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "channel_type" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "cw_inboxes_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "cw_contacts" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "identifier" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "source_created_at" TIMESTAMPTZ(6),
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "cw_contacts_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "cw_conversations" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "inbox_id" TEXT,
    "contact_external_id" TEXT,
    "status" TEXT NOT NULL,
    "assignee_id" TEXT,
    "last_activity_at" TIMESTAMPTZ(6),
    "last_message_id" BIGINT,
    "source_created_at" TIMESTAMPTZ(6),
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "cw_conversations_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "cw_messages" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "conversation_external_id" TEXT NOT NULL,
    "sender_type" TEXT,
    "sender_id" TEXT,
    "message_type" INTEGER NOT NULL,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "content" TEXT,
    "source_created_at" TIMESTAMPTZ(6) NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "cw_messages_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "linear_projects" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "state" TEXT,
    "lead_name" TEXT,
    "target_date" DATE,
    "source_updated_at" TIMESTAMPTZ(6),
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "linear_projects_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "linear_states" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "position" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "linear_states_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "linear_cycles" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "name" TEXT,
    "starts_at" TIMESTAMPTZ(6) NOT NULL,
    "ends_at" TIMESTAMPTZ(6) NOT NULL,
    "completed_at" TIMESTAMPTZ(6),
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "linear_cycles_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "linear_issues" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "url" TEXT,
    "linear_project_id" TEXT,
    "state_id" TEXT,
    "state_name" TEXT,
    "state_type" TEXT,
    "cycle_id" TEXT,
    "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "blocked" BOOLEAN NOT NULL DEFAULT false,
    "blocked_by_count" INTEGER NOT NULL DEFAULT 0,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "estimate" DOUBLE PRECISION,
    "assignee_name" TEXT,
    "due_date" DATE,
    "completed_at" TIMESTAMPTZ(6),
    "source_created_at" TIMESTAMPTZ(6) NOT NULL,
    "source_updated_at" TIMESTAMPTZ(6) NOT NULL,
    "archived_at" TIMESTAMPTZ(6),
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "linear_issues_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "attio_companies" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT,
    "domain" TEXT,
    "stage" TEXT,
    "annual_revenue" DECIMAL(16,2),
    "values_hash" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "attio_companies_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "attio_people" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "company_external_id" TEXT,
    "full_name" TEXT,
    "email" TEXT,
    "job_title" TEXT,
    "values_hash" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "attio_people_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "attio_deals" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "company_external_id" TEXT,
    "name" TEXT,
    "stage" TEXT,
    "amount" DECIMAL(16,2),
    "currency" TEXT,
    "probability" DOUBLE PRECISION,
    "expected_close_date" DATE,
    "values_hash" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "attio_deals_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateTable
CREATE TABLE "attio_activities" (
    "project_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "parent_object" TEXT NOT NULL,
    "parent_record_id" TEXT NOT NULL,
    "title" TEXT,
    "content" TEXT,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "values_hash" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "synced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "attio_activities_pkey" PRIMARY KEY ("project_id","external_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "connector_errors_open_key_key" ON "connector_errors"("open_key");

-- CreateIndex
CREATE INDEX "connector_errors_status_next_retry_at_idx" ON "connector_errors"("status", "next_retry_at");

-- CreateIndex
CREATE INDEX "connector_errors_project_id_created_at_idx" ON "connector_errors"("project_id", "created_at");

-- CreateIndex
CREATE INDEX "cw_contacts_project_id_email_idx" ON "cw_contacts"("project_id", "email");

-- CreateIndex
CREATE INDEX "cw_conversations_project_id_last_activity_at_idx" ON "cw_conversations"("project_id", "last_activity_at");

-- CreateIndex
CREATE INDEX "cw_messages_project_id_conversation_external_id_source_crea_idx" ON "cw_messages"("project_id", "conversation_external_id", "source_created_at");

-- CreateIndex
CREATE INDEX "cw_messages_project_id_source_created_at_idx" ON "cw_messages"("project_id", "source_created_at");

-- CreateIndex
CREATE INDEX "linear_issues_project_id_source_updated_at_idx" ON "linear_issues"("project_id", "source_updated_at");

-- CreateIndex
CREATE INDEX "linear_issues_project_id_blocked_idx" ON "linear_issues"("project_id", "blocked");

-- AddForeignKey
ALTER TABLE "connector_sync_state" ADD CONSTRAINT "connector_sync_state_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connector_errors" ADD CONSTRAINT "connector_errors_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cw_inboxes" ADD CONSTRAINT "cw_inboxes_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cw_contacts" ADD CONSTRAINT "cw_contacts_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cw_conversations" ADD CONSTRAINT "cw_conversations_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cw_messages" ADD CONSTRAINT "cw_messages_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "linear_projects" ADD CONSTRAINT "linear_projects_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "linear_states" ADD CONSTRAINT "linear_states_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "linear_cycles" ADD CONSTRAINT "linear_cycles_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "linear_issues" ADD CONSTRAINT "linear_issues_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attio_companies" ADD CONSTRAINT "attio_companies_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attio_people" ADD CONSTRAINT "attio_people_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attio_deals" ADD CONSTRAINT "attio_deals_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attio_activities" ADD CONSTRAINT "attio_activities_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
