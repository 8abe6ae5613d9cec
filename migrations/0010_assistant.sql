-- 0010_assistant: chat sessions with the assistant, every request sent to a model (exactly what
-- it saw, what it cost), and the proposals the assistant made that wait for the user's decision.
CREATE TABLE chat_sessions (
    id          INTEGER PRIMARY KEY,                 -- SessionId
    title       TEXT    NOT NULL,                    -- the first question, until renamed
    created_at  TEXT    NOT NULL,                    -- RFC 3339 UTC
    updated_at  TEXT    NOT NULL                     -- RFC 3339 UTC, the last message
) STRICT;

CREATE INDEX chat_sessions_recent_idx ON chat_sessions (updated_at);

-- The conversation as the model keeps it: user questions, answers with their tool calls, and
-- tool results (content is a JSON array of blocks: text, tool_use, tool_result).
CREATE TABLE chat_messages (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('user', 'assistant')),
    content     TEXT    NOT NULL CHECK (json_valid(content)),
    created_at  TEXT    NOT NULL
) STRICT;

CREATE INDEX chat_messages_session_idx ON chat_messages (session_id, id);

-- Each request to a model: the exact JSON body sent ("what the assistant saw"), the usage the
-- provider reported and its estimated cost. Budgets sum these.
CREATE TABLE chat_requests (
    id             INTEGER PRIMARY KEY,
    session_id     INTEGER REFERENCES chat_sessions (id) ON DELETE SET NULL,
    provider       TEXT    NOT NULL,                 -- anthropic, openai
    model          TEXT    NOT NULL,
    body           TEXT    NOT NULL,                 -- the request as sent (no key: keys go in headers)
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    cost_micros    INTEGER NOT NULL DEFAULT 0,       -- estimated US dollars × 1,000,000
    outcome        TEXT    NOT NULL DEFAULT '',      -- the stop reason, or the error's code
    created_at     TEXT    NOT NULL
) STRICT;

CREATE INDEX chat_requests_session_idx ON chat_requests (session_id, id);
CREATE INDEX chat_requests_day_idx ON chat_requests (created_at);

-- What the assistant proposed to do outside Orbit's own drafts (send, move, archive, delete,
-- flag): nothing runs until the user confirms it in the UI or at the CLI.
CREATE TABLE proposals (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER REFERENCES chat_sessions (id) ON DELETE SET NULL,
    tool        TEXT    NOT NULL,                    -- the tool that proposed it
    input       TEXT    NOT NULL CHECK (json_valid(input)), -- what would run, exactly
    summary     TEXT    NOT NULL,                    -- one sentence for people
    warnings    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)), -- why to be careful
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'done', 'rejected', 'failed')),
    outcome     TEXT    NOT NULL DEFAULT '',         -- what happened when it ran, or why it failed
    created_at  TEXT    NOT NULL,
    decided_at  TEXT,
    decided_by  TEXT                                 -- who confirmed or rejected: user (ui or cli)
) STRICT;

CREATE INDEX proposals_pending_idx ON proposals (status) WHERE status = 'pending';

-- With redaction on, addresses and numbers in mail reach a model as placeholders ("[email 1]");
-- this maps them back for the user and for the tools, per session. It never leaves the machine.
CREATE TABLE chat_redactions (
    session_id   INTEGER NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    placeholder  TEXT    NOT NULL,
    original     TEXT    NOT NULL,
    PRIMARY KEY (session_id, placeholder)
) STRICT, WITHOUT ROWID;
