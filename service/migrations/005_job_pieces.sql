-- Where a piece of a batch sits in its file (?row_offset=), how many pieces the file declared
-- (?pieces=, on the last piece at least) and the file's name: enough for the history to show a
-- batch as one file (complete, with errors, or incomplete) without opening its kept answers.
ALTER TABLE jobs ADD COLUMN row_offset integer;
ALTER TABLE jobs ADD COLUMN piece_count integer;
ALTER TABLE jobs ADD COLUMN file_name text;

-- The history's first-piece test looks up a caller's earlier pieces of the same batch.
CREATE INDEX jobs_caller_batch_id_idx ON jobs (caller, batch_id, created_at, id) WHERE batch_id IS NOT NULL;
