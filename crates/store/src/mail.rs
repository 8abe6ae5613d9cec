//! The mail tables: folders with their sync cursors, messages (one per Message-ID and
//! account), their locations (folder + UID + flags), conversations and attachments.

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::StoreError;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

/// A folder and its sync cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderRow {
    /// Row id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Server name.
    pub name: String,
    /// Hierarchy delimiter.
    pub delimiter: String,
    /// Special use ('' when none).
    pub role: String,
    /// Selectable.
    pub selectable: bool,
    /// The sync cursor.
    pub cursor: Cursor,
    /// Still listed by the server.
    pub present: bool,
}

/// What the last sync of a folder established.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// UIDVALIDITY of the stored UIDs (0: never synced).
    pub uidvalidity: u32,
    /// UIDNEXT at the last sync.
    pub uidnext: u32,
    /// HIGHESTMODSEQ applied.
    pub highestmodseq: u64,
    /// Top of the stored UID range.
    pub last_uid: u32,
    /// Bottom of the stored UID range (the backfill cursor).
    pub low_uid: u32,
    /// Nothing older is left to fetch.
    pub backfill_done: bool,
    /// RFC 3339 of the last complete sync.
    pub synced_at: String,
}

const FOLDER_COLUMNS: &str = "id, account_id, name, delimiter, role, selectable, uidvalidity, \
     uidnext, highestmodseq, last_uid, low_uid, backfill_done, synced_at, present";

fn folder_row(row: &Row<'_>) -> rusqlite::Result<FolderRow> {
    Ok(FolderRow {
        id: row.get(0)?,
        account_id: row.get(1)?,
        name: row.get(2)?,
        delimiter: row.get(3)?,
        role: row.get(4)?,
        selectable: row.get(5)?,
        cursor: Cursor {
            uidvalidity: row.get(6)?,
            uidnext: row.get(7)?,
            highestmodseq: u64::try_from(row.get::<_, i64>(8)?).unwrap_or(0),
            last_uid: row.get(9)?,
            low_uid: row.get(10)?,
            backfill_done: row.get(11)?,
            synced_at: row.get(12)?,
        },
        present: row.get(13)?,
    })
}

/// An account's folders, inbox first, then by role and name.
pub fn folders(conn: &Connection, account_id: i64) -> Result<Vec<FolderRow>, StoreError> {
    let sql = format!(
        "SELECT {FOLDER_COLUMNS} FROM folders WHERE account_id = ?1
         ORDER BY role <> 'inbox', role = '', name COLLATE NOCASE"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(err("Cannot list folders"))?;
    let rows = stmt
        .query_map([account_id], folder_row)
        .map_err(err("Cannot list folders"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot list folders"))?;
    Ok(rows)
}

/// One folder.
pub fn folder(conn: &Connection, id: i64) -> Result<Option<FolderRow>, StoreError> {
    let sql = format!("SELECT {FOLDER_COLUMNS} FROM folders WHERE id = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row([id], folder_row).optional())
        .map_err(err("Cannot read a folder"))
}

/// Adds or updates a listed folder (keeping its cursor) and returns its id.
pub fn upsert_folder(
    conn: &Connection,
    account_id: i64,
    name: &str,
    delimiter: &str,
    role: &str,
    selectable: bool,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO folders (account_id, name, delimiter, role, selectable, present)
         VALUES (?1, ?2, ?3, ?4, ?5, 1)
         ON CONFLICT (account_id, name) DO UPDATE SET delimiter = excluded.delimiter,
             role = excluded.role, selectable = excluded.selectable, present = 1
         RETURNING id",
    )
    .and_then(|mut s| {
        s.query_row(
            params![account_id, name, delimiter, role, selectable],
            |r| r.get(0),
        )
    })
    .map_err(err("Cannot save a folder"))
}

/// The id of an account's folder `name`, creating it (with no special use) if needed.
pub fn upsert_folder_keep_role(
    conn: &Connection,
    account_id: i64,
    name: &str,
) -> Result<i64, StoreError> {
    let existing: Option<i64> = conn
        .prepare_cached("SELECT id FROM folders WHERE account_id = ?1 AND name = ?2")
        .and_then(|mut s| {
            s.query_row(params![account_id, name], |r| r.get(0))
                .optional()
        })
        .map_err(err("Cannot read a folder"))?;
    match existing {
        Some(id) => Ok(id),
        None => upsert_folder(conn, account_id, name, "/", "", true),
    }
}

/// Marks folders the server no longer lists as absent (never deleting their mail: a listing
/// can be partial). Call only after a complete, successful listing.
pub fn mark_absent(
    conn: &Connection,
    account_id: i64,
    listed: &[String],
) -> Result<(), StoreError> {
    let placeholders = vec!["?"; listed.len()].join(",");
    let sql = if listed.is_empty() {
        "UPDATE folders SET present = 0 WHERE account_id = ?".to_owned()
    } else {
        format!(
            "UPDATE folders SET present = 0 WHERE account_id = ? AND name NOT IN ({placeholders})"
        )
    };
    let mut args: Vec<rusqlite::types::Value> = vec![account_id.into()];
    args.extend(
        listed
            .iter()
            .map(|n| rusqlite::types::Value::Text(n.clone())),
    );
    conn.execute(&sql, params_from_iter(args))
        .map_err(err("Cannot update folders"))?;
    Ok(())
}

/// Saves a folder's cursor.
pub fn set_cursor(conn: &Connection, folder_id: i64, cursor: &Cursor) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4, last_uid = ?5,
             low_uid = ?6, backfill_done = ?7, synced_at = ?8 WHERE id = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            folder_id,
            cursor.uidvalidity,
            cursor.uidnext,
            i64::try_from(cursor.highestmodseq).unwrap_or(i64::MAX),
            cursor.last_uid,
            cursor.low_uid,
            cursor.backfill_done,
            cursor.synced_at,
        ])
    })
    .map_err(err("Cannot save the sync cursor"))?;
    Ok(())
}

