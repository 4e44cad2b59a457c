-- Where a kept answer is (file:///… or gs://…) and until when it may be downloaded again (issue 18).
ALTER TABLE jobs ADD COLUMN result_location text;
ALTER TABLE jobs ADD COLUMN result_expires_at timestamptz;
