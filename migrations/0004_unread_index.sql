-- 0004_unread_index: folder counts (total and unread) read from an index instead of the rows,
-- so the folder list stays quick at 100k messages.
CREATE INDEX message_locations_folder_seen_idx ON message_locations (folder_id, seen);
