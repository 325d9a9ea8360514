-- SQLite's JSON functions that the repositories' SQL uses, for PostgreSQL, on JSON kept as TEXT
-- (created or replaced at every start, before the migrations, under the migration lock).
-- Paths: '$', '$.key', '$."key"', '$.a.b', '$[0]'.

CREATE OR REPLACE FUNCTION sqlite_json_path(path TEXT) RETURNS TEXT[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    rest TEXT := regexp_replace(path, '^\$', '');
    parts TEXT[] := '{}';
    found TEXT[];
BEGIN
    WHILE rest <> '' LOOP
        found := regexp_match(rest, '^\."((?:[^"]|"")*)"(.*)$');
        IF found IS NULL THEN
            found := regexp_match(rest, '^\.([^.\[]+)(.*)$');
        END IF;
        IF found IS NULL THEN
            found := regexp_match(rest, '^\[(\d+)\](.*)$');
        END IF;
        IF found IS NULL THEN
            RAISE EXCEPTION 'JSON path not understood: %', path;
        END IF;
        parts := parts || replace(found[1], '""', '"');
        rest := found[2];
    END LOOP;
    RETURN parts;
END;
$$;

CREATE OR REPLACE FUNCTION sqlite_jsonb(doc TEXT) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN doc::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION json_valid(doc TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT doc IS NOT NULL AND sqlite_jsonb(doc) IS NOT NULL;
$$;

-- A string as text, anything else as its JSON text (SQLite gives numbers as numbers).
CREATE OR REPLACE FUNCTION sqlite_json_extract(doc TEXT, path TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT sqlite_jsonb(doc) #>> sqlite_json_path(path);
$$;

CREATE OR REPLACE FUNCTION json_set(doc TEXT, path TEXT, value json) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_set(sqlite_jsonb(doc), sqlite_json_path(path), value::jsonb, true)::text;
$$;

-- The elements of an array (key = position) or the members of an object, as text.
CREATE OR REPLACE FUNCTION json_each(doc TEXT) RETURNS TABLE (key TEXT, value TEXT, type TEXT)
LANGUAGE sql IMMUTABLE AS $$
    SELECT (e.n - 1)::text, e.v #>> '{}', jsonb_typeof(e.v)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(sqlite_jsonb(doc)) = 'array' THEN sqlite_jsonb(doc) END)
         WITH ORDINALITY AS e(v, n)
    UNION ALL
    SELECT o.key, o.value #>> '{}', jsonb_typeof(o.value)
    FROM jsonb_each(CASE WHEN jsonb_typeof(sqlite_jsonb(doc)) = 'object' THEN sqlite_jsonb(doc) END) AS o;
$$;
