-- 0003_mail_changes: the user's mail changes (flags, moves, deletions) waiting to be sent to
-- the server. They are applied to the local tables at once and queued here; the sync engine
-- sends them, oldest first, before it reads the server, and deletes each row once the server
-- has it. The queue survives restarts and waits for the network.
CREATE TABLE mail_changes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- order of the user's actions
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- owner
    kind            TEXT    NOT NULL CHECK (kind IN ('flag', 'move', 'expunge')), -- what to do
    folder_id       INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE, -- where the message is on the server
    uid             INTEGER NOT NULL,                    -- its UID there
    uidvalidity     INTEGER NOT NULL,                    -- the UIDVALIDITY that UID belongs to (a change voids the entry)
    flag            TEXT    NOT NULL DEFAULT '',         -- for 'flag': \Seen or \Flagged
    value           INTEGER NOT NULL DEFAULT 0 CHECK (value IN (0, 1)), -- for 'flag': set (1) or clear (0)
    dest_folder_id  INTEGER NOT NULL DEFAULT 0,          -- for 'move': the destination folder
    modseq          INTEGER NOT NULL DEFAULT 0,          -- MODSEQ known when the change was made (for UNCHANGEDSINCE); 0 = unknown
    created_at      TEXT    NOT NULL,                    -- RFC 3339 UTC
    attempts        INTEGER NOT NULL DEFAULT 0,          -- failed attempts to send it
    last_error      TEXT    NOT NULL DEFAULT ''          -- why the last attempt failed
) STRICT;

CREATE INDEX mail_changes_account_idx ON mail_changes (account_id, id);
CREATE INDEX mail_changes_folder_uid_idx ON mail_changes (folder_id, uid);
