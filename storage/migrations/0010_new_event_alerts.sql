-- Alerts about new events become one of the notification choices (/powiadomienia): the
-- categories there say which kinds (trainings, events, coalition meetings), this says where.
-- new_events: NULL = the default (accepted team members: the county of their application;
-- others: none), 'all', 'off', or 'counties' (listed in new_event_counties).
ALTER TABLE notification_preferences ADD COLUMN new_events TEXT
    CHECK (new_events IS NULL OR new_events IN ('all', 'off', 'counties'));

CREATE TABLE new_event_counties (
    telegram_id INTEGER NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    county      TEXT NOT NULL,
    PRIMARY KEY (telegram_id, county)
);

-- People who asked for alerts before keep them and their counties ('*': everywhere). Their
-- choice of types has no place of its own any more: the categories choose the kinds.
INSERT OR IGNORE INTO notification_preferences (telegram_id, updated_at)
SELECT DISTINCT telegram_id, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') FROM event_alerts;
UPDATE notification_preferences SET new_events = CASE
    WHEN EXISTS (SELECT 1 FROM event_alerts a WHERE a.telegram_id = notification_preferences.telegram_id
                 AND a.county = '*') THEN 'all' ELSE 'counties' END
WHERE telegram_id IN (SELECT telegram_id FROM event_alerts);
INSERT OR IGNORE INTO new_event_counties (telegram_id, county)
SELECT telegram_id, county FROM event_alerts
WHERE county != '*' AND telegram_id NOT IN (SELECT telegram_id FROM event_alerts WHERE county = '*');

DROP TABLE event_alerts;
