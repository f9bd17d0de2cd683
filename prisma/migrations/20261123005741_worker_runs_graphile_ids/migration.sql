-- AlterTable
ALTER TABLE "worker_runs" ADD COLUMN     "graphile_worker_ids" TEXT[] DEFAULT ARRAY[]::TEXT[];
