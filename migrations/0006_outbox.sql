-- 0006_outbox: mail on its way out. A message waits here from the moment the user sends it:
-- through the undo window (send_after), the SMTP submission with retries, and the copy saved
-- to the Sent folder. It survives restarts; nothing is lost if the network is down.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,                 -- OutboxId
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- sending account
    message_id      TEXT    NOT NULL,                    -- Message-ID (without <>)
    subject         TEXT    NOT NULL DEFAULT '',         -- for lists
    mail_from       TEXT    NOT NULL,                    -- envelope sender
    recipients      TEXT    NOT NULL CHECK (json_valid(recipients)), -- envelope recipients (JSON array, Bcc included)
    raw             BLOB    NOT NULL,                    -- the RFC 5322 message as it is sent
    state           TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    send_after      INTEGER NOT NULL,                    -- unix ms: not before this (the undo window)
    attempts        INTEGER NOT NULL DEFAULT 0,          -- submissions tried
    next_attempt_at INTEGER NOT NULL DEFAULT 0,          -- unix ms: next try (backoff)
    last_error      TEXT    NOT NULL DEFAULT '',         -- why the last try failed
    sent_copy       TEXT    NOT NULL DEFAULT '' CHECK (sent_copy IN ('', 'appended', 'none', 'failed')), -- the copy in Sent
    created_at      TEXT    NOT NULL,                    -- RFC 3339 UTC
    updated_at      TEXT    NOT NULL                     -- RFC 3339 UTC
) STRICT;

CREATE INDEX outbox_state_idx ON outbox (state, next_attempt_at);
