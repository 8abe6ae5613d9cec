-- 0017_html_from_raw: a message's HTML body is read from its raw copy (kept in a pack) when it
-- is shown, not kept a second time in SQLite. It was about a tenth of a synced mailbox's
-- database and was written twice more (WAL, then checkpoint) on every first sync; only
-- whether there is one stays here, for the reading pane.
ALTER TABLE messages ADD COLUMN has_html INTEGER NOT NULL DEFAULT 0 CHECK (has_html IN (0, 1)); -- an HTML body is in the raw message
UPDATE messages SET has_html = 1 WHERE trim(body_html) <> '';
ALTER TABLE messages DROP COLUMN body_html;
