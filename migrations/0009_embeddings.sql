-- 0009_embeddings: semantic search. Messages are cut into chunks of text, each embedded by the
-- user's embedding provider; the vectors live in `chunks.vector` (little-endian f32) and, as
-- bits for a fast first pass, in a sqlite-vec `vec0` table the core creates for the chosen
-- size (`chunk_bits_<dimensions>`). Like the full-text index this is derived state: changes
-- mark messages in `embed_pending` (same transaction), the embedder clears a mark only with
-- the vectors it wrote, at the version it read.
CREATE TABLE embed_pending (
    message INTEGER PRIMARY KEY,           -- messages.id (may be gone: then its chunks go)
    version INTEGER NOT NULL DEFAULT 1     -- bumped by every further change before it is embedded
) STRICT;

CREATE TABLE chunks (
    id      INTEGER PRIMARY KEY,           -- also the rowid of its bits in chunk_bits_<dims>
    message INTEGER NOT NULL,              -- messages.id (no foreign key: removed through embed_pending)
    ordinal INTEGER NOT NULL,              -- position in the message
    text    TEXT    NOT NULL,              -- what was embedded
    vector  BLOB    NOT NULL               -- the embedding, little-endian f32
) STRICT;

CREATE INDEX chunks_message_idx ON chunks (message, ordinal);

-- Only while semantic search is on (turning it on marks every message without chunks), so
-- sync pays nothing for it otherwise.
CREATE TRIGGER messages_embed_insert AFTER INSERT ON messages
    WHEN (SELECT value FROM settings WHERE key = 'search.embeddings') = 'on' BEGIN
    INSERT INTO embed_pending (message) VALUES (NEW.id)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER messages_embed_update AFTER UPDATE OF subject, from_name, body_text ON messages
    WHEN (SELECT value FROM settings WHERE key = 'search.embeddings') = 'on' BEGIN
    INSERT INTO embed_pending (message) VALUES (NEW.id)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER messages_embed_delete AFTER DELETE ON messages
    WHEN (SELECT value FROM settings WHERE key = 'search.embeddings') = 'on' BEGIN
    INSERT INTO embed_pending (message) VALUES (OLD.id)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;
