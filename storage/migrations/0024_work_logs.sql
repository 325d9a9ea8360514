-- Stage two (issue 14, part 4): the work an assigned expert logs on a request for support, its
-- confirmation by the organisation's contact (or a coordinator when the organisation does not
-- answer in time), the request closed when the work is done, and both sides' short feedback.
-- Only a confirmed log counts: it becomes an hours_entries row (source 'support', source_id = the
-- log's id) in the transaction that confirms it (storage/work_logs.py).

CREATE TABLE work_logs (
    id              INTEGER PRIMARY KEY,
    assignment_id   INTEGER NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    request_id      INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    telegram_id     INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,  -- the expert
    day             TEXT NOT NULL,    -- ISO date, the organisation's calendar
    hours           REAL NOT NULL CHECK (hours > 0 AND hours <= 24),  -- as logged by the expert
    summary         TEXT NOT NULL,    -- what was done
    file_id         TEXT,             -- an attachment: Telegram's file_id
    file_kind       TEXT CHECK (file_kind IN ('photo', 'document')),
    state           TEXT NOT NULL CHECK (state IN ('waiting', 'confirmed', 'rejected')),
    logged_at       TEXT NOT NULL,
    due_at          TEXT NOT NULL,    -- from then the coordinators are asked instead
    escalated_at    TEXT,             -- when the coordinators were asked (claimed once)
    decided_by      INTEGER,          -- the organisation's contact or the coordinator
    decided_as      TEXT CHECK (decided_as IN ('organisation', 'coordinator')),
    decided_at      TEXT,
    confirmed_hours REAL,             -- the hours that count (corrected when they differ)
    note            TEXT              -- the reason of a correction or a rejection
);
CREATE INDEX work_logs_by_assignment ON work_logs (assignment_id, id);
CREATE INDEX work_logs_by_request ON work_logs (request_id, id);
CREATE INDEX work_logs_by_person ON work_logs (telegram_id, day);
CREATE INDEX work_logs_due ON work_logs (due_at) WHERE state = 'waiting' AND escalated_at IS NULL;

-- A request whose work is done: closed once (its assignments become 'done' in the same transaction).
CREATE TABLE support_closures (
    request_id INTEGER PRIMARY KEY REFERENCES support_requests (id) ON DELETE CASCADE,
    closed_by  INTEGER NOT NULL,      -- the coordinator
    closed_at  TEXT NOT NULL
);

-- Feedback after a closed request: each expert and each of the organisation's contacts, once.
CREATE TABLE support_feedback (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    telegram_id INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    side        TEXT NOT NULL CHECK (side IN ('expert', 'organisation')),
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT,
    given_at    TEXT NOT NULL,
    UNIQUE (request_id, telegram_id)
);
CREATE INDEX support_feedback_by_person ON support_feedback (telegram_id);