/// Flags of a message in one folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// \Seen.
    pub seen: bool,
    /// \Flagged.
    pub flagged: bool,
    /// \Answered.
    pub answered: bool,
    /// \Draft.
    pub draft: bool,
    /// Every other flag or keyword, sorted.
    pub keywords: Vec<String>,
}

impl Flags {
    /// From IMAP flag names.
    pub fn from_imap(flags: &[String]) -> Self {
        let mut out = Flags::default();
        for flag in flags {
            match flag.to_ascii_lowercase().as_str() {
                "\\seen" => out.seen = true,
                "\\flagged" => out.flagged = true,
                "\\answered" => out.answered = true,
                "\\draft" => out.draft = true,
                "\\recent" | "\\deleted" => {}
                _ => out.keywords.push(flag.clone()),
            }
        }
        out.keywords.sort();
        out.keywords.dedup();
        out
    }
}

/// A location of a message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationRow {
    /// Row id.
    pub id: i64,
    /// The message.
    pub message: i64,
    /// UID.
    pub uid: u32,
    /// MODSEQ.
    pub modseq: u64,
    /// Flags.
    pub flags: Flags,
}

/// Every location in a folder with a UID, by UID.
pub fn locations(conn: &Connection, folder_id: i64) -> Result<Vec<LocationRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, message, uid, modseq, seen, flagged, answered, draft, keywords
             FROM message_locations WHERE folder_id = ?1 AND uid > 0 ORDER BY uid",
        )
        .map_err(err("Cannot read a folder's messages"))?;
    let rows = stmt
        .query_map([folder_id], |row| {
            let keywords: String = row.get(8)?;
            Ok(LocationRow {
                id: row.get(0)?,
                message: row.get(1)?,
                uid: row.get(2)?,
                modseq: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
                flags: Flags {
                    seen: row.get(4)?,
                    flagged: row.get(5)?,
                    answered: row.get(6)?,
                    draft: row.get(7)?,
                    keywords: serde_json::from_str(&keywords).unwrap_or_default(),
                },
            })
        })
        .map_err(err("Cannot read a folder's messages"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read a folder's messages"))?;
    Ok(rows)
}

/// Puts a message at `folder_id`/`uid` with `flags` (replacing what was at that UID). The
/// `uid > 0` terms let SQLite use the partial unique index on (folder_id, uid). A `date`
/// of 0 takes the message's own date.
pub fn put_location(
    conn: &Connection,
    message: i64,
    folder_id: i64,
    uid: u32,
    modseq: u64,
    date: i64,
    flags: &Flags,
) -> Result<i64, StoreError> {
    if uid > 0 {
        // A local move placed it here without a UID; the server's copy replaces that. Found by
        // message: left to itself SQLite picks the (folder_id, seen) index and scans the folder.
        conn.prepare_cached(
            "DELETE FROM message_locations INDEXED BY message_locations_message_idx
             WHERE message = ?2 AND folder_id = ?1 AND uid = 0",
        )
        .and_then(|mut s| s.execute(params![folder_id, message]))
        .map_err(err("Cannot place a message"))?;
    }
    place_new_message(conn, message, folder_id, uid, modseq, date, flags)
}

/// [`put_location`] for a message stored in this same transaction, which has no location
/// yet (so no local, UID-less one to replace).
pub fn place_new_message(
    conn: &Connection,
    message: i64,
    folder_id: i64,
    uid: u32,
    modseq: u64,
    date: i64,
    flags: &Flags,
) -> Result<i64, StoreError> {
    let keywords = serde_json::to_string(&flags.keywords).unwrap_or_else(|_| "[]".into());
    if uid > 0 {
        conn.prepare_cached(
            "DELETE FROM message_locations WHERE folder_id = ?1 AND uid = ?2 AND uid > 0",
        )
        .and_then(|mut s| s.execute(params![folder_id, uid]))
        .map_err(err("Cannot place a message"))?;
    }
    conn.prepare_cached(
        "INSERT INTO message_locations (message, folder_id, uid, modseq, date, seen, flagged,
             answered, draft, keywords)
         VALUES (?1, ?2, ?3, ?4,
             CASE WHEN ?5 = 0 THEN (SELECT date FROM messages WHERE id = ?1) ELSE ?5 END,
             ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            message,
            folder_id,
            uid,
            i64::try_from(modseq).unwrap_or(i64::MAX),
            date,
            flags.seen,
            flags.flagged,
            flags.answered,
            flags.draft,
            keywords,
        ])
    })
    .map_err(err("Cannot place a message"))?;
    let location = conn.last_insert_rowid();
    crate::search::mark(conn, message)?;
    Ok(location)
}

