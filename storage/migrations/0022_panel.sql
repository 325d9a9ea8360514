-- The coordinators' panel in a browser and as a Telegram Mini App (issue 17).
--
-- Sign-in: a one-time link sent in the chat (/panel) or the Mini App's initData, exchanged for a
-- session. Only hashes of the secrets are stored (SHA-256), so a copy of the database signs
-- nobody in. The role is not stored: it is read from the database on every request.
CREATE TABLE panel_links (
    token_hash  TEXT PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT                    -- usable once: set in the transaction that signs in
);
CREATE INDEX panel_links_by_person ON panel_links (telegram_id);
CREATE INDEX panel_links_by_expiry ON panel_links (expires_at);

CREATE TABLE panel_sessions (
    token_hash  TEXT PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('link', 'mini_app', 'local')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT                    -- signed out, or ended from the chat
);
CREATE INDEX panel_sessions_by_person ON panel_sessions (telegram_id, ended_at);
CREATE INDEX panel_sessions_by_expiry ON panel_sessions (expires_at);

-- A Mini App's initData is exchanged for a session once: the same string again is a replay.
CREATE TABLE panel_init_data (
    data_hash   TEXT PRIMARY KEY,
    used_at     TEXT NOT NULL
);
CREATE INDEX panel_init_data_by_time ON panel_init_data (used_at);

-- The applications table: every sent application in the order sent, whatever its status (the
-- status filter has applications_by_status); with the status, the dashboard's months are counted
-- from the index alone.
CREATE INDEX applications_by_submission ON applications (submitted_at, id, status);
-- The dashboard's team members by county: the team alone, with their latest application.
CREATE INDEX users_in_team ON users (latest_application_id) WHERE expert = 1;
-- The hours of a period (the dashboard's months, everyone's hours): read from the index alone.
CREATE INDEX hours_entries_for_reports ON hours_entries (worked_at, status, telegram_id, hours, source, event_id);

-- Search by name, e-mail and phone: a trigram index (any part of a word, 3 characters or more)
-- of the answers of the questions listed in `search_fields` (set from the organisation file when
-- the panel is first used after a start; storage/application_table.py fills the rows then, a batch
-- at a time, while the triggers below keep every new answer indexed). rowid = application id.
CREATE TABLE search_fields (
    field_id TEXT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('name', 'email', 'phone'))
);
CREATE VIRTUAL TABLE application_search USING fts5(name, email, phone, tokenize = 'trigram');
-- While the index is being filled (in short transactions, after the questions changed): the next
-- application to fill from; no row when it is complete. A restart goes on from there.
CREATE TABLE application_search_fill (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    next_id INTEGER NOT NULL
);

CREATE VIEW application_search_values AS
SELECT a.id AS application_id,
    (SELECT json_extract(aa.value, '$') FROM application_answers aa JOIN search_fields s
        ON s.field_id = aa.field_id AND s.kind = 'name'
        WHERE aa.application_id = a.id AND json_valid(aa.value) AND json_type(aa.value) = 'text') AS name,
    (SELECT json_extract(aa.value, '$') FROM application_answers aa JOIN search_fields s
        ON s.field_id = aa.field_id AND s.kind = 'email'
        WHERE aa.application_id = a.id AND json_valid(aa.value) AND json_type(aa.value) = 'text') AS email,
    (SELECT replace(replace(replace(replace(json_extract(aa.value, '$'), '+', ''), ' ', ''), '-', ''), '.', '')
        FROM application_answers aa JOIN search_fields s
        ON s.field_id = aa.field_id AND s.kind = 'phone'
        WHERE aa.application_id = a.id AND json_valid(aa.value) AND json_type(aa.value) = 'text') AS phone
FROM applications a;

CREATE TRIGGER application_search_after_insert AFTER INSERT ON application_answers
WHEN NEW.field_id IN (SELECT field_id FROM search_fields) BEGIN
    DELETE FROM application_search WHERE rowid = NEW.application_id;
    INSERT INTO application_search (rowid, name, email, phone)
    SELECT application_id, name, email, phone FROM application_search_values
    WHERE application_id = NEW.application_id;
END;

CREATE TRIGGER application_search_after_update AFTER UPDATE OF value ON application_answers
WHEN NEW.field_id IN (SELECT field_id FROM search_fields) BEGIN
    DELETE FROM application_search WHERE rowid = NEW.application_id;
    INSERT INTO application_search (rowid, name, email, phone)
    SELECT application_id, name, email, phone FROM application_search_values
    WHERE application_id = NEW.application_id;
END;

CREATE TRIGGER application_search_after_delete AFTER DELETE ON application_answers
WHEN OLD.field_id IN (SELECT field_id FROM search_fields) BEGIN
    DELETE FROM application_search WHERE rowid = OLD.application_id;
    INSERT INTO application_search (rowid, name, email, phone)
    SELECT application_id, name, email, phone FROM application_search_values
    WHERE application_id = OLD.application_id AND EXISTS (SELECT 1 FROM applications WHERE id = OLD.application_id);
END;

CREATE TRIGGER application_search_after_application_delete AFTER DELETE ON applications BEGIN
    DELETE FROM application_search WHERE rowid = OLD.id;
END;

-- Coordinators' internal notes on an application (the panel shows them to coordinators only).
CREATE TABLE application_notes (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    author_id      INTEGER NOT NULL,
    at             TEXT NOT NULL,
    text           TEXT NOT NULL
);
CREATE INDEX application_notes_by_application ON application_notes (application_id, id);

-- Reasons for not accepting an application, written once and chosen when deciding: Polish is
-- required, English and Ukrainian fall back to it. A template in use is never changed under a
-- decision: the decision keeps the text that was sent.
CREATE TABLE rejection_templates (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    text_pl    TEXT NOT NULL,
    text_en    TEXT,
    text_uk    TEXT,
    updated_by INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

-- Volunteers the organisation already has, imported from a CSV (issue 17, import). Nothing is
-- written before the coordinator confirms the preview; each person then gets a personal link
-- (t.me/<bot>?start=imp_<token>, only its hash kept, usable once) that connects their Telegram
-- account to the record: an accepted application is made from it in the same transaction.
CREATE TABLE import_batches (
    id           INTEGER PRIMARY KEY,
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    people       INTEGER NOT NULL
);

CREATE TABLE imported_people (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    answers      TEXT NOT NULL,          -- JSON: form field id -> answer, as the form stores them
    email        TEXT,                   -- lower case, for finding duplicates
    phone        TEXT,                   -- E.164
    telegram_id  INTEGER,                -- once connected
    linked_at    TEXT,
    application_id INTEGER REFERENCES applications (id) ON DELETE SET NULL
);
CREATE INDEX imported_people_by_batch ON imported_people (batch_id, id);
CREATE INDEX imported_people_by_person ON imported_people (telegram_id);
CREATE INDEX imported_people_by_email ON imported_people (email);
CREATE INDEX imported_people_by_phone ON imported_people (phone);
CREATE INDEX imported_people_by_application ON imported_people (application_id);
