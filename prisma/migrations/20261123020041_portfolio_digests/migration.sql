-- CreateTable
CREATE TABLE "portfolio_digests" (
    "id" BIGSERIAL NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "period_start" DATE NOT NULL,
    "period_end" DATE NOT NULL,
    "content" JSONB NOT NULL DEFAULT '{}',
    "summary" TEXT NOT NULL,
    "summary_source" TEXT NOT NULL DEFAULT 'template',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "portfolio_digests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "portfolio_digests_user_id_kind_period_start_key" ON "portfolio_digests"("user_id", "kind", "period_start");

-- AddForeignKey
ALTER TABLE "portfolio_digests" ADD CONSTRAINT "portfolio_digests_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
