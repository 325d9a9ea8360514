-- Consents (rules, personal data, optional ones), each with the version of the text accepted.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,       -- 'rules', 'privacy' or 'optional:<id>'
    version     TEXT NOT NULL,
    granted     INTEGER NOT NULL,    -- 1 granted, 0 refused or withdrawn
    at          TEXT NOT NULL
);
CREATE INDEX consents_by_user ON consents (telegram_id, kind, id);

-- Applications to the team, their answers and their history.
CREATE TABLE applications (
    id             INTEGER PRIMARY KEY,
    telegram_id    INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN
                     ('draft', 'submitted', 'needs_info', 'accepted', 'rejected', 'withdrawn')),
    cursor         TEXT,             -- the field being asked, while a draft
    back_to_summary INTEGER NOT NULL DEFAULT 0,  -- an edit from the summary returns there
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,    -- the last answer or change
    submitted_at   TEXT,
    decided_at     TEXT,
    decided_by     INTEGER,
    decision_note  TEXT,             -- the reason of a rejection
    reminded_at    TEXT              -- the one reminder about an untouched draft
);
CREATE INDEX applications_by_user ON applications (telegram_id, id);
CREATE INDEX applications_by_status ON applications (status, submitted_at);
-- At most one application in progress per person.
CREATE UNIQUE INDEX one_open_application ON applications (telegram_id)
    WHERE status IN ('draft', 'submitted', 'needs_info');

CREATE TABLE application_answers (
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    field_id       TEXT NOT NULL,
    value          TEXT,             -- JSON; NULL for a skipped optional field
    answered_at    TEXT NOT NULL,
    PRIMARY KEY (application_id, field_id)
);

CREATE TABLE application_history (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    actor_id       INTEGER,          -- who: the volunteer, a coordinator, or NULL for the bot
    action         TEXT NOT NULL,    -- submitted, info_requested, info_given, accepted, rejected, withdrawn
    note           TEXT              -- the question, the answer, or the reason
);
CREATE INDEX history_by_application ON application_history (application_id, id);

CREATE TABLE coordinator_settings (
    telegram_id          INTEGER PRIMARY KEY,
    notify_applications  INTEGER NOT NULL DEFAULT 1
);

-- One-off notices already sent (e.g. "please accept the new rules, version X"), so a restart
-- never sends them twice.
CREATE TABLE notices (
    telegram_id INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (telegram_id, kind, key)
);
