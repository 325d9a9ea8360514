-- Every privileged action, for admins to read (/dziennik) and export. Ids and short facts only:
-- no names, answers or message texts, so the log itself holds as little personal data as possible.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  INTEGER,            -- who; NULL for the bot itself or the command line
    action    TEXT NOT NULL,      -- e.g. application.accepted, event.published, coordinator.added
    target    TEXT,               -- e.g. application:12, event:4, user:123
    details   TEXT                -- JSON with short facts (a status, a count, a field name)
);
CREATE INDEX audit_by_time ON audit_log (at, id);
CREATE INDEX audit_by_actor ON audit_log (actor_id, id);

-- One-time links that make whoever opens them a coordinator, until they expire.
CREATE TABLE coordinator_invites (
    token       TEXT PRIMARY KEY,   -- random and unguessable
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT,
    revoked_at  TEXT
);
