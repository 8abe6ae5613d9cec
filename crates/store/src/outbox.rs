//! The outbox table: messages on their way out (see migration 0006).

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewOutgoing<'a> {
    /// Sending account.
    pub account_id: i64,
    /// Message-ID without `<>`.
    pub message_id: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Envelope sender.
    pub mail_from: &'a str,
    /// Envelope recipients (JSON array).
    pub recipients: &'a str,
    /// RFC 5322 bytes.
    pub raw: &'a [u8],
    /// Unix ms: not before.
    pub send_after: i64,
    /// RFC 3339 now.
    pub now: &'a str,
}

/// An outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Id.
    pub id: i64,
    /// Sending account.
    pub account_id: i64,
    /// Message-ID.
    pub message_id: String,
    /// Subject.
    pub subject: String,
    /// Envelope sender.
    pub mail_from: String,
    /// Envelope recipients (JSON array).
    pub recipients: String,
    /// queued, sending, sent, failed or cancelled.
    pub state: String,
    /// Unix ms: not before.
    pub send_after: i64,
    /// Tries so far.
    pub attempts: i64,
    /// Unix ms: next try.
    pub next_attempt_at: i64,
    /// Why the last try failed.
    pub last_error: String,
    /// The copy in Sent: '', appended, none, failed.
    pub sent_copy: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

const COLUMNS: &str = "id, account_id, message_id, subject, mail_from, recipients, state, \
     send_after, attempts, next_attempt_at, last_error, sent_copy, created_at, updated_at";

fn row(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        message_id: r.get(2)?,
        subject: r.get(3)?,
        mail_from: r.get(4)?,
        recipients: r.get(5)?,
        state: r.get(6)?,
        send_after: r.get(7)?,
        attempts: r.get(8)?,
        next_attempt_at: r.get(9)?,
        last_error: r.get(10)?,
        sent_copy: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

/// Queues a message and returns its id.
pub fn insert(conn: &Connection, m: &NewOutgoing<'_>) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO outbox (account_id, message_id, subject, mail_from, recipients, raw, state,
             send_after, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7, ?8, ?8)",
        params![
            m.account_id,
            m.message_id,
            m.subject,
            m.mail_from,
            m.recipients,
            m.raw,
            m.send_after,
            m.now
        ],
    )
    .map_err(err("Cannot queue a message"))?;
    Ok(conn.last_insert_rowid())
}

/// One item.
pub fn get(conn: &Connection, id: i64) -> Result<Option<OutboxRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
    .map_err(err("Cannot read the outbox"))
}

/// The raw message of an item.
pub fn raw(conn: &Connection, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    conn.query_row("SELECT raw FROM outbox WHERE id = ?1", [id], |r| r.get(0))
        .optional()
        .map_err(err("Cannot read the outbox"))
}

/// Every item, newest first.
pub fn list(conn: &Connection) -> Result<Vec<OutboxRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC"))
        .map_err(err("Cannot read the outbox"))?;
    let rows = stmt
        .query_map([], row)
        .map_err(err("Cannot read the outbox"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read the outbox"))?;
    Ok(rows)
}

/// Queued items whose time has come (`send_after` and `next_attempt_at` passed).
pub fn due(conn: &Connection, now_ms: i64) -> Result<Vec<OutboxRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM outbox
             WHERE state = 'queued' AND send_after <= ?1 AND next_attempt_at <= ?1
             ORDER BY id"
        ))
        .map_err(err("Cannot read the outbox"))?;
    let rows = stmt
        .query_map([now_ms], row)
        .map_err(err("Cannot read the outbox"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read the outbox"))?;
    Ok(rows)
}

/// Moves an item from state `from` to `to`; false when it was not in `from` (someone else
/// moved it first: the undo raced the send, say).
pub fn transition(
    conn: &Connection,
    id: i64,
    from: &str,
    to: &str,
    now: &str,
) -> Result<bool, StoreError> {
    let changed = conn
        .execute(
            "UPDATE outbox SET state = ?3, updated_at = ?4 WHERE id = ?1 AND state = ?2",
            params![id, from, to, now],
        )
        .map_err(err("Cannot update the outbox"))?;
    Ok(changed == 1)
}

/// Records a failed try: back to `state` (queued for a retry at `next_attempt_at`, or failed).
pub fn record_failure(
    conn: &Connection,
    id: i64,
    state: &str,
    next_attempt_at: i64,
    error: &str,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3,
             last_error = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, state, next_attempt_at, error, now],
    )
    .map_err(err("Cannot update the outbox"))?;
    Ok(())
}

/// Records a successful submission.
pub fn record_sent(conn: &Connection, id: i64, now: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_error = '',
             updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )
    .map_err(err("Cannot update the outbox"))?;
    Ok(())
}

/// Records what happened to the copy in Sent.
pub fn set_sent_copy(conn: &Connection, id: i64, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET sent_copy = ?2 WHERE id = ?1",
        params![id, value],
    )
    .map_err(err("Cannot update the outbox"))?;
    Ok(())
}

/// Moves a queued item forward to go at `at` (failed ones are back in the drafts instead).
pub fn requeue(conn: &Connection, id: i64, at: i64, now: &str) -> Result<bool, StoreError> {
    let changed = conn
        .execute(
            "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, send_after = MIN(send_after, ?2),
                 updated_at = ?3 WHERE id = ?1 AND state = 'queued'",
            params![id, at, now],
        )
        .map_err(err("Cannot update the outbox"))?;
    Ok(changed == 1)
}

/// Items left `sending` since before `stale_before` (RFC 3339) by a crash go back to the queue
/// (sending twice beats losing mail).
pub fn recover_sending(conn: &Connection, stale_before: &str) -> Result<usize, StoreError> {
    conn.execute(
        "UPDATE outbox SET state = 'queued' WHERE state = 'sending' AND updated_at < ?1",
        [stale_before],
    )
    .map_err(err("Cannot update the outbox"))
}

/// Whether anything is queued or being sent.
pub fn has_work(conn: &Connection) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE state IN ('queued', 'sending'))",
        [],
        |r| r.get(0),
    )
    .map_err(err("Cannot read the outbox"))
}
