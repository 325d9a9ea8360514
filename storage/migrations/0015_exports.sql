-- Exports being made and just sent: one row per coordinator and thing exported. The row is the
-- claim that makes a second press (in this process or in another one on the same database) get a
-- polite answer instead of a second file being made at the same time. A claim expires, so a bot
-- that crashed or was restarted in the middle of an export does not block the next one for long;
-- expired rows are deleted by the next claim. No foreign keys (an admin may be known only from the
-- settings); the primary key serves every query.
CREATE TABLE exports (
    coordinator_id INTEGER NOT NULL,
    what TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (coordinator_id, what)
) WITHOUT ROWID;
CREATE INDEX exports_by_expiry ON exports (expires_at);
