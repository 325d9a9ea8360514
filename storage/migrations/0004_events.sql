-- Events and trainings, sign-ups with a waitlist, reminders, attendance and hours.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    type             TEXT NOT NULL,        -- an event_types id from the organisation file
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    starts_at        TEXT NOT NULL,        -- UTC
    ends_at          TEXT NOT NULL,        -- UTC
    place            TEXT,                 -- an address, or NULL when online only
    online_url       TEXT,
    county           TEXT,                 -- a county id, or NULL for the whole region / online
    capacity         INTEGER CHECK (capacity IS NULL OR capacity > 0),  -- NULL: unlimited
    audience         TEXT NOT NULL CHECK (audience IN ('everyone', 'experts', 'coordinators')),
    signup_deadline  TEXT,                 -- UTC; NULL: until the start
    status           TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    cancel_reason    TEXT,
    default_hours    REAL,                 -- hours recorded per attendee; NULL: the event's length
    sequence         INTEGER NOT NULL DEFAULT 0,  -- iCalendar SEQUENCE, bumped on every change
    created_by       INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    published_at     TEXT,
    announced_at     TEXT,                 -- when the opt-in announcement was queued
    attendance_asked_at TEXT               -- when attendees were asked to confirm
);
CREATE INDEX events_by_start ON events (status, starts_at);

CREATE TABLE event_registrations (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    telegram_id    INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    queued_at      INTEGER NOT NULL,       -- arrival order within the event (waitlist position)
    joined_at      TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    promoted_at    TEXT,                   -- moved from the waitlist to a seat
    self_attended  INTEGER,                -- the volunteer's answer: 1 attended, 0 did not
    attendance     TEXT CHECK (attendance IN ('attended', 'absent')),  -- the coordinator's record
    hours          REAL,                   -- hours recorded for an attended event
    attendance_by  INTEGER,
    attendance_at  TEXT,
    UNIQUE (event_id, telegram_id)
);
CREATE INDEX registrations_by_event ON event_registrations (event_id, status, queued_at);
CREATE INDEX registrations_by_user ON event_registrations (telegram_id, status);

-- One row per reminder sent or skipped, so none is sent twice, also across restarts.
CREATE TABLE event_reminders (
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    telegram_id    INTEGER NOT NULL,
    offset_minutes INTEGER NOT NULL,
    sent_at        TEXT NOT NULL,
    skipped        INTEGER NOT NULL DEFAULT 0,  -- 1: superseded by a nearer reminder
    PRIMARY KEY (event_id, telegram_id, offset_minutes)
);

-- Who wants to hear about new events: a type and a county (NULL county: anywhere).
CREATE TABLE event_alerts (
    telegram_id INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    event_type  TEXT NOT NULL,
    county      TEXT NOT NULL DEFAULT '*',   -- '*': every county
    PRIMARY KEY (telegram_id, event_type, county)
);

-- Messages about events waiting to be sent, one row per recipient, written in the same
-- transaction as the change they tell about and drained by a job: a new event (to those who
-- opted in), a change, a cancellation, a seat freed up for someone on the waitlist, and the
-- question after an event whether they attended.
CREATE TABLE event_notices (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    telegram_id INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('new', 'changed', 'cancelled', 'promoted', 'attendance')),
    detail      TEXT,                    -- e.g. the fields that changed
    created_at  TEXT NOT NULL,
    not_before  TEXT,                    -- waits for the end of the person's quiet hours
    sent_at     TEXT
);
CREATE INDEX notices_waiting ON event_notices (sent_at, id);
