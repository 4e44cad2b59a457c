-- The prediction job log: one row per predict call.
CREATE TABLE jobs (
  id                uuid        PRIMARY KEY,
  model_name        text        NOT NULL,
  model_version     text,
  status            text        NOT NULL CHECK (status IN ('succeeded', 'rejected', 'failed')),
  http_status       smallint    NOT NULL,
  row_count         integer,
  bytes_in          bigint      NOT NULL,
  bytes_out         bigint,
  duration_ms       integer     NOT NULL,
  error_summary     text,
  token_fingerprint text,
  created_at        timestamptz NOT NULL
);

-- Newest-first listing with a (created_at, id) cursor.
CREATE INDEX jobs_created_at_id_idx ON jobs (created_at DESC, id DESC);
