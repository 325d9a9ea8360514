-- Audiences (the broadcast composer, new-event alerts) answered from indexes, not by scanning
-- every person with correlated subqueries and parsing JSON per row (164 ms at 100 000 people).
--
-- 1. What a person is, as columns of `users`, kept by the triggers below in the same transaction
--    as the change that alters it (whatever code makes it: the form, a review, retention):
--      expert                 an accepted application
--      awaiting               an application waiting for a decision (submitted or needs_info)
--      under_agreement        an active volunteer agreement
--      latest_application_id  the latest application sent (not a draft): its answers say the
--                             county and the competence areas audiences filter on
-- 2. The answers to the form's choice questions, one row per chosen value (`answer_choices`),
--    for the questions listed in `choice_fields` (set from the organisation file at every start;
--    storage/audience_index.py fills the rows of a question added later).
--
-- The triggers are SQLite's; the PostgreSQL port writes the same rules as trigger functions.

ALTER TABLE users ADD COLUMN expert INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN awaiting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN under_agreement INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN latest_application_id INTEGER;
CREATE INDEX users_by_latest_application ON users (latest_application_id);

-- Who holds an application or agreement in a given state: also an index lookup.
CREATE INDEX applications_by_status_and_person ON applications (status, telegram_id);
CREATE INDEX agreements_by_state_and_person ON agreements (state, telegram_id);
-- Who may hear of a new event: those who chose where from, and the accepted team members.
CREATE INDEX notification_preferences_by_new_events ON notification_preferences (new_events);
CREATE INDEX new_event_counties_by_county ON new_event_counties (county, telegram_id);

CREATE TABLE choice_fields (
    field_id TEXT PRIMARY KEY
);

CREATE TABLE answer_choices (
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    field_id       TEXT NOT NULL,
    value          TEXT NOT NULL,   -- one chosen id (a county, a competence area, ...)
    PRIMARY KEY (application_id, field_id, value)
) WITHOUT ROWID;
CREATE INDEX answer_choices_by_value ON answer_choices (field_id, value, application_id);

-- The people facts, recomputed for the one person a change concerns (index lookups only).
CREATE TRIGGER applications_facts_after_insert AFTER INSERT ON applications BEGIN
    UPDATE users SET
        expert = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = NEW.telegram_id AND a.status = 'accepted'),
        awaiting = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = NEW.telegram_id
                           AND a.status IN ('submitted', 'needs_info')),
        latest_application_id = (SELECT MAX(a.id) FROM applications a WHERE a.telegram_id = NEW.telegram_id
                                 AND a.status != 'draft')
    WHERE telegram_id = NEW.telegram_id;
END;

CREATE TRIGGER applications_facts_after_update AFTER UPDATE OF status, telegram_id ON applications BEGIN
    UPDATE users SET
        expert = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = users.telegram_id AND a.status = 'accepted'),
        awaiting = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = users.telegram_id
                           AND a.status IN ('submitted', 'needs_info')),
        latest_application_id = (SELECT MAX(a.id) FROM applications a WHERE a.telegram_id = users.telegram_id
                                 AND a.status != 'draft')
    WHERE telegram_id IN (OLD.telegram_id, NEW.telegram_id);
END;

CREATE TRIGGER applications_facts_after_delete AFTER DELETE ON applications BEGIN
    UPDATE users SET
        expert = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = OLD.telegram_id AND a.status = 'accepted'),
        awaiting = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = OLD.telegram_id
                           AND a.status IN ('submitted', 'needs_info')),
        latest_application_id = (SELECT MAX(a.id) FROM applications a WHERE a.telegram_id = OLD.telegram_id
                                 AND a.status != 'draft')
    WHERE telegram_id = OLD.telegram_id;
END;

CREATE TRIGGER agreements_facts_after_insert AFTER INSERT ON agreements BEGIN
    UPDATE users SET under_agreement = EXISTS (SELECT 1 FROM agreements g WHERE g.telegram_id = NEW.telegram_id
                                               AND g.state = 'active')
    WHERE telegram_id = NEW.telegram_id;
END;

CREATE TRIGGER agreements_facts_after_update AFTER UPDATE OF state, telegram_id ON agreements BEGIN
    UPDATE users SET under_agreement = EXISTS (SELECT 1 FROM agreements g WHERE g.telegram_id = users.telegram_id
                                               AND g.state = 'active')
    WHERE telegram_id IN (OLD.telegram_id, NEW.telegram_id);
END;

CREATE TRIGGER agreements_facts_after_delete AFTER DELETE ON agreements BEGIN
    UPDATE users SET under_agreement = EXISTS (SELECT 1 FROM agreements g WHERE g.telegram_id = OLD.telegram_id
                                               AND g.state = 'active')
    WHERE telegram_id = OLD.telegram_id;
END;

-- The facts of everyone already here.
UPDATE users SET
    expert = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = users.telegram_id AND a.status = 'accepted'),
    awaiting = EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = users.telegram_id
                       AND a.status IN ('submitted', 'needs_info')),
    latest_application_id = (SELECT MAX(a.id) FROM applications a WHERE a.telegram_id = users.telegram_id
                             AND a.status != 'draft'),
    under_agreement = EXISTS (SELECT 1 FROM agreements g WHERE g.telegram_id = users.telegram_id
                              AND g.state = 'active');

-- The chosen values of a choice question's answer: a JSON string (choice) or the strings of an
-- array (multi_choice); an "other" answer (an object) and a skipped one (NULL) choose nothing.
CREATE TRIGGER answer_choices_after_insert AFTER INSERT ON application_answers
WHEN NEW.field_id IN (SELECT field_id FROM choice_fields) BEGIN
    INSERT OR IGNORE INTO answer_choices (application_id, field_id, value)
    SELECT NEW.application_id, NEW.field_id, je.value
    FROM json_each(CASE WHEN json_valid(NEW.value) THEN NEW.value END) je
    WHERE je.type = 'text' AND (je.key IS NULL OR typeof(je.key) = 'integer');
END;

CREATE TRIGGER answer_choices_after_update AFTER UPDATE OF value ON application_answers
WHEN NEW.field_id IN (SELECT field_id FROM choice_fields) BEGIN
    DELETE FROM answer_choices WHERE application_id = OLD.application_id AND field_id = OLD.field_id;
    INSERT OR IGNORE INTO answer_choices (application_id, field_id, value)
    SELECT NEW.application_id, NEW.field_id, je.value
    FROM json_each(CASE WHEN json_valid(NEW.value) THEN NEW.value END) je
    WHERE je.type = 'text' AND (je.key IS NULL OR typeof(je.key) = 'integer');
END;

CREATE TRIGGER answer_choices_after_delete AFTER DELETE ON application_answers BEGIN
    DELETE FROM answer_choices WHERE application_id = OLD.application_id AND field_id = OLD.field_id;
END;
