-- Stage two: organisations that ask the programme for help, their contact people, and their
-- requests for support (prośby o wsparcie). Assignments of experts (a later part) reference
-- support_requests (id); a request's status is checked by the repository, not by a CHECK, so
-- that part can add its own states ('assigned', 'done', ...) without rebuilding the table.

-- An organisation (NGO, school, sołectwo, ...) as registered, and its verification.
CREATE TABLE organisations (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,    -- an id of the organisation form's kind choices
    county         TEXT,             -- a county id, or the name typed for "other"
    answers        TEXT NOT NULL,    -- JSON: every answer of the organisation form by field id
    status         TEXT NOT NULL CHECK (status IN ('pending', 'needs_info', 'verified', 'rejected')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    decided_at     TEXT,
    decided_by     INTEGER,
    decision_note  TEXT              -- the reason of a rejection
);
CREATE INDEX organisations_by_status ON organisations (status, id);

-- What happened to an organisation: registered, asked, answered, verified, rejected, contact added.
CREATE TABLE organisation_history (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    at              TEXT NOT NULL,
    actor_id        INTEGER,
    action          TEXT NOT NULL,
    note            TEXT
);
CREATE INDEX organisation_history_by_organisation ON organisation_history (organisation_id, id);

-- The people who speak for an organisation. A person may be a contact of an organisation and a
-- volunteer at once; several contacts per organisation. Their consent is in `consents`
-- (kind 'org_contact'), with the version of its text.
CREATE TABLE organisation_contacts (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    telegram_id     INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    email           TEXT,
    phone           TEXT,            -- E.164
    added_how       TEXT NOT NULL CHECK (added_how IN ('registered', 'invited')),
    added_by        INTEGER,         -- who made the invitation (a contact or a coordinator)
    created_at      TEXT NOT NULL,
    UNIQUE (organisation_id, telegram_id)
);
CREATE INDEX organisation_contacts_by_person ON organisation_contacts (telegram_id, organisation_id);

-- When an organisation's last contact is erased while it was never verified, nobody is left to
-- talk to about it: it goes too. A verified one stays (its requests are the programme's record).
CREATE TRIGGER organisation_without_contacts AFTER DELETE ON organisation_contacts
WHEN NOT EXISTS (SELECT 1 FROM organisation_contacts WHERE organisation_id = OLD.organisation_id)
BEGIN
    DELETE FROM organisations WHERE id = OLD.organisation_id AND status != 'verified';
END;

-- One-time links that make whoever opens them a contact of the organisation, until they expire.
CREATE TABLE organisation_invites (
    token           TEXT PRIMARY KEY,  -- random and unguessable
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_by         INTEGER,
    used_at         TEXT
);
CREATE INDEX organisation_invites_by_organisation ON organisation_invites (organisation_id);

-- A request for support from a verified organisation. `contact_id` is who asked (kept as NULL when
-- that person erases their data: the request is the organisation's). An assignment table of the
-- matching part points here: `request_id INTEGER NOT NULL REFERENCES support_requests (id)`.
CREATE TABLE support_requests (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    contact_id      INTEGER REFERENCES organisation_contacts (id) ON DELETE SET NULL,
    support_kind    TEXT NOT NULL,   -- an id of the request form's kind choices
    competences     TEXT NOT NULL,   -- JSON: competence area ids
    county          TEXT,            -- a county id, or the name typed for "other"
    mode            TEXT NOT NULL,   -- 'on_site' or 'online'
    date_from       TEXT NOT NULL,   -- ISO dates, the organisation's calendar
    date_to         TEXT NOT NULL,
    hours           INTEGER NOT NULL,
    description     TEXT NOT NULL,
    answers         TEXT NOT NULL,   -- JSON: every answer of the request form by field id
    status          TEXT NOT NULL,   -- submitted, needs_info, approved, declined, withdrawn (and later states)
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      INTEGER,
    decision_note   TEXT             -- the reason of a decline
);
CREATE INDEX support_requests_by_status ON support_requests (status, id);
CREATE INDEX support_requests_by_organisation ON support_requests (organisation_id, id);
CREATE INDEX support_requests_by_contact ON support_requests (contact_id);

CREATE TABLE support_request_history (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    note        TEXT             -- a question, an answer, a reason; JSON for an edit
);
CREATE INDEX support_request_history_by_request ON support_request_history (request_id, id);

-- Each coordinator's alerts about new organisations and new requests for support (on unless they
-- turn them off, as notify_applications for new applications).
ALTER TABLE coordinator_settings ADD COLUMN notify_organisations INTEGER NOT NULL DEFAULT 1;
ALTER TABLE coordinator_settings ADD COLUMN notify_requests INTEGER NOT NULL DEFAULT 1;