/// Sets the flags of the message at `folder_id`/`uid`. Returns whether it exists.
pub fn set_flags(
    conn: &Connection,
    folder_id: i64,
    uid: u32,
    modseq: u64,
    flags: &Flags,
) -> Result<bool, StoreError> {
    let keywords = serde_json::to_string(&flags.keywords).unwrap_or_else(|_| "[]".into());
    let changed = conn
        .prepare_cached(
            "UPDATE message_locations SET modseq = ?3, seen = ?4, flagged = ?5, answered = ?6,
                 draft = ?7, keywords = ?8 WHERE folder_id = ?1 AND uid = ?2 AND uid > 0",
        )
        .and_then(|mut s| {
            s.execute(params![
                folder_id,
                uid,
                i64::try_from(modseq).unwrap_or(i64::MAX),
                flags.seen,
                flags.flagged,
                flags.answered,
                flags.draft,
                keywords
            ])
        })
        .map_err(err("Cannot update flags"))?;
    Ok(changed > 0)
}

/// Removes the messages at `uids` from a folder; a message left in no folder is deleted.
/// Returns how many locations went.
pub fn remove_uids(conn: &Connection, folder_id: i64, uids: &[u32]) -> Result<usize, StoreError> {
    let mut removed = 0;
    let mut find = conn
        .prepare_cached(
            "SELECT id, message FROM message_locations WHERE folder_id = ?1 AND uid = ?2 AND uid > 0",
        )
        .map_err(err("Cannot remove messages"))?;
    let mut delete = conn
        .prepare_cached("DELETE FROM message_locations WHERE id = ?1")
        .map_err(err("Cannot remove messages"))?;
    let mut orphan = conn
        .prepare_cached(
            "DELETE FROM messages WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM message_locations WHERE message = ?1)",
        )
        .map_err(err("Cannot remove messages"))?;
    for uid in uids {
        let found: Option<(i64, i64)> = find
            .query_row(params![folder_id, uid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(err("Cannot remove messages"))?;
        if let Some((location, message)) = found {
            delete
                .execute([location])
                .map_err(err("Cannot remove messages"))?;
            orphan
                .execute([message])
                .map_err(err("Cannot remove messages"))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Empties a folder (its UIDs are no longer valid) and resets its cursor to `uidvalidity`.
pub fn reset_folder(
    conn: &Connection,
    folder_id: i64,
    uidvalidity: u32,
) -> Result<usize, StoreError> {
    let uids: Vec<u32> = locations(conn, folder_id)?
        .into_iter()
        .map(|l| l.uid)
        .collect();
    let removed = remove_uids(conn, folder_id, &uids)?;
    set_cursor(
        conn,
        folder_id,
        &Cursor {
            uidvalidity,
            ..Cursor::default()
        },
    )?;
    Ok(removed)
}

/// The id of an account's message with this Message-ID.
pub fn message_by_message_id(
    conn: &Connection,
    account_id: i64,
    message_id: &str,
) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached("SELECT id FROM messages WHERE account_id = ?1 AND message_id = ?2")
        .and_then(|mut s| {
            s.query_row(params![account_id, message_id], |r| r.get(0))
                .optional()
        })
        .map_err(err("Cannot look a message up"))
}

/// A message to insert.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Owner.
    pub account_id: i64,
    /// Message-ID (or synthetic).
    pub message_id: &'a str,
    /// Conversation.
    pub thread_id: i64,
    /// Subject.
    pub subject: &'a str,
    /// Sender name.
    pub from_name: &'a str,
    /// Sender address.
    pub from_email: &'a str,
    /// Recipients JSON.
    pub recipients: &'a str,
    /// Unix seconds.
    pub date: i64,
    /// Snippet.
    pub snippet: &'a str,
    /// Plain text.
    pub body_text: &'a str,
    /// It has an HTML body (read from the raw message when shown).
    pub has_html: bool,
    /// Has non-inline attachments.
    pub has_attachments: bool,
    /// Raw size.
    pub size: i64,
    /// Raw blob key ('' when packed).
    pub raw_blob: &'a str,
    /// The pack holding the raw message ('' when in a blob).
    pub raw_pack: &'a str,
    /// Where the raw message starts in `raw_pack`.
    pub raw_offset: i64,
    /// First In-Reply-To.
    pub in_reply_to: &'a str,
    /// References JSON.
    pub refs: &'a str,
    /// Defects JSON.
    pub defects: &'a str,
    /// RFC 3339 now.
    pub created_at: &'a str,
}

/// Inserts a message and returns its id.
pub fn insert_message(conn: &Connection, m: &NewMessage<'_>) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO messages (account_id, message_id, thread_id, subject, from_name, from_email,
             recipients, date, snippet, body_text, has_html, has_attachments, size, raw_blob,
             raw_pack, raw_offset, in_reply_to, refs, defects, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20)",
    )
    .and_then(|mut s| {
        s.execute(params![
            m.account_id,
            m.message_id,
            m.thread_id,
            m.subject,
            m.from_name,
            m.from_email,
            m.recipients,
            m.date,
            m.snippet,
            m.body_text,
            m.has_html,
            m.has_attachments,
            m.size,
            m.raw_blob,
            m.raw_pack,
            m.raw_offset,
            m.in_reply_to,
            m.refs,
            m.defects,
            m.created_at
        ])
    })
    .map_err(err("Cannot store a message"))?;
    let id = conn.last_insert_rowid();
    crate::embeddings::mark_new(conn, id)?;
    Ok(id)
}

/// The References ids stored for a message (oldest first).
pub fn message_refs(conn: &Connection, id: i64) -> Result<Vec<String>, StoreError> {
    let refs: Option<String> = conn
        .prepare_cached("SELECT refs FROM messages WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .map_err(err("Cannot read a message"))?;
    Ok(refs
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

/// People in recent mail whose name or address contains `query` (senders and To recipients
/// of the newest 5,000 messages), most frequent first: `(name, address)`.
pub fn contacts(
    conn: &Connection,
    query: &str,
    limit: u32,
) -> Result<Vec<(String, String)>, StoreError> {
    let escaped: String = query
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    let mut stmt = conn
        .prepare_cached(
            "WITH recent AS (SELECT from_name, from_email, recipients FROM messages
                             ORDER BY id DESC LIMIT 5000),
                  people(name, email) AS (
                      SELECT from_name, from_email FROM recent
                      UNION ALL
                      SELECT json_extract(value, '$.name'), json_extract(value, '$.email')
                      FROM recent, json_each(recent.recipients, '$.to'))
             SELECT max(coalesce(name, '')), lower(email), count(*) AS n FROM people
             WHERE coalesce(email, '') <> ''
               AND (email LIKE ?1 ESCAPE '\\' OR coalesce(name, '') LIKE ?1 ESCAPE '\\')
             GROUP BY lower(email) ORDER BY n DESC, lower(email) LIMIT ?2",
        )
        .map_err(err("Cannot read contacts"))?;
    let rows = stmt
        .query_map(params![pattern, limit], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(err("Cannot read contacts"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read contacts"))?;
    Ok(rows)
}

/// Whether the account has any message stored.
pub fn account_has_messages(conn: &Connection, account_id: i64) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM messages WHERE account_id = ?1)")
        .and_then(|mut s| s.query_row([account_id], |r| r.get(0)))
        .map_err(err("Cannot read messages"))
}

/// Where the blob `key` sits in a pack, if it is packed: `(pack, offset, size)`. (Earlier
/// versions packed attachments here; they are now read from their message's raw copy, see
/// [`attachment_carriers`].)
pub fn packed_blob(conn: &Connection, key: &str) -> Result<Option<(String, i64, i64)>, StoreError> {
    conn.prepare_cached("SELECT pack, offset, size FROM packed_blobs WHERE key = ?1")
        .and_then(|mut s| {
            s.query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(err("Cannot read the blob index"))
}

/// Records an attachment of a message.
#[allow(clippy::too_many_arguments)]
pub fn insert_attachment(
    conn: &Connection,
    message: i64,
    ordinal: i64,
    filename: &str,
    mime_type: &str,
    content_id: &str,
    inline: bool,
    size: i64,
    blob: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO attachments (message, ordinal, filename, mime_type, content_id, inline, size, blob)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut s| {
        s.execute(params![message, ordinal, filename, mime_type, content_id, inline, size, blob])
    })
    .map_err(err("Cannot store an attachment"))?;
    crate::search::mark(conn, message)
}

/// The conversation each of `refs` is known in (in the order of `refs`; `None` for one no
/// conversation knows yet).
pub fn ref_threads(
    conn: &Connection,
    account_id: i64,
    refs: &[String],
) -> Result<Vec<Option<i64>>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT thread_id FROM thread_refs WHERE account_id = ?1 AND ref = ?2")
        .map_err(err("Cannot thread a message"))?;
    refs.iter()
        .map(|r| {
            stmt.query_row(params![account_id, r], |row| row.get::<_, i64>(0))
                .optional()
                .map_err(err("Cannot thread a message"))
        })
        .collect()
}

/// A conversation's subject-fallback facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadFacts {
    /// Id.
    pub id: i64,
    /// Addresses seen in it.
    pub participants: Vec<String>,
    /// Newest date.
    pub last_date: i64,
}

/// Conversations with this normalised subject, newest first.
pub fn threads_by_subject(
    conn: &Connection,
    account_id: i64,
    subject_key: &str,
) -> Result<Vec<ThreadFacts>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, participants, last_date FROM threads
             WHERE account_id = ?1 AND subject_key = ?2 ORDER BY last_date DESC LIMIT 20",
        )
        .map_err(err("Cannot thread a message"))?;
    let rows = stmt
        .query_map(params![account_id, subject_key], |row| {
            let participants: String = row.get(1)?;
            Ok(ThreadFacts {
                id: row.get(0)?,
                participants: serde_json::from_str(&participants).unwrap_or_default(),
                last_date: row.get(2)?,
            })
        })
        .map_err(err("Cannot thread a message"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot thread a message"))?;
    Ok(rows)
}

/// A conversation's facts.
pub fn thread_facts(conn: &Connection, id: i64) -> Result<Option<ThreadFacts>, StoreError> {
    conn.prepare_cached("SELECT id, participants, last_date FROM threads WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([id], |row| {
                let participants: String = row.get(1)?;
                Ok(ThreadFacts {
                    id: row.get(0)?,
                    participants: serde_json::from_str(&participants).unwrap_or_default(),
                    last_date: row.get(2)?,
                })
            })
            .optional()
        })
        .map_err(err("Cannot read a conversation"))
}

