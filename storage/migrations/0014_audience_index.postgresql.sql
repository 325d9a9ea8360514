-- 0014_audience_index for PostgreSQL: the same tables and indexes as the SQLite file, and its
-- triggers as plpgsql trigger functions doing the same (SQLite's trigger bodies do not translate).

ALTER TABLE users ADD COLUMN expert BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN awaiting BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN under_agreement BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN latest_application_id BIGINT;
CREATE INDEX users_by_latest_application ON users (latest_application_id NULLS FIRST);

CREATE INDEX applications_by_status_and_person ON applications (status NULLS FIRST, telegram_id NULLS FIRST);
CREATE INDEX agreements_by_state_and_person ON agreements (state NULLS FIRST, telegram_id NULLS FIRST);
CREATE INDEX notification_preferences_by_new_events ON notification_preferences (new_events NULLS FIRST);
CREATE INDEX new_event_counties_by_county ON new_event_counties (county NULLS FIRST, telegram_id NULLS FIRST);

CREATE TABLE choice_fields (field_id TEXT PRIMARY KEY);

CREATE TABLE answer_choices (
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    field_id       TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (application_id, field_id, value)
);
CREATE INDEX answer_choices_by_value ON answer_choices (field_id NULLS FIRST, value NULLS FIRST, application_id NULLS FIRST);

-- The people facts of one person, recomputed from the source tables (index lookups only).
CREATE FUNCTION audience_person_facts(person BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE users SET
        expert = (EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = person AND a.status = 'accepted'))::int,
        awaiting = (EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = person
                            AND a.status IN ('submitted', 'needs_info')))::int,
        latest_application_id = (SELECT MAX(a.id) FROM applications a WHERE a.telegram_id = person
                                 AND a.status != 'draft')
    WHERE telegram_id = person;
$$;

CREATE FUNCTION audience_person_agreement(person BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE users SET under_agreement = (EXISTS (SELECT 1 FROM agreements g WHERE g.telegram_id = person
                                                AND g.state = 'active'))::int
    WHERE telegram_id = person;
$$;

CREATE FUNCTION applications_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM audience_person_facts(OLD.telegram_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.telegram_id IS DISTINCT FROM OLD.telegram_id) THEN
        PERFORM audience_person_facts(NEW.telegram_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER applications_facts_after_insert AFTER INSERT ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_facts();
CREATE TRIGGER applications_facts_after_update AFTER UPDATE OF status, telegram_id ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_facts();
CREATE TRIGGER applications_facts_after_delete AFTER DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_facts();

CREATE FUNCTION agreements_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM audience_person_agreement(OLD.telegram_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.telegram_id IS DISTINCT FROM OLD.telegram_id) THEN
        PERFORM audience_person_agreement(NEW.telegram_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER agreements_facts_after_insert AFTER INSERT ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_facts();
CREATE TRIGGER agreements_facts_after_update AFTER UPDATE OF state, telegram_id ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_facts();
CREATE TRIGGER agreements_facts_after_delete AFTER DELETE ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_facts();

-- The facts of everyone already here.
UPDATE users SET
    expert = (EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = users.telegram_id AND a.status = 'accepted'))::int,
    awaiting = (EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = users.telegram_id
                        AND a.status IN ('submitted', 'needs_info')))::int,
    latest_application_id = (SELECT MAX(a.id) FROM applications a WHERE a.telegram_id = users.telegram_id
                             AND a.status != 'draft'),
    under_agreement = (EXISTS (SELECT 1 FROM agreements g WHERE g.telegram_id = users.telegram_id
                               AND g.state = 'active'))::int;

-- The chosen values of a choice answer (JSON): a string (choice) or the strings of an array
-- (multi_choice); an "other" answer (an object), a skipped one (NULL) or text that is not JSON
-- chooses nothing (SQLite's json_valid).
CREATE FUNCTION answer_chosen_values(answer TEXT) RETURNS SETOF TEXT LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    parsed jsonb;
BEGIN
    IF answer IS NULL THEN
        RETURN;
    END IF;
    BEGIN
        parsed := answer::jsonb;
    EXCEPTION WHEN others THEN
        RETURN;
    END;
    IF jsonb_typeof(parsed) = 'string' THEN
        RETURN NEXT parsed #>> '{}';
    ELSIF jsonb_typeof(parsed) = 'array' THEN
        RETURN QUERY SELECT e #>> '{}' FROM jsonb_array_elements(parsed) e WHERE jsonb_typeof(e) = 'string';
    END IF;
END;
$$;

CREATE FUNCTION answer_choices_index() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM answer_choices WHERE application_id = OLD.application_id AND field_id = OLD.field_id;
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM choice_fields WHERE field_id = NEW.field_id) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM answer_choices WHERE application_id = OLD.application_id AND field_id = OLD.field_id;
    END IF;
    INSERT INTO answer_choices (application_id, field_id, value)
    SELECT NEW.application_id, NEW.field_id, v FROM answer_chosen_values(NEW.value) v
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER answer_choices_after_insert AFTER INSERT ON application_answers
    FOR EACH ROW EXECUTE FUNCTION answer_choices_index();
CREATE TRIGGER answer_choices_after_update AFTER UPDATE OF value ON application_answers
    FOR EACH ROW EXECUTE FUNCTION answer_choices_index();
CREATE TRIGGER answer_choices_after_delete AFTER DELETE ON application_answers
    FOR EACH ROW EXECUTE FUNCTION answer_choices_index();
