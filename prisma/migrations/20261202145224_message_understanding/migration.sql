-- CreateTable
CREATE TABLE "message_understandings" (
    "project_id" UUID NOT NULL,
    "message_id" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "engine_version" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '[]',
    "scores" JSONB NOT NULL DEFAULT '{}',
    "tone" DOUBLE PRECISION NOT NULL,
    "language" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_understandings_pkey" PRIMARY KEY ("project_id","message_id","engine")
);

-- CreateTable
CREATE TABLE "understanding_corrections" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "message_id" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "applies" BOOLEAN NOT NULL,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "understanding_corrections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "understanding_models" (
    "workspace_id" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "corrections" INTEGER NOT NULL,
    "weights" JSONB NOT NULL,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "trained_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "understanding_models_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateTable
CREATE TABLE "understanding_usage" (
    "workspace_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "tokens" INTEGER NOT NULL DEFAULT 0,
    "calls" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "understanding_usage_pkey" PRIMARY KEY ("workspace_id","day")
);

-- CreateIndex
CREATE INDEX "understanding_corrections_project_id_created_at_idx" ON "understanding_corrections"("project_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "understanding_corrections_project_id_message_id_label_key" ON "understanding_corrections"("project_id", "message_id", "label");

-- AddForeignKey
ALTER TABLE "message_understandings" ADD CONSTRAINT "message_understandings_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "understanding_corrections" ADD CONSTRAINT "understanding_corrections_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "understanding_models" ADD CONSTRAINT "understanding_models_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "understanding_usage" ADD CONSTRAINT "understanding_usage_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
