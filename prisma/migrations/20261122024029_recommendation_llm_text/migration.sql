-- AlterTable
ALTER TABLE "recommendations_v2" ADD COLUMN     "llm_text" JSONB;
