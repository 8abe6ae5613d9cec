-- 0013_tasks: tasks found in mail, offered to the user to accept or dismiss — never created
-- silently. One row per message looked at ('none' when it asked for nothing).
CREATE TABLE task_suggestions (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    title       TEXT    NOT NULL DEFAULT '',
    due         TEXT    NOT NULL DEFAULT '',           -- YYYY-MM-DD or RFC 3339, '' when none was said
    sender      TEXT    NOT NULL DEFAULT '',           -- who asked
    reason      TEXT    NOT NULL DEFAULT '',           -- the words that asked
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'dismissed', 'none')),
    created_at  TEXT    NOT NULL
) STRICT;

CREATE INDEX task_suggestions_status_idx ON task_suggestions (status);
