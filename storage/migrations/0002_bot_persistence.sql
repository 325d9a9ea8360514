-- python-telegram-bot's persistence: conversation states and per-user scratch data, as JSON.
CREATE TABLE bot_conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,             -- JSON array, e.g. [chat_id, user_id]
    state TEXT NOT NULL,             -- JSON value
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

CREATE TABLE bot_user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE bot_chat_data (
    chat_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE bot_data (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
