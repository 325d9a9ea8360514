-- An announcement's outbox is written in short batches (1 000 people each, its own transaction),
-- so starting one for 100 000 people never holds the database for long (0.8 s in one transaction
-- before). While it is being written, `queued_through` is the last person queued (telegram ids in
-- order) and `queued_at` when the last batch went in; both NULL once every row is there. A
-- broadcast is not done before that; one whose writing stopped (the bot stopped) is taken up
-- again where it was by the broadcasts job.
ALTER TABLE broadcasts ADD COLUMN queued_through INTEGER;
ALTER TABLE broadcasts ADD COLUMN queued_at TEXT;
CREATE INDEX broadcasts_being_queued ON broadcasts (queued_at) WHERE queued_at IS NOT NULL;
