-- Pieces of one large file, sent by the page or the CLI as ordinary predict requests, share a
-- batch id (?batch=); error_count is a 422's totalErrors, so a batch's totals can sum them.
ALTER TABLE jobs ADD COLUMN batch_id text;
ALTER TABLE jobs ADD COLUMN error_count integer;

-- A batch's jobs, oldest first, and its totals.
CREATE INDEX jobs_batch_id_idx ON jobs (batch_id, created_at, id) WHERE batch_id IS NOT NULL;
