//! The drafts table (see migration 0007).

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

/// A draft's fields as the user edits them (lists and attachments as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftFields {
    /// Sending account.
    pub account_id: i64,
    /// new, reply, reply_all or forward.
    pub kind: String,
    /// The message answered or forwarded.
    pub reply_to_message: Option<i64>,
    /// JSON array of strings.
    pub to: String,
    /// JSON array of strings.
    pub cc: String,
    /// JSON array of strings.
    pub bcc: String,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// JSON array of attachments.
    pub attachments: String,
}

/// A draft row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRow {
    /// Id.
    pub id: i64,
    /// Stable Message-ID.
    pub message_id: String,
    /// The fields.
    pub fields: DraftFields,
    /// Bumped by every save.
    pub version: i64,
    /// The version the server copy has.
    pub synced_version: i64,
    /// Why the last send or server save failed.
    pub last_error: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

const COLUMNS: &str = "id, message_id, account_id, kind, reply_to_message, to_addrs, cc_addrs, \
     bcc_addrs, subject, body, attachments, version, synced_version, last_error, created_at, \
     updated_at";

fn row(r: &Row<'_>) -> rusqlite::Result<DraftRow> {
    Ok(DraftRow {
        id: r.get(0)?,
        message_id: r.get(1)?,
        fields: DraftFields {
            account_id: r.get(2)?,
            kind: r.get(3)?,
            reply_to_message: r.get(4)?,
            to: r.get(5)?,
            cc: r.get(6)?,
            bcc: r.get(7)?,
            subject: r.get(8)?,
            body: r.get(9)?,
            attachments: r.get(10)?,
        },
        version: r.get(11)?,
        synced_version: r.get(12)?,
        last_error: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

/// Creates a draft and returns its id.
pub fn insert(
    conn: &Connection,
    message_id: &str,
    f: &DraftFields,
    now: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO drafts (message_id, account_id, kind, reply_to_message, to_addrs, cc_addrs,
             bcc_addrs, subject, body, attachments, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        &with_fields(&message_id, f, &now)[..],
    )
    .map_err(err("Cannot save a draft"))?;
    Ok(conn.last_insert_rowid())
}

/// The parameters `insert` and `update` share: `?1` the key (Message-ID or id), `?2`–`?10`
/// the fields, `?11` now.
fn with_fields<'a>(
    key: &'a dyn rusqlite::ToSql,
    f: &'a DraftFields,
    now: &'a dyn rusqlite::ToSql,
) -> [&'a dyn rusqlite::ToSql; 11] {
    [
        key,
        &f.account_id,
        &f.kind,
        &f.reply_to_message,
        &f.to,
        &f.cc,
        &f.bcc,
        &f.subject,
        &f.body,
        &f.attachments,
        now,
    ]
}

/// Saves new fields; false when there is no such draft.
pub fn update(conn: &Connection, id: i64, f: &DraftFields, now: &str) -> Result<bool, StoreError> {
    let changed = conn
        .execute(
            "UPDATE drafts SET account_id = ?2, kind = ?3, reply_to_message = ?4, to_addrs = ?5,
                 cc_addrs = ?6, bcc_addrs = ?7, subject = ?8, body = ?9, attachments = ?10,
                 version = version + 1, updated_at = ?11
             WHERE id = ?1",
            &with_fields(&id, f, &now)[..],
        )
        .map_err(err("Cannot save a draft"))?;
    Ok(changed == 1)
}

/// One draft.
pub fn get(conn: &Connection, id: i64) -> Result<Option<DraftRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM drafts WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
    .map_err(err("Cannot read a draft"))
}

/// Drafts, most recently edited first (of one account, or all).
pub fn list(conn: &Connection, account_id: Option<i64>) -> Result<Vec<DraftRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM drafts WHERE ?1 IS NULL OR account_id = ?1
             ORDER BY updated_at DESC, id DESC"
        ))
        .map_err(err("Cannot read drafts"))?;
    let rows = stmt
        .query_map([account_id], row)
        .map_err(err("Cannot read drafts"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read drafts"))?;
    Ok(rows)
}

/// Deletes a draft; false when there was none.
pub fn delete(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    let n = conn
        .execute("DELETE FROM drafts WHERE id = ?1", [id])
        .map_err(err("Cannot delete a draft"))?;
    Ok(n == 1)
}

/// Notes why sending or saving to the server failed.
pub fn set_error(conn: &Connection, id: i64, error: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE drafts SET last_error = ?2 WHERE id = ?1",
        params![id, error],
    )
    .map_err(err("Cannot update a draft"))?;
    Ok(())
}

/// Drafts of an account whose server copy is older than the draft.
pub fn unsynced(conn: &Connection, account_id: i64) -> Result<Vec<DraftRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM drafts WHERE account_id = ?1 AND version > synced_version
             ORDER BY id"
        ))
        .map_err(err("Cannot read drafts"))?;
    let rows = stmt
        .query_map([account_id], row)
        .map_err(err("Cannot read drafts"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read drafts"))?;
    Ok(rows)
}

/// Notes that the server has version `version` of a draft.
pub fn set_synced(conn: &Connection, id: i64, version: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE drafts SET synced_version = max(synced_version, ?2) WHERE id = ?1",
        params![id, version],
    )
    .map_err(err("Cannot update a draft"))?;
    Ok(())
}

/// Queues the removal of a draft's server copies.
pub fn add_removal(conn: &Connection, account_id: i64, message_id: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO draft_removals (account_id, message_id) VALUES (?1, ?2)",
        params![account_id, message_id],
    )
    .map_err(err("Cannot queue a draft removal"))?;
    Ok(())
}

/// Message-IDs whose server copies are to be removed.
pub fn removals(conn: &Connection, account_id: i64) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT message_id FROM draft_removals WHERE account_id = ?1")
        .map_err(err("Cannot read draft removals"))?;
    let rows = stmt
        .query_map([account_id], |r| r.get(0))
        .map_err(err("Cannot read draft removals"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read draft removals"))?;
    Ok(rows)
}

/// The removal of a draft's server copies is done.
pub fn removal_done(
    conn: &Connection,
    account_id: i64,
    message_id: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM draft_removals WHERE account_id = ?1 AND message_id = ?2",
        params![account_id, message_id],
    )
    .map_err(err("Cannot update draft removals"))?;
    Ok(())
}