/// Creates a conversation.
pub fn create_thread(
    conn: &Connection,
    account_id: i64,
    subject_key: &str,
    participants: &[String],
    last_date: i64,
) -> Result<i64, StoreError> {
    let participants = serde_json::to_string(participants).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "INSERT INTO threads (account_id, subject_key, participants, last_date)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| s.execute(params![account_id, subject_key, participants, last_date]))
    .map_err(err("Cannot create a conversation"))?;
    Ok(conn.last_insert_rowid())
}

/// Saves a conversation's participants and newest date.
pub fn update_thread(
    conn: &Connection,
    id: i64,
    participants: &[String],
    last_date: i64,
) -> Result<(), StoreError> {
    let participants = serde_json::to_string(participants).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached("UPDATE threads SET participants = ?2, last_date = ?3 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id, participants, last_date]))
        .map_err(err("Cannot update a conversation"))?;
    Ok(())
}

/// Merges conversations `others` into `keep` (a message linked them).
pub fn merge_threads(conn: &Connection, keep: i64, others: &[i64]) -> Result<(), StoreError> {
    for other in others.iter().filter(|o| **o != keep) {
        conn.prepare_cached("UPDATE messages SET thread_id = ?1 WHERE thread_id = ?2")
            .and_then(|mut s| s.execute(params![keep, other]))
            .map_err(err("Cannot merge conversations"))?;
        conn.prepare_cached("UPDATE thread_refs SET thread_id = ?1 WHERE thread_id = ?2")
            .and_then(|mut s| s.execute(params![keep, other]))
            .map_err(err("Cannot merge conversations"))?;
        conn.prepare_cached("DELETE FROM threads WHERE id = ?1")
            .and_then(|mut s| s.execute([other]))
            .map_err(err("Cannot merge conversations"))?;
    }
    Ok(())
}

/// Records that `thread_id` knows `refs` (moving those another conversation knew).
pub fn add_refs(
    conn: &Connection,
    account_id: i64,
    thread_id: i64,
    refs: &[String],
) -> Result<(), StoreError> {
    for r in refs {
        crate::insert_or_update(
            conn,
            "INSERT OR IGNORE INTO thread_refs (account_id, ref, thread_id) VALUES (?1, ?2, ?3)",
            "UPDATE thread_refs SET thread_id = ?3 WHERE account_id = ?1 AND ref = ?2",
            params![account_id, r, thread_id],
        )
        .map_err(err("Cannot thread a message"))?;
    }
    Ok(())
}

/// A row of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    /// Our message id.
    pub id: i64,
    /// Message-ID header.
    pub message_id: String,
    /// Conversation.
    pub thread_id: i64,
    /// Folder.
    pub folder_id: i64,
    /// UID there.
    pub uid: u32,
    /// Subject.
    pub subject: String,
    /// Sender name.
    pub from_name: String,
    /// Sender address.
    pub from_email: String,
    /// Unix seconds.
    pub date: i64,
    /// Snippet.
    pub snippet: String,
    /// Flags in this folder.
    pub flags: Flags,
    /// Has attachments.
    pub has_attachments: bool,
}

