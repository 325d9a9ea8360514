-- Conversations between a person and the staff (issue 15): one mechanism for every kind of
-- conversation between people (counselling now; the expert-organisation relay of issue 14 later).
-- A thread is about one person on the outside (telegram_id) and, optionally, a subject
-- ('request:42'); at most one thread of a kind and subject is current (not closed) per person.
CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'counselling',
    subject TEXT,
    telegram_id INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'closed')),
    opened_by INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    assigned_to INTEGER,
    first_answer_at TEXT,
    last_message_at TEXT NOT NULL,
    waiting_since TEXT,
    reminded_at TEXT,
    closed_at TEXT,
    closed_by INTEGER
);
CREATE UNIQUE INDEX threads_current ON threads (telegram_id, kind, COALESCE(subject, ''))
    WHERE state != 'closed';
CREATE INDEX threads_by_person ON threads (telegram_id, id);
-- /pytania: the open ones, longest waiting first; the reminder job: waiting and not reminded.
CREATE INDEX threads_waiting ON threads (state, waiting_since, id);
CREATE INDEX threads_to_remind ON threads (waiting_since) WHERE reminded_at IS NULL AND state = 'open';
CREATE INDEX threads_by_last_message ON threads (last_message_at);

-- Every message of a thread, both ways, as written (escaped when shown). A file is kept as
-- Telegram's file_id only. delivered = 0: it could not reach the person (they blocked the bot).
CREATE TABLE thread_messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    from_person INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
    body TEXT,
    file_id TEXT,
    file_name TEXT,
    sent_at TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX thread_messages_by_thread ON thread_messages (thread_id, id);

-- A text someone wrote outside any conversation, offered to be sent to the coordinators (one
-- tap sends it): kept here so a restart loses nothing; one per person, replaced by the next.
CREATE TABLE thread_offers (
    telegram_id INTEGER PRIMARY KEY,
    content TEXT NOT NULL, -- JSON
    offered_at TEXT NOT NULL
);
CREATE INDEX thread_offers_by_time ON thread_offers (offered_at);

-- The coordinators' forum group an admin linked (one at most), and the topic of each person.
-- problem: why the group cannot be used now (the bot was removed, is not an admin...).
CREATE TABLE staff_group (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    chat_id INTEGER NOT NULL,
    title TEXT,
    linked_by INTEGER NOT NULL,
    linked_at TEXT NOT NULL,
    problem TEXT
);
CREATE TABLE staff_topics (
    telegram_id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX staff_topics_by_topic ON staff_topics (chat_id, topic_id);
