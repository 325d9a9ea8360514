-- The durable update inbox (issue 16). Every update from Telegram is stored here before it is
-- confirmed to Telegram (the next getUpdates offset, or the webhook's 200), handled by the process
-- that claims its person, and marked: `applied_at` in the same transaction as its effects,
-- `done_at` once it was handled (replies sent). Done rows are kept a day, so a duplicate delivery
-- within a day is recognised and ignored. `person` is the ordering key (the user's id, else the
-- chat's): one person's updates run one after another, in update_id order. A claim
-- (`claimed_by` "pid@host", `claimed_until`) runs out, so a process that died holding it loses it.
CREATE TABLE update_inbox (
    update_id INTEGER PRIMARY KEY,
    person INTEGER NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    applied_at TEXT,
    done_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until TEXT,
    last_error TEXT
);
-- What is left to handle, oldest first, and one person's pending updates in order.
CREATE INDEX update_inbox_pending ON update_inbox (update_id) WHERE done_at IS NULL;
CREATE INDEX update_inbox_person_pending ON update_inbox (person, update_id) WHERE done_at IS NULL;
-- The daily purge of handled updates.
CREATE INDEX update_inbox_done ON update_inbox (done_at) WHERE done_at IS NOT NULL;

-- Leases: one holder at a time for a named role ("poller": the one process polling Telegram;
-- "scheduler": the one process running the scheduled jobs and the broadcast sender). A holder
-- renews its lease; one not renewed by `expires_at` may be taken by another process.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    renewed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
