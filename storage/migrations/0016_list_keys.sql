-- The lists a coordinator or volunteer pages through are read by key, not by offset (issue 13,
-- storage/paging.py); these indexes give each list's order, so every page is an index lookup.
--
-- Events not yet ended (or ended recently), by their end: where the catalogue and the
-- coordinators' list begin in events_by_start, without reading the events long past.
CREATE INDEX IF NOT EXISTS events_by_end ON events (status, ends_at, starts_at);
-- A coordinator's own drafts, newest first (/ogloszenia lists them first).
CREATE INDEX IF NOT EXISTS broadcasts_by_author ON broadcasts (created_by, status);
-- The announcements sent, sending or cancelled, newest first, without the drafts of everyone.
CREATE INDEX IF NOT EXISTS broadcasts_sent ON broadcasts (id) WHERE status NOT IN ('draft', 'scheduled');
