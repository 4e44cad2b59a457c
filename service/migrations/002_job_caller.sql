-- Who ran each job: an email (Cloudflare Access), service-token:<id>, or token:<name> (API tokens).
-- Null for jobs recorded before this column: they belong to no one but the admins.
ALTER TABLE jobs ADD COLUMN caller text;

-- A caller's own history, newest first, with the same (created_at, id) cursor.
CREATE INDEX jobs_caller_created_at_id_idx ON jobs (caller, created_at DESC, id DESC);