fn summary_row(row: &Row<'_>) -> rusqlite::Result<MessageSummary> {
    let keywords: String = row.get(15)?;
    Ok(MessageSummary {
        id: row.get(0)?,
        message_id: row.get(1)?,
        thread_id: row.get(2)?,
        folder_id: row.get(3)?,
        uid: row.get(4)?,
        subject: row.get(5)?,
        from_name: row.get(6)?,
        from_email: row.get(7)?,
        date: row.get(8)?,
        snippet: row.get(9)?,
        has_attachments: row.get(10)?,
        flags: Flags {
            seen: row.get(11)?,
            flagged: row.get(12)?,
            answered: row.get(13)?,
            draft: row.get(14)?,
            keywords: serde_json::from_str(&keywords).unwrap_or_default(),
        },
    })
}

const SUMMARY_COLUMNS: &str = "m.id, m.message_id, m.thread_id, l.folder_id, l.uid, m.subject, \
     m.from_name, m.from_email, l.date, m.snippet, m.has_attachments, l.seen, l.flagged, \
     l.answered, l.draft, l.keywords";

/// A page of a folder, newest first.
pub fn list_folder(
    conn: &Connection,
    folder_id: i64,
    limit: u32,
    offset: u32,
) -> Result<Vec<MessageSummary>, StoreError> {
    // The page is found in the covering index alone (folder_id, date, id), so a deep offset
    // skips index entries instead of joining every skipped row with its message.
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM (
             SELECT id FROM message_locations WHERE folder_id = ?1
             ORDER BY date DESC, id DESC LIMIT ?2 OFFSET ?3
         ) AS page
         JOIN message_locations l ON l.id = page.id
         JOIN messages m ON m.id = l.message
         ORDER BY l.date DESC, l.id DESC"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(err("Cannot list messages"))?;
    let rows = stmt
        .query_map(params![folder_id, limit, offset], summary_row)
        .map_err(err("Cannot list messages"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot list messages"))?;
    Ok(rows)
}

/// Total and unread messages per folder of an account: `(folder_id, total, unread)`.
pub fn folder_counts(
    conn: &Connection,
    account_id: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT f.id, COUNT(l.id), COALESCE(SUM(l.seen = 0), 0)
             FROM folders f LEFT JOIN message_locations l ON l.folder_id = f.id
             WHERE f.account_id = ?1 GROUP BY f.id",
        )
        .map_err(err("Cannot count messages"))?;
    let rows = stmt
        .query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(err("Cannot count messages"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot count messages"))?;
    Ok(rows)
}

/// A whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Message-ID.
    pub message_id: String,
    /// Conversation.
    pub thread_id: i64,
    /// Subject.
    pub subject: String,
    /// Sender name.
    pub from_name: String,
    /// Sender address.
    pub from_email: String,
    /// Recipients JSON.
    pub recipients: String,
    /// Unix seconds.
    pub date: i64,
    /// Plain text.
    pub body_text: String,
    /// It has an HTML body (in the raw message).
    pub has_html: bool,
    /// Has attachments.
    pub has_attachments: bool,
    /// Raw blob key ('' when packed).
    pub raw_blob: String,
    /// The pack holding the raw message ('' when in a blob).
    pub raw_pack: String,
    /// Where the raw message starts in `raw_pack`.
    pub raw_offset: i64,
    /// Raw size in bytes.
    pub size: i64,
}

fn message_row(row: &Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: row.get(0)?,
        account_id: row.get(1)?,
        message_id: row.get(2)?,
        thread_id: row.get(3)?,
        subject: row.get(4)?,
        from_name: row.get(5)?,
        from_email: row.get(6)?,
        recipients: row.get(7)?,
        date: row.get(8)?,
        body_text: row.get(9)?,
        has_html: row.get(10)?,
        has_attachments: row.get(11)?,
        raw_blob: row.get(12)?,
        raw_pack: row.get(13)?,
        raw_offset: row.get(14)?,
        size: row.get(15)?,
    })
}

