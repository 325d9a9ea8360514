-- Stage two: experts invited to an approved request for support, and those assigned to it.
-- (Its engineer extends this file while it is unreleased; work logs build on `assignments`.)

-- An invitation to one expert, or an expert offering themselves for an open request.
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
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    telegram_id  INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    state        TEXT NOT NULL CHECK (state IN ('active', 'done', 'cancelled')),
    assigned_by  INTEGER NOT NULL,
    assigned_at  TEXT NOT NULL,
    ended_at     TEXT,
    UNIQUE (request_id, telegram_id)
);
CREATE INDEX assignments_by_person ON assignments (telegram_id, state);
