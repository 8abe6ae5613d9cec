//! Task suggestions found in mail (migration 0013).

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

/// A suggestion row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionRow {
    /// Id.
    pub id: i64,
    /// The message.
    pub message_id: i64,
    /// Title.
    pub title: String,
    /// Due or ''.
    pub due: String,
    /// Who asked.
    pub sender: String,
    /// The words that asked.
    pub reason: String,
    /// pending, accepted, dismissed or none.
    pub status: String,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SuggestionRow> {
    Ok(SuggestionRow {
        id: r.get(0)?,
        message_id: r.get(1)?,
        title: r.get(2)?,
        due: r.get(3)?,
        sender: r.get(4)?,
        reason: r.get(5)?,
        status: r.get(6)?,
    })
}

const COLUMNS: &str = "id, message_id, title, due, sender, reason, status";

/// Whether a message was looked at already.
pub fn seen(conn: &Connection, message_id: i64) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT 1 FROM task_suggestions WHERE message_id = ?1",
        [message_id],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
    .map_err(err("Cannot read task suggestions"))
}

/// Records what a message suggested (status `pending`, or `none`).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &Connection,
    message_id: i64,
    title: &str,
    due: &str,
    sender: &str,
    reason: &str,
    status: &str,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO task_suggestions (message_id, title, due, sender, reason, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![message_id, title, due, sender, reason, status, now],
    )
    .map_err(err("Cannot save a task suggestion"))?;
    Ok(())
}

/// The pending suggestions, newest first.
pub fn pending(conn: &Connection) -> Result<Vec<SuggestionRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM task_suggestions WHERE status = 'pending' ORDER BY id DESC"
        ))
        .map_err(err("Cannot read task suggestions"))?;
    stmt.query_map([], row)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot read task suggestions"))
}

/// One suggestion.
pub fn get(conn: &Connection, id: i64) -> Result<Option<SuggestionRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM task_suggestions WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
    .map_err(err("Cannot read a task suggestion"))
}

/// Decides a pending suggestion; false when it was decided already.
pub fn decide(conn: &Connection, id: i64, status: &str) -> Result<bool, StoreError> {
    conn.execute(
        "UPDATE task_suggestions SET status = ?2 WHERE id = ?1 AND status = 'pending'",
        params![id, status],
    )
    .map(|n| n > 0)
    .map_err(err("Cannot update a task suggestion"))
}
