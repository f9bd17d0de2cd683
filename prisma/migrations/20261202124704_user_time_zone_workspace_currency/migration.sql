-- AlterTable
ALTER TABLE "users" ADD COLUMN     "time_zone" TEXT;

-- AlterTable
ALTER TABLE "workspaces" ADD COLUMN     "currency" TEXT NOT NULL DEFAULT 'USD';
