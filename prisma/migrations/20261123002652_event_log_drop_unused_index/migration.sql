-- DropIndex
DROP INDEX "kag_event_log_category_created_at_idx";
