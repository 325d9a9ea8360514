-- The hours ledger (issue 14, part 5): every confirmed hour a volunteer gave, one row per piece
-- of work, whatever its source: an event attended (kept in step with the attendance by the
-- triggers below, in the transaction of the change, whatever code makes it) and, later, support
-- work on an assignment (a work log becomes an entry when the organisation's contact or a
-- coordinator confirms it: only confirmed hours are written here). An entry is corrected or
-- withdrawn, never deleted while its person exists; every state it had is in hours_entry_history.
--
-- The triggers are SQLite's; the PostgreSQL port writes the same rules as trigger functions.

CREATE TABLE hours_entries (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    source       TEXT NOT NULL CHECK (source IN ('event', 'support')),
    -- event: the event_registrations row; support: the confirmed work log's id
    source_id    INTEGER NOT NULL,
    event_id     INTEGER REFERENCES events (id) ON DELETE SET NULL,
    kind         TEXT NOT NULL,          -- the kind of work: an event type or a kind of support (organisation file ids)
    worked_at    TEXT NOT NULL,          -- UTC: when the work was done (an event's start; a work log's day, local midnight)
    hours        REAL NOT NULL CHECK (hours > 0),
    status       TEXT NOT NULL CHECK (status IN ('confirmed', 'withdrawn')),
    confirmed_by INTEGER,                -- who confirmed or last changed it (a coordinator, an organisation's contact)
    confirmed_at TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    note         TEXT,                   -- why it was corrected or withdrawn, when someone said
    UNIQUE (source, source_id)
);
-- A person's months (Moje godziny, the quota), an event's entries, and everyone's month (coordinators).
CREATE INDEX hours_entries_by_person ON hours_entries (telegram_id, worked_at);
CREATE INDEX hours_entries_by_event ON hours_entries (event_id);
CREATE INDEX hours_entries_by_time ON hours_entries (worked_at, telegram_id);

-- Every state an entry had: the first row when it is made, one more at each correction or withdrawal.
CREATE TABLE hours_entry_history (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES hours_entries (id) ON DELETE CASCADE,
    telegram_id INTEGER NOT NULL,
    hours       REAL NOT NULL,
    status      TEXT NOT NULL,
    changed_by  INTEGER,
    changed_at  TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX hours_entry_history_by_entry ON hours_entry_history (entry_id);
CREATE INDEX hours_entry_history_by_person ON hours_entry_history (telegram_id);

CREATE TRIGGER hours_entry_made AFTER INSERT ON hours_entries BEGIN
    INSERT INTO hours_entry_history (entry_id, telegram_id, hours, status, changed_by, changed_at, note)
    VALUES (NEW.id, NEW.telegram_id, NEW.hours, NEW.status, NEW.confirmed_by, NEW.updated_at, NEW.note);
END;

CREATE TRIGGER hours_entry_changed AFTER UPDATE OF hours, status ON hours_entries
WHEN OLD.hours IS NOT NEW.hours OR OLD.status IS NOT NEW.status BEGIN
    INSERT INTO hours_entry_history (entry_id, telegram_id, hours, status, changed_by, changed_at, note)
    VALUES (NEW.id, NEW.telegram_id, NEW.hours, NEW.status, NEW.confirmed_by, NEW.updated_at, NEW.note);
END;

-- ---- events attended ------------------------------------------------------------------------------
-- An attended seat with hours is a confirmed entry (the coordinator's record is the confirmation);
-- anything else (absent, hours taken away, the seat given back) withdraws it.
CREATE TRIGGER hours_from_attendance AFTER UPDATE OF status, attendance, hours ON event_registrations
WHEN NEW.status = 'registered' AND NEW.attendance IS 'attended' AND COALESCE(NEW.hours, 0) > 0 BEGIN
    INSERT INTO hours_entries
        (telegram_id, source, source_id, event_id, kind, worked_at, hours, status, confirmed_by, confirmed_at, updated_at)
    SELECT NEW.telegram_id, 'event', NEW.id, NEW.event_id, e.type, e.starts_at, NEW.hours, 'confirmed',
           NEW.attendance_by, COALESCE(NEW.attendance_at, NEW.updated_at), COALESCE(NEW.attendance_at, NEW.updated_at)
    FROM events e WHERE e.id = NEW.event_id
    ON CONFLICT (source, source_id) DO UPDATE SET
        hours = excluded.hours, status = 'confirmed', confirmed_by = excluded.confirmed_by,
        confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at, note = NULL
    WHERE hours_entries.hours IS NOT excluded.hours OR hours_entries.status != 'confirmed';
END;

-- A seat written already attended (an import, a repair by hand) counts the same way.
CREATE TRIGGER hours_from_attended_seat AFTER INSERT ON event_registrations
WHEN NEW.status = 'registered' AND NEW.attendance IS 'attended' AND COALESCE(NEW.hours, 0) > 0 BEGIN
    INSERT INTO hours_entries
        (telegram_id, source, source_id, event_id, kind, worked_at, hours, status, confirmed_by, confirmed_at, updated_at)
    SELECT NEW.telegram_id, 'event', NEW.id, NEW.event_id, e.type, e.starts_at, NEW.hours, 'confirmed',
           NEW.attendance_by, COALESCE(NEW.attendance_at, NEW.updated_at), COALESCE(NEW.attendance_at, NEW.updated_at)
    FROM events e WHERE e.id = NEW.event_id
    ON CONFLICT (source, source_id) DO NOTHING;
END;

CREATE TRIGGER hours_withdrawn_with_attendance AFTER UPDATE OF status, attendance, hours ON event_registrations
WHEN NOT (NEW.status = 'registered' AND NEW.attendance IS 'attended' AND COALESCE(NEW.hours, 0) > 0) BEGIN
    UPDATE hours_entries SET status = 'withdrawn', confirmed_by = NEW.attendance_by,
        updated_at = COALESCE(NEW.attendance_at, NEW.updated_at), note = NULL
    WHERE source = 'event' AND source_id = NEW.id AND status = 'confirmed';
END;

CREATE TRIGGER hours_withdrawn_with_registration AFTER DELETE ON event_registrations BEGIN
    UPDATE hours_entries SET status = 'withdrawn', confirmed_by = NULL,
        updated_at = strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'), note = NULL
    WHERE source = 'event' AND source_id = OLD.id AND status = 'confirmed';
END;

-- An event moved or retyped: its entries follow (the month and the kind of work they count in).
CREATE TRIGGER hours_follow_event AFTER UPDATE OF starts_at, type ON events BEGIN
    UPDATE hours_entries SET worked_at = NEW.starts_at, kind = NEW.type
    WHERE event_id = NEW.id AND source = 'event';
END;

-- The attendance recorded before this release.
INSERT INTO hours_entries
    (telegram_id, source, source_id, event_id, kind, worked_at, hours, status, confirmed_by, confirmed_at, updated_at)
SELECT r.telegram_id, 'event', r.id, r.event_id, e.type, e.starts_at, r.hours, 'confirmed', r.attendance_by,
       COALESCE(r.attendance_at, r.updated_at), COALESCE(r.attendance_at, r.updated_at)
FROM event_registrations r JOIN events e ON e.id = r.event_id
WHERE r.status = 'registered' AND r.attendance = 'attended' AND COALESCE(r.hours, 0) > 0;

-- ---- the quota ------------------------------------------------------------------------------------
-- A disability declared for the lower quota: special-category data (GDPR art. 9), kept only with the
-- person's explicit consent, apart from the application, in no CSV; withdrawing the consent deletes
-- the row. The row is the declaration and the consent together.
CREATE TABLE hours_disability_declarations (
    telegram_id     INTEGER PRIMARY KEY REFERENCES users (telegram_id) ON DELETE CASCADE,
    consent_version TEXT NOT NULL,       -- the organisation file's [hours] disability_consent_version
    declared_at     TEXT NOT NULL
);

-- One reminder per person and month (claimed by the insert that marks it: never twice).
CREATE TABLE hours_reminders (
    telegram_id INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    month       TEXT NOT NULL,           -- 'YYYY-MM' in the organisation's time zone
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (telegram_id, month)
) WITHOUT ROWID;
CREATE INDEX hours_reminders_by_month ON hours_reminders (month);
