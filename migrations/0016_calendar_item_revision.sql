-- 0016_calendar_item_revision: caches of parsed calendar items must see every change. Before,
-- an item's version was its update time (to the second), ETag and length, so two edits in
-- one second that kept the length (a due date moved from the 4th to the 7th) looked like no
-- change. Now each calendar counts the writes of its items (triggers, so no write path can
-- forget), and an item keeps the count of its last write.
ALTER TABLE calendars ADD COLUMN revision INTEGER NOT NULL DEFAULT 0; -- writes of its items so far (inserts, updates, deletes); never goes down
ALTER TABLE calendar_items ADD COLUMN revision INTEGER NOT NULL DEFAULT 0; -- its calendar's revision at its last write

CREATE TRIGGER calendar_items_revision_insert AFTER INSERT ON calendar_items BEGIN
    UPDATE calendars SET revision = revision + 1 WHERE id = NEW.calendar_id;
    UPDATE calendar_items SET revision = (SELECT revision FROM calendars WHERE id = NEW.calendar_id)
        WHERE id = NEW.id;
END;

CREATE TRIGGER calendar_items_revision_update
    AFTER UPDATE OF calendar_id, href, etag, uid, ics, parse_error ON calendar_items BEGIN
    UPDATE calendars SET revision = revision + 1 WHERE id = NEW.calendar_id;
    UPDATE calendar_items SET revision = (SELECT revision FROM calendars WHERE id = NEW.calendar_id)
        WHERE id = NEW.id;
END;

CREATE TRIGGER calendar_items_revision_delete AFTER DELETE ON calendar_items BEGIN
    UPDATE calendars SET revision = revision + 1 WHERE id = OLD.calendar_id;
END;
