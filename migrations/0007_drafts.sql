-- 0007_drafts: what the user is writing, saved as they type (each save one transaction, so a
-- crash or a kill loses nothing committed), and the copy kept in the server's Drafts folder.
CREATE TABLE drafts (
    id                INTEGER PRIMARY KEY,               -- DraftId
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- sending account
    message_id        TEXT    NOT NULL,                  -- stable Message-ID of the draft's server copies (and of the message once sent)
    kind              TEXT    NOT NULL DEFAULT 'new' CHECK (kind IN ('new', 'reply', 'reply_all', 'forward')),
    reply_to_message  INTEGER REFERENCES messages (id) ON DELETE SET NULL, -- the message answered or forwarded
    to_addrs          TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(to_addrs)),  -- recipients (JSON array of strings)
    cc_addrs          TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(cc_addrs)),
    bcc_addrs         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(bcc_addrs)),
    subject           TEXT    NOT NULL DEFAULT '',
    body              TEXT    NOT NULL DEFAULT '',       -- the text as typed
    attachments       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(attachments)), -- [{filename, mime_type, size, blob}]
    version           INTEGER NOT NULL DEFAULT 1,        -- bumped by every save
    synced_version    INTEGER NOT NULL DEFAULT 0,        -- the version the server copy has
    last_error        TEXT    NOT NULL DEFAULT '',       -- why the last send or server save failed
    created_at        TEXT    NOT NULL,                  -- RFC 3339 UTC
    updated_at        TEXT    NOT NULL                   -- RFC 3339 UTC
) STRICT;

CREATE INDEX drafts_account_idx ON drafts (account_id, updated_at);

-- Server copies of drafts that were sent or discarded, to remove from the Drafts folder at
-- the next sync (written in the same transaction as the send or the discard).
CREATE TABLE draft_removals (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- the account
    message_id  TEXT    NOT NULL,                    -- the draft's Message-ID
    PRIMARY KEY (account_id, message_id)
) STRICT, WITHOUT ROWID;
