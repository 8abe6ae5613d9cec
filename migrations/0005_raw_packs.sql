-- Raw messages are appended to pack files, one per sync batch, instead of one blob file
-- each (one fsync per batch instead of one per message). A message's raw bytes are either
-- the blob `raw_blob` (messages stored before this) or `size` bytes at `raw_offset` of
-- pack `raw_pack`.
ALTER TABLE messages ADD COLUMN raw_pack TEXT NOT NULL DEFAULT ''; -- pack name ('' when in raw_blob)
ALTER TABLE messages ADD COLUMN raw_offset INTEGER NOT NULL DEFAULT 0; -- byte offset in raw_pack

-- Attachments stay content-addressed (stored once however many messages carry them) but
-- their bytes live in the same packs: a blob key found here is read from its pack; one not
-- found here is a file in the blob store (stored before this).
CREATE TABLE packed_blobs (
    key    TEXT    PRIMARY KEY,                  -- sha256 (hex) of the bytes
    pack   TEXT    NOT NULL,                     -- pack name
    offset INTEGER NOT NULL,                     -- byte offset in the pack
    size   INTEGER NOT NULL                      -- length in bytes
) STRICT, WITHOUT ROWID;
