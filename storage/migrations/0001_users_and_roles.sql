-- Everyone who has written to the bot, and who coordinates.
CREATE TABLE users (
    telegram_id     INTEGER PRIMARY KEY,
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT,
    username        TEXT,
    telegram_locale TEXT,            -- language_code reported by the Telegram client
    chosen_locale   TEXT,            -- set with /jezyk; wins over telegram_locale
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    unreachable_at  TEXT             -- the user blocked the bot; cleared when they write again
);

CREATE TABLE coordinators (
    telegram_id INTEGER PRIMARY KEY,
    added_by    INTEGER,             -- NULL when added from the command line
    added_at    TEXT NOT NULL
);
