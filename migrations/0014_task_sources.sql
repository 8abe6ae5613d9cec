-- 0014_task_sources: suggested tasks also come from what the user tells the assistant in chat,
-- and may be found by the model (several per message); the assistant's priority advice per task.
CREATE TABLE task_suggestions_v2 (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    chat_message_id  INTEGER REFERENCES chat_messages (id) ON DELETE CASCADE,
    title            TEXT    NOT NULL DEFAULT '',
    due              TEXT    NOT NULL DEFAULT '',   -- YYYY-MM-DD, '' when none was said
    sender           TEXT    NOT NULL DEFAULT '',   -- who asked
    reason           TEXT    NOT NULL DEFAULT '',   -- the words that asked
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'dismissed', 'none')),
    found_by         TEXT    NOT NULL DEFAULT 'rules' CHECK (found_by IN ('rules', 'model')),
    created_at       TEXT    NOT NULL,
    CHECK ((message_id IS NULL) <> (chat_message_id IS NULL))
) STRICT;

INSERT INTO task_suggestions_v2 (id, message_id, title, due, sender, reason, status, found_by, created_at)
    SELECT id, message_id, title, due, sender, reason, status, 'rules', created_at FROM task_suggestions
    WHERE message_id IN (SELECT id FROM messages);  -- a row left by a message deleted without its cascade goes
DROP TABLE task_suggestions;
ALTER TABLE task_suggestions_v2 RENAME TO task_suggestions;

CREATE INDEX task_suggestions_status_idx ON task_suggestions (status);
CREATE INDEX task_suggestions_message_idx ON task_suggestions (message_id);
CREATE INDEX task_suggestions_chat_idx ON task_suggestions (chat_message_id);

-- The assistant's suggested priority for a task (iCalendar 1–9, 0 none) and why; shown beside
-- the score until the user applies or changes the priority.
CREATE TABLE task_advice (
    uid         TEXT    PRIMARY KEY,
    priority    INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 9),
    reason      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
) STRICT;

-- What the user told the assistant before this version is old news: it is not read for tasks.
INSERT INTO task_suggestions (chat_message_id, status, found_by, created_at)
    SELECT id, 'none', 'rules', created_at FROM chat_messages WHERE role = 'user';
