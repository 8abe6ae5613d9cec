-- 0018_marks_without_insert_triggers: a new message, location or attachment is marked for the
-- search index (search_pending) and the embedder (embed_pending) by the statement that stores
-- it (orbit_store::mail::insert_message, insert_attachment, place_new_message), in the same
-- transaction, instead of by an AFTER INSERT trigger. An INSERT that fires a trigger opens a
-- statement journal and copies every page it is about to change into it first, so that it
-- can undo just itself; a first sync paid that for three inserts of every message. Updates
-- and deletes keep their triggers: they are rare, and come from many statements.
DROP TRIGGER locations_search_insert;
DROP TRIGGER attachments_search_insert;
DROP TRIGGER messages_embed_insert;
