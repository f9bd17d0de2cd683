-- Sessions are now stored under a SHA-256 of the id the cookie carries. Rows written before hold the
-- raw id: they can never be resolved again, and must not linger as usable secrets in dumps.
DELETE FROM "sessions";
