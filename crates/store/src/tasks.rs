//! Task suggestions found in mail and chat (migrations 0013, 0014) and the assistant's priority
//! advice (0014).

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
    /// The mail message, when found in mail.
    pub message_id: Option<i64>,
    /// The chat message, when found in what the user told the assistant.
    pub chat_message_id: Option<i64>,
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
    /// rules or model.
    pub found_by: String,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SuggestionRow> {
    Ok(SuggestionRow {
        id: r.get(0)?,
        message_id: r.get(1)?,
        chat_message_id: r.get(2)?,
        title: r.get(3)?,
        due: r.get(4)?,
        sender: r.get(5)?,
        reason: r.get(6)?,
        status: r.get(7)?,
        found_by: r.get(8)?,
    })
}

const COLUMNS: &str =
    "id, message_id, chat_message_id, title, due, sender, reason, status, found_by";

/// Where a suggestion was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A mail message (`messages.id`).
    Mail(i64),
    /// A message the user wrote to the assistant (`chat_messages.id`).
    Chat(i64),
}

/// A suggestion to record.
#[derive(Debug, Clone, Default)]
pub struct NewSuggestion<'a> {
    /// Title ('' for a `none` row).
    pub title: &'a str,
    /// Due day or ''.
    pub due: &'a str,
    /// Who asked.
    pub sender: &'a str,
    /// The words that asked.
    pub reason: &'a str,
    /// pending or none.
    pub status: &'a str,
    /// rules or model.
    pub found_by: &'a str,
}

/// Whether a message (or chat message) was looked at already.
pub fn seen(conn: &Connection, source: Source) -> Result<bool, StoreError> {
    let (sql, id) = match source {
        Source::Mail(id) => ("SELECT 1 FROM task_suggestions WHERE message_id = ?1", id),
        Source::Chat(id) => (
            "SELECT 1 FROM task_suggestions WHERE chat_message_id = ?1",
            id,
        ),
    };
    conn.query_row(sql, [id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
        .map_err(err("Cannot read task suggestions"))
}

/// Records what a message suggested (status `pending`, or `none` when it asked for nothing).
pub fn insert(
    conn: &Connection,
    source: Source,
    s: &NewSuggestion<'_>,
    now: &str,
) -> Result<(), StoreError> {
    let (message, chat) = match source {
        Source::Mail(id) => (Some(id), None),
        Source::Chat(id) => (None, Some(id)),
    };
    conn.execute(
        "INSERT INTO task_suggestions (message_id, chat_message_id, title, due, sender, reason, status, found_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![message, chat, s.title, s.due, s.sender, s.reason, s.status, s.found_by, now],
    )
    .map_err(err("Cannot save a task suggestion"))?;
    Ok(())
}

/// The user's own chat messages not looked at for tasks yet, newest first: (id, session,
/// content JSON, created_at).
pub fn unscanned_chat(
    conn: &Connection,
    limit: u32,
) -> Result<Vec<(i64, i64, String, String)>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT m.id, m.session_id, m.content, m.created_at FROM chat_messages m
             WHERE m.role = 'user'
               AND NOT EXISTS (SELECT 1 FROM task_suggestions s WHERE s.chat_message_id = m.id)
             ORDER BY m.id DESC LIMIT ?1",
        )
        .map_err(err("Cannot read chat messages"))?;
    stmt.query_map([limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
    .map_err(err("Cannot read chat messages"))
}

/// The session a chat message belongs to.
pub fn chat_session(conn: &Connection, chat_message_id: i64) -> Result<Option<i64>, StoreError> {
    conn.query_row(
        "SELECT session_id FROM chat_messages WHERE id = ?1",
        [chat_message_id],
        |r| r.get(0),
    )
    .optional()
    .map_err(err("Cannot read a chat message"))
}

/// Replaces the assistant's priority advice with these (uid, priority, reason).
pub fn set_advice(
    conn: &Connection,
    advice: &[(String, u8, String)],
    now: &str,
) -> Result<(), StoreError> {
    conn.execute("DELETE FROM task_advice", [])
        .map_err(err("Cannot save priority advice"))?;
    for (uid, priority, reason) in advice {
        conn.execute(
            "INSERT OR REPLACE INTO task_advice (uid, priority, reason, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![uid, priority, reason, now],
        )
        .map_err(err("Cannot save priority advice"))?;
    }
    Ok(())
}

/// The advice for every task that has some: uid → (priority, reason).
pub fn advice(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, (u8, String)>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT uid, priority, reason FROM task_advice")
        .map_err(err("Cannot read priority advice"))?;
    stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .and_then(|rows| rows.collect::<Result<_, _>>())
        .map_err(err("Cannot read priority advice"))
}

/// Forgets the advice for a task (its priority was set, or it is gone).
pub fn clear_advice(conn: &Connection, uid: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM task_advice WHERE uid = ?1", [uid])
        .map_err(err("Cannot clear priority advice"))?;
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
