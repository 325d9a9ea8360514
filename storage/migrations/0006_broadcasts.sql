-- Coordinator broadcasts, their outbox (one row per recipient) and notification preferences.
CREATE TABLE broadcasts (
    id                INTEGER PRIMARY KEY,
    created_by        INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    category          TEXT NOT NULL DEFAULT 'general'
                        CHECK (category IN ('trainings', 'events', 'coalition', 'general')),
    urgent            INTEGER NOT NULL DEFAULT 0,
    body_html         TEXT,                -- the coordinator's text as Telegram HTML (entities converted)
    media_kind        TEXT CHECK (media_kind IN ('photo', 'document')),
    media_file_id     TEXT,                -- resent by file_id, never downloaded
    audience          TEXT NOT NULL DEFAULT '{}',  -- JSON: groups, events, counties, competences
    scheduled_at      TEXT,                -- UTC; set when scheduled
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    started_at        TEXT,                -- the outbox was written
    finished_at       TEXT,
    cancelled_at      TEXT,
    cancelled_by      INTEGER,
    recipients        INTEGER NOT NULL DEFAULT 0,  -- outbox rows written
    muted             INTEGER NOT NULL DEFAULT 0,  -- in the audience but not receiving this category
    status_chat_id    INTEGER,             -- the coordinator's progress message
    status_message_id INTEGER,
    reported_at       TEXT                 -- the final report was sent
);
CREATE INDEX broadcasts_by_status ON broadcasts (status, scheduled_at);

-- The outbox: written in the same transaction that starts the broadcast, before any sending.
CREATE TABLE broadcast_deliveries (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    telegram_id   INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled')),
    not_before    TEXT NOT NULL,         -- UTC: now, the end of quiet hours, or a retry's backoff
    quiet         INTEGER NOT NULL DEFAULT 0,  -- 1: waited for the end of the recipient's quiet hours
    attempts      INTEGER NOT NULL DEFAULT 0,  -- failed attempts (transient errors), not counting 429
    sent_at       TEXT,
    message_id    INTEGER,
    error         TEXT,
    PRIMARY KEY (broadcast_id, telegram_id)
);
CREATE INDEX deliveries_due ON broadcast_deliveries (state, not_before);

-- What a volunteer wants to receive. No row: every category, quiet hours from BOT_QUIET_HOURS.
CREATE TABLE notification_preferences (
    telegram_id  INTEGER PRIMARY KEY REFERENCES users (telegram_id) ON DELETE CASCADE,
    trainings    INTEGER NOT NULL DEFAULT 1,
    events       INTEGER NOT NULL DEFAULT 1,
    coalition    INTEGER NOT NULL DEFAULT 1,
    general      INTEGER NOT NULL DEFAULT 1,
    quiet_start  INTEGER,                -- minutes after midnight, local time; NULL with quiet_end: no quiet hours
    quiet_end    INTEGER,
    quiet_set    INTEGER NOT NULL DEFAULT 0,  -- 0: follow the default quiet hours
    updated_at   TEXT NOT NULL
);