const MESSAGE_COLUMNS: &str = "id, account_id, message_id, thread_id, subject, from_name, \
     from_email, recipients, date, body_text, has_html, has_attachments, raw_blob, raw_pack, \
     raw_offset, size";

/// One message.
pub fn message(conn: &Connection, id: i64) -> Result<Option<MessageRow>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"
    ))
    .and_then(|mut s| s.query_row([id], message_row).optional())
    .map_err(err("Cannot read a message"))
}

/// The messages of a conversation, oldest first.
pub fn thread_messages(conn: &Connection, thread_id: i64) -> Result<Vec<MessageRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = ?1 ORDER BY date, id"
        ))
        .map_err(err("Cannot read a conversation"))?;
    let rows = stmt
        .query_map([thread_id], message_row)
        .map_err(err("Cannot read a conversation"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read a conversation"))?;
    Ok(rows)
}

/// The attachments whose content is the blob `key`, as `(message, ordinal)`, oldest message
/// first: where its bytes can be decoded again from.
pub fn attachment_carriers(conn: &Connection, key: &str) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT message, ordinal FROM attachments WHERE blob = ?1 ORDER BY message, ordinal",
        )
        .map_err(err("Cannot read attachments"))?;
    let rows = stmt
        .query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(err("Cannot read attachments"))?;
    rows.collect::<Result<_, _>>()
        .map_err(err("Cannot read attachments"))
}

