//! Calendars and their items (see migration 0011).

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

/// A calendar row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Collection path.
    pub href: String,
    /// Display name.
    pub name: String,
    /// Colour or ''.
    pub colour: String,
    /// Sync token or ''.
    pub sync_token: String,
    /// The server offers sync-collection.
    pub supports_sync: bool,
    /// RFC 3339 or ''.
    pub synced_at: String,
    /// Listed by the server last time.
    pub present: bool,
    /// Items stored.
    pub items: i64,
}

const COLUMNS: &str = "c.id, c.account_id, c.href, c.name, c.colour, c.sync_token, c.supports_sync,
    c.synced_at, c.present, (SELECT count(*) FROM calendar_items i WHERE i.calendar_id = c.id)";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CalendarRow> {
    Ok(CalendarRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        href: r.get(2)?,
        name: r.get(3)?,
        colour: r.get(4)?,
        sync_token: r.get(5)?,
        supports_sync: r.get(6)?,
        synced_at: r.get(7)?,
        present: r.get(8)?,
        items: r.get(9)?,
    })
}

/// Every calendar (of one account, or all).
pub fn calendars(conn: &Connection, account: Option<i64>) -> Result<Vec<CalendarRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM calendars c WHERE (?1 IS NULL OR c.account_id = ?1)
             ORDER BY c.account_id, c.name, c.id"
        ))
        .map_err(err("Cannot list calendars"))?;
    stmt.query_map([account], row)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot list calendars"))
}

/// Records a calendar the server listed (new or known) and returns its id.
pub fn upsert_calendar(
    conn: &Connection,
    account_id: i64,
    href: &str,
    name: &str,
    colour: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO calendars (account_id, href, name, colour) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (account_id, href) DO UPDATE SET name = excluded.name,
             colour = excluded.colour, present = 1",
        params![account_id, href, name, colour],
    )
    .map_err(err("Cannot save a calendar"))?;
    conn.query_row(
        "SELECT id FROM calendars WHERE account_id = ?1 AND href = ?2",
        params![account_id, href],
        |r| r.get(0),
    )
    .map_err(err("Cannot save a calendar"))
}

/// Marks the account's calendars not in `present_ids` as gone from the server (a list kept
/// on this computer, `local:`, is never on a server).
pub fn mark_absent(
    conn: &Connection,
    account_id: i64,
    present_ids: &[i64],
) -> Result<(), StoreError> {
    let list = present_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    conn.execute(
        &format!(
            "UPDATE calendars SET present = 0
             WHERE account_id = ?1 AND href NOT LIKE 'local:%' AND id NOT IN ({})",
            if list.is_empty() {
                "0".to_owned()
            } else {
                list
            }
        ),
        [account_id],
    )
    .map_err(err("Cannot update calendars"))?;
    Ok(())
}

/// Sets a calendar's sync state after a complete sync.
pub fn set_synced(
    conn: &Connection,
    id: i64,
    token: &str,
    supports_sync: bool,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE calendars SET sync_token = ?2, supports_sync = ?3, synced_at = ?4 WHERE id = ?1",
        params![id, token, supports_sync, now],
    )
    .map_err(err("Cannot save a calendar's sync state"))?;
    Ok(())
}

/// Forgets a calendar's sync token (the server refused it).
pub fn clear_token(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("UPDATE calendars SET sync_token = '' WHERE id = ?1", [id])
        .map_err(err("Cannot save a calendar's sync state"))?;
    Ok(())
}

/// `(href, etag)` of every item of a calendar.
pub fn item_etags(
    conn: &Connection,
    calendar_id: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT href, etag FROM calendar_items WHERE calendar_id = ?1")
        .map_err(err("Cannot read calendar items"))?;
    stmt.query_map([calendar_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot read calendar items"))
}

/// An item to store.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    /// Path.
    pub href: &'a str,
    /// ETag.
    pub etag: &'a str,
    /// UID or ''.
    pub uid: &'a str,
    /// Text.
    pub ics: &'a str,
    /// Why it is unreadable, or ''.
    pub parse_error: &'a str,
}

/// Stores an item (replacing the one at its href).
pub fn upsert_item(
    conn: &Connection,
    calendar_id: i64,
    item: &NewItem<'_>,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO calendar_items (calendar_id, href, etag, uid, ics, parse_error, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (calendar_id, href) DO UPDATE SET etag = excluded.etag, uid = excluded.uid,
             ics = excluded.ics, parse_error = excluded.parse_error, updated_at = excluded.updated_at",
        params![calendar_id, item.href, item.etag, item.uid, item.ics, item.parse_error, now],
    )
    .map_err(err("Cannot save a calendar item"))?;
    Ok(())
}

/// Removes an item; whether it was there.
pub fn delete_item(conn: &Connection, calendar_id: i64, href: &str) -> Result<bool, StoreError> {
    conn.execute(
        "DELETE FROM calendar_items WHERE calendar_id = ?1 AND href = ?2",
        params![calendar_id, href],
    )
    .map(|n| n > 0)
    .map_err(err("Cannot remove a calendar item"))
}

/// `(calendar_id, ics)` of every readable item in the present calendars.
pub fn readable_items(conn: &Connection) -> Result<Vec<(i64, String)>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT i.calendar_id, i.ics FROM calendar_items i JOIN calendars c ON c.id = i.calendar_id
             WHERE i.parse_error = '' AND c.present = 1",
        )
        .map_err(err("Cannot read calendar items"))?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot read calendar items"))
}

