-- 0016_calendar_item_revision: every write of a calendar item takes the next revision, so a
-- cache of parsed items sees each change. Before, an item's version was its update time (to
-- the second), etag and length: two edits in one second that kept the length (a due date
-- moved from the 4th to the 7th) looked like no change, and the old text was shown.
ALTER TABLE calendar_items ADD COLUMN revision INTEGER NOT NULL DEFAULT 0; -- the write's place in the order of all item writes