/// Attachments of a message: `(ordinal, filename, mime_type, content_id, inline, size, blob)`.
pub type AttachmentRow = (i64, String, String, String, bool, i64, String);

/// The attachments of a message, in order.
pub fn attachments(conn: &Connection, message: i64) -> Result<Vec<AttachmentRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT ordinal, filename, mime_type, content_id, inline, size, blob
             FROM attachments WHERE message = ?1 ORDER BY ordinal",
        )
        .map_err(err("Cannot read attachments"))?;
    let rows = stmt
        .query_map([message], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .map_err(err("Cannot read attachments"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read attachments"))?;
    Ok(rows)
}

/// Where a message sits: `(folder_id, uid)` pairs.
pub fn message_locations(conn: &Connection, message: i64) -> Result<Vec<(i64, u32)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT folder_id, uid FROM message_locations WHERE message = ?1 ORDER BY folder_id",
        )
        .map_err(err("Cannot read a message's folders"))?;
    let rows = stmt
        .query_map([message], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(err("Cannot read a message's folders"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read a message's folders"))?;
    Ok(rows)
}

/// A queued change of the user's, to send to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// Row id (the order of the user's actions).
    pub id: i64,
    /// `flag`, `move` or `expunge`.
    pub kind: String,
    /// Source folder.
    pub folder_id: i64,
    /// UID there.
    pub uid: u32,
    /// The UIDVALIDITY the UID belongs to.
    pub uidvalidity: u32,
    /// `\Seen` or `\Flagged`.
    pub flag: String,
    /// Set or clear.
    pub value: bool,
    /// Destination folder of a move.
    pub dest_folder_id: i64,
    /// MODSEQ when the change was made.
    pub modseq: u64,
    /// Failed attempts.
    pub attempts: i64,
}

/// A change to queue.
#[derive(Debug, Clone)]
pub struct NewChange<'a> {
    /// Owner.
    pub account_id: i64,
    /// `flag`, `move` or `expunge`.
    pub kind: &'a str,
    /// Source folder.
    pub folder_id: i64,
    /// UID there.
    pub uid: u32,
    /// Its UIDVALIDITY.
    pub uidvalidity: u32,
    /// Flag of a `flag` change.
    pub flag: &'a str,
    /// Set or clear.
    pub value: bool,
    /// Destination of a `move`.
    pub dest_folder_id: i64,
    /// MODSEQ known now.
    pub modseq: u64,
    /// RFC 3339 now.
    pub created_at: &'a str,
}

/// Queues a change.
pub fn queue_change(conn: &Connection, c: &NewChange<'_>) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO mail_changes (account_id, kind, folder_id, uid, uidvalidity, flag, value,
             dest_folder_id, modseq, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            c.account_id,
            c.kind,
            c.folder_id,
            c.uid,
            c.uidvalidity,
            c.flag,
            c.value,
            c.dest_folder_id,
            i64::try_from(c.modseq).unwrap_or(i64::MAX),
            c.created_at
        ])
    })
    .map_err(err("Cannot queue a change"))?;
    Ok(conn.last_insert_rowid())
}

