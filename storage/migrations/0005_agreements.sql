-- Volunteer agreements (porozumienia), their acceptance in chat, signed copies, the individual
-- development plan and attestations (zaświadczenia).

-- One agreement per period of volunteering. `state = 'active'` means in force (other features select
-- "volunteers with an active agreement" with exactly that condition).
CREATE TABLE agreements (
    id               INTEGER PRIMARY KEY,
    telegram_id      INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    application_id   INTEGER REFERENCES applications (id) ON DELETE SET NULL,
    state            TEXT NOT NULL CHECK (state IN
                       ('draft', 'offered', 'accepted', 'signed', 'active', 'ended', 'expired')),
    start_date       TEXT NOT NULL,        -- calendar dates (YYYY-MM-DD) in BOT_TIMEZONE, both inclusive
    end_date         TEXT NOT NULL,
    scope            TEXT,                 -- set by the coordinator; NULL: made from the application and plan
    template_version TEXT,                 -- of the template the text was rendered from (set when offered)
    rendered_text    TEXT,                 -- the exact text offered; frozen from the offer on
    text_sha256      TEXT,                 -- SHA-256 of rendered_text when it was offered
    written_required INTEGER NOT NULL DEFAULT 0,  -- over 30 days: written form (art. 44 ust. 2)
    renewal_of       INTEGER REFERENCES agreements (id) ON DELETE SET NULL,
    created_by       INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    offered_at       TEXT,
    accepted_at      TEXT,
    signed_at        TEXT,                 -- the written copy confirmed by a coordinator
    signed_by        INTEGER,
    signed_how       TEXT,                 -- 'paper' or 'file'
    activated_at     TEXT,
    ended_at         TEXT,
    ended_on         TEXT,                 -- the date the agreement ends (YYYY-MM-DD)
    ended_by         INTEGER,
    end_reason       TEXT,
    -- Reminders already sent (claimed in the same UPDATE that finds them: exactly once).
    offer_reminded_at   TEXT,
    copy_reminded_at    TEXT,
    ending_reminded_at  TEXT
);
CREATE INDEX agreements_by_user ON agreements (telegram_id, id);
CREATE INDEX agreements_by_state ON agreements (state, end_date);
-- At most one agreement being prepared or concluded per person, and at most one in force.
CREATE UNIQUE INDEX one_pending_agreement ON agreements (telegram_id)
    WHERE state IN ('draft', 'offered', 'accepted', 'signed');
CREATE UNIQUE INDEX one_active_agreement ON agreements (telegram_id) WHERE state = 'active';

-- The acceptance in chat (documentary form): who, when, what exactly (hash), the name typed.
CREATE TABLE agreement_acceptances (
    id               INTEGER PRIMARY KEY,
    agreement_id     INTEGER NOT NULL UNIQUE REFERENCES agreements (id) ON DELETE CASCADE,
    telegram_id      INTEGER NOT NULL,
    template_version TEXT NOT NULL,
    text_sha256      TEXT NOT NULL,
    typed_name       TEXT NOT NULL,
    accepted_at      TEXT NOT NULL
);

-- Signed copies sent back in chat. Kept in the database (at most a few MB each, a few per
-- volunteer) so that one backup file holds everything.
CREATE TABLE agreement_files (
    id            INTEGER PRIMARY KEY,
    agreement_id  INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    telegram_id   INTEGER NOT NULL,
    file_name     TEXT NOT NULL,
    mime_type     TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content       BLOB NOT NULL,
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX agreement_files_by_agreement ON agreement_files (agreement_id, id);

CREATE TABLE agreement_history (
    id            INTEGER PRIMARY KEY,
    agreement_id  INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    actor_id      INTEGER,                 -- NULL: the bot (activation, expiry)
    action        TEXT NOT NULL,
    note          TEXT
);
CREATE INDEX agreement_history_by_agreement ON agreement_history (agreement_id, id);

-- The individual development plan: one per volunteer, edited as a working copy; every version
-- sent to the coordinator is kept.
CREATE TABLE development_plans (
    id             INTEGER PRIMARY KEY,
    telegram_id    INTEGER NOT NULL UNIQUE REFERENCES users (telegram_id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'changes_requested')),
    trainings      TEXT NOT NULL DEFAULT '[]',  -- JSON: ["topic:<id>", "event:<id>"]
    areas          TEXT NOT NULL DEFAULT '[]',  -- JSON: competence area ids
    communities    TEXT NOT NULL DEFAULT '',
    goals          TEXT NOT NULL DEFAULT '[]',  -- JSON: one to three texts
    version        INTEGER NOT NULL DEFAULT 0,  -- the last version sent
    comment        TEXT,                        -- the coordinator's last comment
    reviewed_by    INTEGER,
    reviewed_at    TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE plan_versions (
    plan_id       INTEGER NOT NULL REFERENCES development_plans (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    content       TEXT NOT NULL,               -- JSON snapshot of trainings, areas, communities, goals
    submitted_at  TEXT NOT NULL,
    approved_at   TEXT,
    approved_by   INTEGER,
    PRIMARY KEY (plan_id, version)
);

-- Trainings of the plan marked completed (events attended count by themselves).
CREATE TABLE plan_completions (
    plan_id       INTEGER NOT NULL REFERENCES development_plans (id) ON DELETE CASCADE,
    item          TEXT NOT NULL,               -- "topic:<id>" or "event:<id>"
    completed_at  TEXT NOT NULL,
    marked_by     INTEGER,
    PRIMARY KEY (plan_id, item)
);

-- Attestations (zaświadczenia) issued on request, with the coordinator's opinion when given.
CREATE TABLE attestations (
    id             INTEGER PRIMARY KEY,
    telegram_id    INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    agreement_id   INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    requested_at   TEXT NOT NULL,
    rendered_text  TEXT NOT NULL,
    text_sha256    TEXT NOT NULL,
    opinion        TEXT,
    opinion_by     INTEGER,
    opinion_at     TEXT
);
CREATE INDEX attestations_by_user ON attestations (telegram_id, id);
