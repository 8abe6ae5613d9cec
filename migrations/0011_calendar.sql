-- 0011_calendar: the calendars of each account's CalDAV server and their items as the server
-- sent them (the text is the truth; what Orbit shows is read from it), with the sync state.
CREATE TABLE calendars (
    id             INTEGER PRIMARY KEY,                 -- CalendarId
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    href           TEXT    NOT NULL,                    -- the collection's path (opaque)
    name           TEXT    NOT NULL DEFAULT '',         -- display name
    colour         TEXT    NOT NULL DEFAULT '',         -- #RRGGBB[AA], or '' when unset
    sync_token     TEXT    NOT NULL DEFAULT '',         -- RFC 6578 token of the last sync; '' = none
    supports_sync  INTEGER NOT NULL DEFAULT 1 CHECK (supports_sync IN (0, 1)), -- 0 after the server refused sync-collection
    synced_at      TEXT    NOT NULL DEFAULT '',         -- RFC 3339 UTC of the last complete sync
    present        INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)) -- 0 when the last listing no longer had it
) STRICT;

CREATE UNIQUE INDEX calendars_account_href_idx ON calendars (account_id, href);

CREATE TABLE calendar_items (
    id           INTEGER PRIMARY KEY,
    calendar_id  INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    href         TEXT    NOT NULL,                      -- the resource's path (opaque)
    etag         TEXT    NOT NULL DEFAULT '',           -- its version on the server
    uid          TEXT    NOT NULL DEFAULT '',           -- UID of its events ('' when unreadable)
    ics          TEXT    NOT NULL,                      -- the iCalendar text as the server sent it
    parse_error  TEXT    NOT NULL DEFAULT '',           -- why it could not be read ('' when it could): kept, reported
    updated_at   TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX calendar_items_href_idx ON calendar_items (calendar_id, href);

-- Changes made on this computer that wait to reach the server, in order. The item itself is
-- changed at once (so the calendar shows it); this queue survives restarts and drains at the
-- next sync, conditionally (If-None-Match / If-Match), so a change made elsewhere meanwhile is
-- a conflict that keeps both sides, never an overwrite.
CREATE TABLE calendar_changes (
    id           INTEGER PRIMARY KEY,
    calendar_id  INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    href         TEXT    NOT NULL,                      -- the resource
    kind         TEXT    NOT NULL CHECK (kind IN ('create', 'update', 'delete')),
    ics          TEXT    NOT NULL DEFAULT '',           -- what to write ('' for a delete)
    etag         TEXT    NOT NULL DEFAULT '',           -- the version it was made on ('' for a create)
    created_at   TEXT    NOT NULL
) STRICT;

CREATE INDEX calendar_changes_calendar_idx ON calendar_changes (calendar_id, id);
