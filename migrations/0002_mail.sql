-- 0002_mail: mail synced from IMAP (or imported): folders with their sync cursors, messages,
-- where each message sits on the server, conversations, and attachments.

-- A folder (IMAP mailbox) of an account, with what the last sync of it established.
CREATE TABLE folders (
    id              INTEGER PRIMARY KEY,                 -- FolderId
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- owner
    name            TEXT    NOT NULL,                    -- name as the server spells it (modified UTF-7), used in commands
    delimiter       TEXT    NOT NULL DEFAULT '/',        -- hierarchy delimiter
    role            TEXT    NOT NULL DEFAULT '' CHECK (role IN ('', 'inbox', 'sent', 'drafts', 'archive', 'trash', 'junk', 'all', 'flagged')), -- special use
    selectable      INTEGER NOT NULL DEFAULT 1 CHECK (selectable IN (0, 1)), -- 0 for \Noselect
    uidvalidity     INTEGER NOT NULL DEFAULT 0,          -- UIDVALIDITY the stored UIDs belong to; 0 = never synced
    uidnext         INTEGER NOT NULL DEFAULT 0,          -- UIDNEXT at the last sync
    highestmodseq   INTEGER NOT NULL DEFAULT 0,          -- HIGHESTMODSEQ up to which flags and expunges are applied; 0 = none
    last_uid        INTEGER NOT NULL DEFAULT 0,          -- every UID in [low_uid, last_uid] that the server had is stored
    low_uid         INTEGER NOT NULL DEFAULT 0,          -- the backfill cursor: older UIDs are still to fetch; 0 = not started
    backfill_done   INTEGER NOT NULL DEFAULT 0 CHECK (backfill_done IN (0, 1)), -- 1 when nothing older is left (within the sync window)
    synced_at       TEXT    NOT NULL DEFAULT '',         -- RFC 3339 UTC of the last complete sync
    present         INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)) -- 0 when the last full listing no longer had it
) STRICT;

CREATE UNIQUE INDEX folders_account_name_idx ON folders (account_id, name);

-- A conversation.
CREATE TABLE threads (
    id           INTEGER PRIMARY KEY,                 -- ThreadId
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- owner
    subject_key  TEXT    NOT NULL DEFAULT '',         -- normalised subject, for the guarded subject fallback
    participants TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(participants)), -- lower-cased addresses seen in it (JSON array)
    last_date    INTEGER NOT NULL DEFAULT 0           -- newest message date, Unix seconds
) STRICT;

CREATE INDEX threads_account_subject_idx ON threads (account_id, subject_key);

-- Every Message-ID a conversation knows (its messages' own ids and the ids they reference),
-- so a message referring to any of them joins it.
CREATE TABLE thread_refs (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- owner
    ref        TEXT    NOT NULL,                       -- a Message-ID without angle brackets
    thread_id  INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,  -- the conversation
    PRIMARY KEY (account_id, ref)
) STRICT, WITHOUT ROWID;

CREATE INDEX thread_refs_thread_idx ON thread_refs (thread_id);

-- A distinct message of an account, recognised by its Message-ID wherever it sits.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,                 -- MessageId (ours)
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- owner
    message_id      TEXT    NOT NULL,                    -- Message-ID without <>, or a synthetic 'orbit-…@local' one
    thread_id       INTEGER NOT NULL REFERENCES threads (id), -- its conversation
    subject         TEXT    NOT NULL DEFAULT '',         -- decoded subject
    from_name       TEXT    NOT NULL DEFAULT '',         -- sender's display name
    from_email      TEXT    NOT NULL DEFAULT '',         -- sender's address
    recipients      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(recipients)), -- {"to":[…],"cc":[…],"bcc":[…],"reply_to":[…]} of {name,email}
    date            INTEGER NOT NULL DEFAULT 0,          -- Date header, else INTERNALDATE, Unix seconds
    snippet         TEXT    NOT NULL DEFAULT '',         -- first words of the body
    body_text       TEXT    NOT NULL DEFAULT '',         -- readable plain text
    body_html       TEXT    NOT NULL DEFAULT '',         -- raw HTML as received (sanitised only when shown); '' if none
    has_attachments INTEGER NOT NULL DEFAULT 0 CHECK (has_attachments IN (0, 1)), -- any non-inline attachment
    size            INTEGER NOT NULL DEFAULT 0,          -- raw size in bytes
    raw_blob        TEXT    NOT NULL DEFAULT '',         -- sha256 of the raw message in the blob store
    in_reply_to     TEXT    NOT NULL DEFAULT '',         -- first In-Reply-To id
    refs            TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(refs)), -- References ids (JSON array)
    defects         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(defects)), -- what the parser found odd (JSON array)
    created_at      TEXT    NOT NULL                     -- RFC 3339 UTC when stored
) STRICT;

CREATE UNIQUE INDEX messages_account_message_id_idx ON messages (account_id, message_id);
CREATE INDEX messages_thread_date_idx ON messages (thread_id, date);

-- Where a message is: a folder and a UID, with its flags there. One message may sit in
-- several folders (Gmail labels, a Sent copy the server saved).
CREATE TABLE message_locations (
    id         INTEGER PRIMARY KEY,                 -- LocationId
    message    INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE, -- the message
    folder_id  INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,  -- the folder
    uid        INTEGER NOT NULL,                    -- UID in the folder (under folders.uidvalidity); 0 for local-only (imported)
    modseq     INTEGER NOT NULL DEFAULT 0,          -- MODSEQ of the flags below
    date       INTEGER NOT NULL DEFAULT 0,          -- the message date, copied for the folder listing order
    seen       INTEGER NOT NULL DEFAULT 0 CHECK (seen IN (0, 1)),     -- \Seen
    flagged    INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),  -- \Flagged
    answered   INTEGER NOT NULL DEFAULT 0 CHECK (answered IN (0, 1)), -- \Answered
    draft      INTEGER NOT NULL DEFAULT 0 CHECK (draft IN (0, 1)),    -- \Draft
    keywords   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)) -- other flags and keywords (JSON array)
) STRICT;

CREATE UNIQUE INDEX message_locations_folder_uid_idx ON message_locations (folder_id, uid) WHERE uid > 0;
CREATE INDEX message_locations_folder_date_idx ON message_locations (folder_id, date DESC, id DESC);
CREATE INDEX message_locations_message_idx ON message_locations (message);

-- An attachment (or inline part) of a message; its bytes are in the blob store by sha256.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,                 -- AttachmentId
    message     INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE, -- the message
    ordinal     INTEGER NOT NULL,                    -- position among the message's parts
    filename    TEXT    NOT NULL DEFAULT '',         -- file name as sent ('' when none)
    mime_type   TEXT    NOT NULL DEFAULT 'application/octet-stream', -- content type
    content_id  TEXT    NOT NULL DEFAULT '',         -- Content-ID without <> (for cid: references)
    inline      INTEGER NOT NULL DEFAULT 0 CHECK (inline IN (0, 1)), -- shown inside the body
    size        INTEGER NOT NULL DEFAULT 0,          -- bytes
    blob        TEXT    NOT NULL                     -- sha256 (hex) in the blob store
) STRICT;

CREATE INDEX attachments_message_idx ON attachments (message, ordinal);
CREATE INDEX attachments_blob_idx ON attachments (blob);
