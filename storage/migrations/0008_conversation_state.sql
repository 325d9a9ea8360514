-- The one conversation a person is in (at most one), replacing python-telegram-bot's
-- ConversationHandler states and per-user scratch data held in memory.
CREATE TABLE flow_state (
    telegram_id    INTEGER PRIMARY KEY REFERENCES users (telegram_id) ON DELETE CASCADE,
    flow           TEXT NOT NULL,      -- e.g. application, event_form, cancel_event
    step           TEXT NOT NULL,      -- the step waiting for the person's input
    data           TEXT NOT NULL,      -- JSON: the flow's small payload (ids, answers so far)
    version        INTEGER NOT NULL,   -- +1 on every change: a write from a stale read is refused
    message_id     INTEGER,            -- the message with the current step's buttons
    last_update_id INTEGER,            -- updates at or below it were handled (a redelivery is ignored)
    updated_at     TEXT NOT NULL
);
CREATE INDEX flow_state_by_age ON flow_state (updated_at);

-- python-telegram-bot's persistence is retired: conversation states and per-user data now live
-- in flow_state. A conversation half-way through when this runs is simply started again.
DROP TABLE bot_conversations;
DROP TABLE bot_user_data;
DROP TABLE bot_chat_data;
DROP TABLE bot_data;
