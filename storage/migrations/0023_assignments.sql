-- Stage two: experts invited to an approved request for support, and those assigned to it.
-- (Work logs, migration 0024, build on `assignments`.)

-- An invitation to one expert, or an expert offering themselves for an open request.
-- state: waiting (no answer yet) · accepted ("Biorę to") · declined ("Nie tym razem") ·
-- withdrawn (the request was withdrawn or closed before the answer) · closed (not chosen).
CREATE TABLE support_invitations (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    telegram_id INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    origin      TEXT NOT NULL CHECK (origin IN ('invited', 'offered')),
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'accepted', 'declined', 'withdrawn', 'closed')),
    invited_by  INTEGER,              -- the coordinator (NULL: the expert offered themselves)
    created_at  TEXT NOT NULL,
    answered_at TEXT,
    reminded_at TEXT,                 -- the one reminder a coordinator may send
    UNIQUE (request_id, telegram_id)
);
CREATE INDEX support_invitations_by_person ON support_invitations (telegram_id, state);

-- An expert assigned to a request: from here both sides may see each other's contacts.
-- contact_id: the organisation's contact person on the other side (the one who asked, else the
-- first contact); expert_shares: whether the expert lets the organisation see their e-mail and
-- phone (NULL: not answered yet; 0: messages only through the bot, in the thread of kind
-- 'assignment' and subject 'assignment:<id>').
CREATE TABLE assignments (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    telegram_id   INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    state         TEXT NOT NULL CHECK (state IN ('active', 'done', 'cancelled')),
    assigned_by   INTEGER NOT NULL,
    assigned_at   TEXT NOT NULL,
    ended_at      TEXT,
    contact_id    INTEGER REFERENCES organisation_contacts (id) ON DELETE SET NULL,
    expert_shares INTEGER CHECK (expert_shares IN (0, 1)),
    UNIQUE (request_id, telegram_id)
);
CREATE INDEX assignments_by_person ON assignments (telegram_id, state);
CREATE INDEX assignments_by_contact ON assignments (contact_id);

-- The candidates for matching: accepted team members with an active agreement (kept by the
-- triggers of migration 0014), read from this index alone.
CREATE INDEX users_matchable ON users (telegram_id) WHERE expert = 1 AND under_agreement = 1;
