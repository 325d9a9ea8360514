-- PLACEHOLDER for the agreements branch (replaced at merge by the real 0005_agreements.sql).
-- Only what the broadcast audience "volunteers with an active agreement" reads.
CREATE TABLE agreements (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    state       TEXT NOT NULL
);
