-- 0008_search: the search index (tantivy, in its own directory) is derived from these tables.
-- Every change a search document depends on marks its message here, in the same transaction as
-- the change (triggers), and the indexer removes a mark only after its index commit holds that
-- version — so a crash anywhere leaves the index behind, never silently stale.
CREATE TABLE search_pending (
    message INTEGER PRIMARY KEY,           -- messages.id (the message may be gone: then its document goes)
    version INTEGER NOT NULL DEFAULT 1     -- bumped by every further change before it is indexed
) STRICT;

-- Every message there is now is to be indexed.
INSERT INTO search_pending (message) SELECT id FROM messages;

-- A new message is marked by its first location (stored in the same transaction; a message
-- is only ever reachable through a location), so sync pays for one mark per message.

CREATE TRIGGER messages_search_update AFTER UPDATE OF thread_id, subject, from_name, from_email,
    recipients, date, body_text, has_attachments ON messages BEGIN
    INSERT INTO search_pending (message) VALUES (NEW.id)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO search_pending (message) VALUES (OLD.id)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER locations_search_insert AFTER INSERT ON message_locations BEGIN
    INSERT INTO search_pending (message) VALUES (NEW.message)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER locations_search_update AFTER UPDATE OF message, folder_id, seen, flagged
    ON message_locations BEGIN
    INSERT INTO search_pending (message) VALUES (NEW.message)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
    INSERT INTO search_pending (message) SELECT OLD.message WHERE OLD.message <> NEW.message
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER locations_search_delete AFTER DELETE ON message_locations BEGIN
    INSERT INTO search_pending (message) VALUES (OLD.message)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER attachments_search_insert AFTER INSERT ON attachments BEGIN
    INSERT INTO search_pending (message) VALUES (NEW.message)
        ON CONFLICT (message) DO UPDATE SET version = version + 1;
END;