/// One calendar by id.
pub fn calendar(conn: &Connection, id: i64) -> Result<Option<CalendarRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM calendars c WHERE c.id = ?1"),
        [id],
        row,
    )
    .optional()
    .map_err(err("Cannot read a calendar"))
}

/// A queued local change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// Id.
    pub id: i64,
    /// Calendar.
    pub calendar_id: i64,
    /// Resource.
    pub href: String,
    /// create, update or delete.
    pub kind: String,
    /// What to write.
    pub ics: String,
    /// The version it was made on.
    pub etag: String,
}

/// Queues a change (not for a calendar kept on this computer only).
pub fn queue_change(
    conn: &Connection,
    calendar_id: i64,
    href: &str,
    kind: &str,
    ics: &str,
    etag: &str,
    now: &str,
) -> Result<(), StoreError> {
    // A calendar kept on this computer only (`local:` href) has no server to send to.
    conn.execute(
        "INSERT INTO calendar_changes (calendar_id, href, kind, ics, etag, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6
         WHERE NOT EXISTS (SELECT 1 FROM calendars WHERE id = ?1 AND href LIKE 'local:%')",
        params![calendar_id, href, kind, ics, etag, now],
    )
    .map_err(err("Cannot queue a calendar change"))?;
    Ok(())
}

/// A calendar's queued changes, oldest first.
pub fn changes(conn: &Connection, calendar_id: i64) -> Result<Vec<ChangeRow>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, calendar_id, href, kind, ics, etag FROM calendar_changes
             WHERE calendar_id = ?1 ORDER BY id",
        )
        .map_err(err("Cannot read calendar changes"))?;
    stmt.query_map([calendar_id], |r| {
        Ok(ChangeRow {
            id: r.get(0)?,
            calendar_id: r.get(1)?,
            href: r.get(2)?,
            kind: r.get(3)?,
            ics: r.get(4)?,
            etag: r.get(5)?,
        })
    })
    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
    .map_err(err("Cannot read calendar changes"))
}

/// Drops a change that reached the server (or was settled).
pub fn change_done(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM calendar_changes WHERE id = ?1", [id])
        .map_err(err("Cannot update calendar changes"))?;
    Ok(())
}

/// Sets an item's ETag (after its change reached the server).
pub fn set_item_etag(
    conn: &Connection,
    calendar_id: i64,
    href: &str,
    etag: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE calendar_items SET etag = ?3 WHERE calendar_id = ?1 AND href = ?2",
        params![calendar_id, href, etag],
    )
    .map_err(err("Cannot save a calendar item"))?;
    Ok(())
}

/// An item by its UID: `(calendar_id, href, etag, ics)`.
pub fn item_by_uid(
    conn: &Connection,
    uid: &str,
) -> Result<Option<(i64, String, String, String)>, StoreError> {
    conn.query_row(
        "SELECT calendar_id, href, etag, ics FROM calendar_items WHERE uid = ?1 ORDER BY id LIMIT 1",
        [uid],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()
    .map_err(err("Cannot read a calendar item"))
}

/// `(item id, calendar_id, revision)` of every readable item in the present calendars; the
/// revision changes whenever the item does (for caches of parsed items; migration 0016).
pub fn item_versions(conn: &Connection) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT i.id, i.calendar_id, i.revision
             FROM calendar_items i JOIN calendars c ON c.id = i.calendar_id
             WHERE i.parse_error = '' AND c.present = 1",
        )
        .map_err(err("Cannot read calendar items"))?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot read calendar items"))
}

/// The text of one item by id.
pub fn item_text(conn: &Connection, id: i64) -> Result<Option<String>, StoreError> {
    conn.query_row("SELECT ics FROM calendar_items WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .optional()
    .map_err(err("Cannot read a calendar item"))
}

/// `(calendar_id, ics)` of every readable item of one calendar (or all).
pub fn calendar_texts(
    conn: &Connection,
    calendar_id: Option<i64>,
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT i.calendar_id, i.ics FROM calendar_items i JOIN calendars c ON c.id = i.calendar_id
             WHERE c.present = 1 AND (?1 IS NULL OR i.calendar_id = ?1) ORDER BY i.id",
        )
        .map_err(err("Cannot read calendar items"))?;
    stmt.query_map([calendar_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot read calendar items"))
}

/// Records a reminder as shown; false when it had been shown already.
pub fn reminder_shown(
    conn: &Connection,
    uid: &str,
    occurrence: &str,
    due_at: &str,
    missed: bool,
    now: &str,
) -> Result<bool, StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO calendar_reminders (uid, occurrence, due_at, shown_at, missed)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![uid, occurrence, due_at, now, missed],
    )
    .map(|n| n > 0)
    .map_err(err("Cannot record a reminder"))
}

/// A fingerprint of every readable item in the present calendars: it changes whenever an item
/// is added, changed or removed (its calendar's revision counts every write), or a calendar
/// comes or goes.
pub fn items_fingerprint(conn: &Connection) -> Result<String, StoreError> {
    conn.prepare_cached(
        "SELECT ifnull(group_concat(id || ':' || revision), '') FROM calendars WHERE present = 1",
    )
    .and_then(|mut s| s.query_row([], |r| r.get(0)))
    .map_err(err("Cannot read calendar items"))
}
