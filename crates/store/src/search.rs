//! What the search index is derived from (see migration 0008): the messages marked as changed
//! since the index last held them, and each one's document as the index wants it.

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

/// A message marked for (re)indexing, at the version of its mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// messages.id (may be gone).
    pub message: i64,
    /// Bumped by each change since the mark.
    pub version: i64,
}

/// Up to `limit` marked messages, in message order.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<Pending>, StoreError> {
    queue(
        conn,
        "SELECT message, version FROM search_pending ORDER BY message LIMIT ?1",
        limit,
    )
}

/// The marks a queue query (`message, version`, limit as `?1`) reads.
pub(crate) fn queue(
    conn: &Connection,
    sql: &str,
    limit: usize,
) -> Result<Vec<Pending>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(err("Cannot read a work queue"))?;
    let rows = stmt
        .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(Pending {
                message: r.get(0)?,
                version: r.get(1)?,
            })
        })
        .map_err(err("Cannot read a work queue"))?;
    rows.collect::<Result<_, _>>()
        .map_err(err("Cannot read a work queue"))
}

/// Whether any message waits to be indexed (cheaper than counting them).
pub fn any_pending(conn: &Connection) -> Result<bool, StoreError> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM search_pending)", [], |r| {
        r.get(0)
    })
    .map_err(err("Cannot read the search queue"))
}

/// How many messages wait to be indexed.
pub fn pending_count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT count(*) FROM search_pending", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| u64::try_from(n).unwrap_or(0))
    .map_err(err("Cannot count the search queue"))
}

/// Removes the marks the index now holds — only at the version read: a message changed again
/// meanwhile keeps its (newer) mark.
pub fn done(conn: &Connection, indexed: &[Pending]) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached("DELETE FROM search_pending WHERE message = ?1 AND version = ?2")
        .map_err(err("Cannot update the search queue"))?;
    for p in indexed {
        stmt.execute(params![p.message, p.version])
            .map_err(err("Cannot update the search queue"))?;
    }
    Ok(())
}

/// Marks `message`: its document is (re)built. The store's inserts of messages, locations and
/// attachments call this in their own transaction (migration 0018); updates and deletes are
/// marked by triggers.
pub fn mark(conn: &Connection, message: i64) -> Result<(), StoreError> {
    crate::insert_or_update(
        conn,
        "INSERT OR IGNORE INTO search_pending (message) VALUES (?1)",
        "UPDATE search_pending SET version = version + 1 WHERE message = ?1",
        [message],
    )
    .map_err(err("Cannot mark a message for search"))
}

/// Marks every message (a rebuild).
pub fn mark_all(conn: &Connection) -> Result<u64, StoreError> {
    conn.execute(
        "INSERT INTO search_pending (message) SELECT id FROM messages WHERE true
         ON CONFLICT (message) DO UPDATE SET version = version + 1",
        [],
    )
    .map(|n| u64::try_from(n).unwrap_or(0))
    .map_err(err("Cannot mark the messages for search"))
}

/// A message as the search index wants it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocRow {
    /// messages.id.
    pub id: i64,
    /// The Message-ID header (without <>).
    pub message_id: String,
    /// Conversation.
    pub thread_id: i64,
    /// Account.
    pub account_id: i64,
    /// Unix seconds.
    pub date: i64,
    /// Subject.
    pub subject: String,
    /// Sender's name.
    pub from_name: String,
    /// Sender's address.
    pub from_email: String,
    /// `{"to":[{name,email}],…}`.
    pub recipients: String,
    /// Readable text.
    pub body_text: String,
    /// Any non-inline attachment.
    pub has_attachments: bool,
    /// Folders it sits in.
    pub folders: Vec<i64>,
    /// Not seen in any of them.
    pub unread: bool,
    /// Flagged in one of them.
    pub flagged: bool,
    /// Names of its non-inline attachments.
    pub filenames: Vec<String>,
    /// Blob keys of its attachments whose text can be read as is (`text/*`, at most 256 KiB).
    pub text_attachments: Vec<String>,
}

/// Message `id`'s document, or `None` when the message is gone.
pub fn doc(conn: &Connection, id: i64) -> Result<Option<DocRow>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT id, thread_id, account_id, date, subject, from_name, from_email, recipients,
                    body_text, has_attachments, message_id FROM messages WHERE id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([id], |r| {
                Ok(DocRow {
                    id: r.get(0)?,
                    thread_id: r.get(1)?,
                    account_id: r.get(2)?,
                    date: r.get(3)?,
                    subject: r.get(4)?,
                    from_name: r.get(5)?,
                    from_email: r.get(6)?,
                    recipients: r.get(7)?,
                    body_text: r.get(8)?,
                    has_attachments: r.get::<_, i64>(9)? != 0,
                    message_id: r.get(10)?,
                    ..DocRow::default()
                })
            })
            .optional()
        })
        .map_err(err("Cannot read a message for search"))?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    let mut places = conn
        .prepare_cached("SELECT folder_id, seen, flagged FROM message_locations WHERE message = ?1")
        .map_err(err("Cannot read where a message is"))?;
    let mut seen_somewhere = false;
    let mut any_place = false;
    let located = places
        .query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(err("Cannot read where a message is"))?;
    for place in located {
        let (folder, seen, flagged) = place.map_err(err("Cannot read where a message is"))?;
        any_place = true;
        if !row.folders.contains(&folder) {
            row.folders.push(folder);
        }
        seen_somewhere |= seen != 0;
        row.flagged |= flagged != 0;
    }
    row.unread = any_place && !seen_somewhere;
    let mut files = conn
        .prepare_cached(
            "SELECT filename, mime_type, size, blob FROM attachments WHERE message = ?1 AND inline = 0
             ORDER BY ordinal",
        )
        .map_err(err("Cannot read a message's attachments"))?;
    let found = files
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(err("Cannot read a message's attachments"))?;
    for file in found {
        let (name, mime, size, blob) = file.map_err(err("Cannot read a message's attachments"))?;
        if !name.is_empty() {
            row.filenames.push(name);
        }
        if mime.to_ascii_lowercase().starts_with("text/") && size <= 256 * 1024 {
            row.text_attachments.push(blob);
        }
    }
    Ok(Some(row))
}

/// Folder ids of the user's folders called `name` (any case) or with that role.
pub fn folders_named(conn: &Connection, name: &str) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id FROM folders WHERE lower(name) = lower(?1) OR role = lower(?1)
             OR lower(name) LIKE '%/' || lower(?1) OR lower(name) LIKE '%.' || lower(?1)",
        )
        .map_err(err("Cannot look folders up"))?;
    let rows = stmt
        .query_map([name], |r| r.get(0))
        .map_err(err("Cannot look folders up"))?;
    rows.collect::<Result<_, _>>()
        .map_err(err("Cannot look folders up"))
}