/// An account's queued changes, oldest first.
pub fn changes(conn: &Connection, account_id: i64) -> Result<Vec<ChangeRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, kind, folder_id, uid, uidvalidity, flag, value, dest_folder_id, modseq, attempts
             FROM mail_changes WHERE account_id = ?1 ORDER BY id",
        )
        .map_err(err("Cannot read queued changes"))?;
    let rows = stmt
        .query_map([account_id], |r| {
            Ok(ChangeRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                folder_id: r.get(2)?,
                uid: r.get(3)?,
                uidvalidity: r.get(4)?,
                flag: r.get(5)?,
                value: r.get(6)?,
                dest_folder_id: r.get(7)?,
                modseq: u64::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
                attempts: r.get(9)?,
            })
        })
        .map_err(err("Cannot read queued changes"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read queued changes"))?;
    Ok(rows)
}

/// Removes a change the server now has (or that can never apply).
pub fn delete_change(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM mail_changes WHERE id = ?1")
        .and_then(|mut s| s.execute([id]))
        .map_err(err("Cannot update the change queue"))?;
    Ok(())
}

/// Records a failed attempt.
pub fn change_failed(conn: &Connection, id: i64, error: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE mail_changes SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
    )
    .and_then(|mut s| s.execute(params![id, error]))
    .map_err(err("Cannot update the change queue"))?;
    Ok(())
}

/// UIDs of a folder with queued flag changes (the server's flags must not overwrite them).
pub fn pending_flag_uids(conn: &Connection, folder_id: i64) -> Result<Vec<u32>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT DISTINCT uid FROM mail_changes WHERE folder_id = ?1 AND kind = 'flag'",
        )
        .map_err(err("Cannot read queued changes"))?;
    let rows = stmt
        .query_map([folder_id], |r| r.get(0))
        .map_err(err("Cannot read queued changes"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read queued changes"))?;
    Ok(rows)
}

/// A location of a message: `(location id, folder_id, uid, modseq, flags)`.
pub type Placement = (i64, i64, u32, u64, Flags);

/// Every location of a message.
pub fn locations_of(conn: &Connection, message: i64) -> Result<Vec<Placement>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, folder_id, uid, modseq, seen, flagged, answered, draft, keywords
             FROM message_locations WHERE message = ?1 ORDER BY id",
        )
        .map_err(err("Cannot read a message's folders"))?;
    let rows = stmt
        .query_map([message], |r| {
            let keywords: String = r.get(8)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                Flags {
                    seen: r.get(4)?,
                    flagged: r.get(5)?,
                    answered: r.get(6)?,
                    draft: r.get(7)?,
                    keywords: serde_json::from_str(&keywords).unwrap_or_default(),
                },
            ))
        })
        .map_err(err("Cannot read a message's folders"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("Cannot read a message's folders"))?;
    Ok(rows)
}

/// Sets one flag of a location.
pub fn set_location_flag(
    conn: &Connection,
    location: i64,
    flag: &str,
    on: bool,
) -> Result<(), StoreError> {
    let column = match flag {
        "\\Seen" => "seen",
        "\\Flagged" => "flagged",
        _ => return Err(StoreError::internal(format!("Unknown flag {flag}"))),
    };
    conn.execute(
        &format!("UPDATE message_locations SET {column} = ?2 WHERE id = ?1"),
        params![location, on],
    )
    .map_err(err("Cannot change a flag"))?;
    Ok(())
}

/// Moves a location to another folder, without a UID until the server reports one.
pub fn move_location(conn: &Connection, location: i64, folder_id: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE message_locations SET folder_id = ?2, uid = 0, modseq = 0 WHERE id = ?1",
    )
    .and_then(|mut s| s.execute(params![location, folder_id]))
    .map_err(err("Cannot move a message"))?;
    Ok(())
}

/// Deletes a location; a message left in no folder is deleted.
pub fn delete_location(conn: &Connection, location: i64) -> Result<(), StoreError> {
    let message: Option<i64> = conn
        .prepare_cached("SELECT message FROM message_locations WHERE id = ?1")
        .and_then(|mut s| s.query_row([location], |r| r.get(0)).optional())
        .map_err(err("Cannot delete a message"))?;
    conn.prepare_cached("DELETE FROM message_locations WHERE id = ?1")
        .and_then(|mut s| s.execute([location]))
        .map_err(err("Cannot delete a message"))?;
    if let Some(message) = message {
        conn.prepare_cached(
            "DELETE FROM messages WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM message_locations WHERE message = ?1)",
        )
        .and_then(|mut s| s.execute([message]))
        .map_err(err("Cannot delete a message"))?;
    }
    Ok(())
}
