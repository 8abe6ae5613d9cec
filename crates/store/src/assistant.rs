//! Chat sessions, their messages, the requests sent to models and the assistant's proposals
//! (see migration 0010).

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

/// A chat session with its totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Messages in it.
    pub messages: i64,
    /// Input tokens of every request.
    pub input_tokens: i64,
    /// Output tokens of every request.
    pub output_tokens: i64,
    /// Estimated cost of every request, US dollars × 10⁶.
    pub cost_micros: i64,
}

const SESSION_COLUMNS: &str = "s.id, s.title, s.created_at, s.updated_at,
    (SELECT count(*) FROM chat_messages m WHERE m.session_id = s.id),
    coalesce((SELECT sum(input_tokens) FROM chat_requests r WHERE r.session_id = s.id), 0),
    coalesce((SELECT sum(output_tokens) FROM chat_requests r WHERE r.session_id = s.id), 0),
    coalesce((SELECT sum(cost_micros) FROM chat_requests r WHERE r.session_id = s.id), 0)";

fn session_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: r.get(0)?,
        title: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
        messages: r.get(4)?,
        input_tokens: r.get(5)?,
        output_tokens: r.get(6)?,
        cost_micros: r.get(7)?,
    })
}

/// Starts a session.
pub fn session_insert(conn: &Connection, title: &str, now: &str) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO chat_sessions (title, created_at, updated_at) VALUES (?1, ?2, ?2)",
        params![title, now],
    )
    .map_err(err("Cannot start a chat session"))?;
    Ok(conn.last_insert_rowid())
}

/// One session.
pub fn session(conn: &Connection, id: i64) -> Result<Option<SessionRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {SESSION_COLUMNS} FROM chat_sessions s WHERE s.id = ?1"),
        [id],
        session_row,
    )
    .optional()
    .map_err(err("Cannot read a chat session"))
}

/// Every session, the most recent first.
pub fn sessions(conn: &Connection) -> Result<Vec<SessionRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {SESSION_COLUMNS} FROM chat_sessions s ORDER BY s.updated_at DESC, s.id DESC"
        ))
        .map_err(err("Cannot list chat sessions"))?;
    stmt.query_map([], session_row)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot list chat sessions"))
}

/// Renames a session; whether it exists.
pub fn session_rename(conn: &Connection, id: i64, title: &str) -> Result<bool, StoreError> {
    conn.execute(
        "UPDATE chat_sessions SET title = ?2 WHERE id = ?1",
        params![id, title],
    )
    .map(|n| n > 0)
    .map_err(err("Cannot rename a chat session"))
}

/// Deletes a session and its messages; its requests and proposals stay (for budgets and
/// the audit trail) without it. Whether it existed.
pub fn session_delete(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    conn.execute("DELETE FROM chat_sessions WHERE id = ?1", [id])
        .map(|n| n > 0)
        .map_err(err("Cannot delete a chat session"))
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessageRow {
    /// Id.
    pub id: i64,
    /// user or assistant.
    pub role: String,
    /// JSON array of blocks.
    pub content: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Appends a message and touches the session.
pub fn message_insert(
    conn: &Connection,
    session_id: i64,
    role: &str,
    content: &str,
    now: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO chat_messages (session_id, role, content, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![session_id, role, content, now],
    )
    .map_err(err("Cannot save a chat message"))?;
    let id = conn.last_insert_rowid();
    conn.execute(
        "UPDATE chat_sessions SET updated_at = ?2 WHERE id = ?1",
        params![session_id, now],
    )
    .map_err(err("Cannot save a chat message"))?;
    Ok(id)
}

/// A session's messages in order.
pub fn messages(conn: &Connection, session_id: i64) -> Result<Vec<ChatMessageRow>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, role, content, created_at FROM chat_messages
             WHERE session_id = ?1 ORDER BY id",
        )
        .map_err(err("Cannot read chat messages"))?;
    stmt.query_map([session_id], |r| {
        Ok(ChatMessageRow {
            id: r.get(0)?,
            role: r.get(1)?,
            content: r.get(2)?,
            created_at: r.get(3)?,
        })
    })
    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
    .map_err(err("Cannot read chat messages"))
}

/// A request sent to a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// Id.
    pub id: i64,
    /// Its session.
    pub session_id: Option<i64>,
    /// anthropic or openai.
    pub provider: String,
    /// The model.
    pub model: String,
    /// The JSON body sent.
    pub body: String,
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Estimated cost, US dollars × 10⁶.
    pub cost_micros: i64,
    /// Stop reason or error code.
    pub outcome: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Records a request.
pub fn request_insert(conn: &Connection, r: &RequestRow) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO chat_requests (session_id, provider, model, body, input_tokens,
             output_tokens, cost_micros, outcome, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.session_id,
            r.provider,
            r.model,
            r.body,
            r.input_tokens,
            r.output_tokens,
            r.cost_micros,
            r.outcome,
            r.created_at
        ],
    )
    .map_err(err("Cannot record a model request"))?;
    Ok(conn.last_insert_rowid())
}

/// A session's requests in order.
pub fn requests(conn: &Connection, session_id: i64) -> Result<Vec<RequestRow>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, session_id, provider, model, body, input_tokens, output_tokens,
                    cost_micros, outcome, created_at
             FROM chat_requests WHERE session_id = ?1 ORDER BY id",
        )
        .map_err(err("Cannot read model requests"))?;
    stmt.query_map([session_id], |r| {
        Ok(RequestRow {
            id: r.get(0)?,
            session_id: r.get(1)?,
            provider: r.get(2)?,
            model: r.get(3)?,
            body: r.get(4)?,
            input_tokens: r.get(5)?,
            output_tokens: r.get(6)?,
            cost_micros: r.get(7)?,
            outcome: r.get(8)?,
            created_at: r.get(9)?,
        })
    })
    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
    .map_err(err("Cannot read model requests"))
}

/// Cost and count of the requests made since `since` (RFC 3339).
pub fn spent_since(conn: &Connection, since: &str) -> Result<(i64, i64), StoreError> {
    conn.query_row(
        "SELECT coalesce(sum(cost_micros), 0), count(*) FROM chat_requests WHERE created_at >= ?1",
        [since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .map_err(err("Cannot sum model spending"))
}

/// A proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRow {
    /// Id.
    pub id: i64,
    /// Its session.
    pub session_id: Option<i64>,
    /// The tool.
    pub tool: String,
    /// JSON input.
    pub input: String,
    /// For people.
    pub summary: String,
    /// JSON array of strings.
    pub warnings: String,
    /// pending, done, rejected, failed.
    pub status: String,
    /// What happened.
    pub outcome: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub decided_at: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
}

const PROPOSAL_COLUMNS: &str = "id, session_id, tool, input, summary, warnings, status, outcome,
    created_at, decided_at, decided_by";

fn proposal_row(r: &Row<'_>) -> rusqlite::Result<ProposalRow> {
    Ok(ProposalRow {
        id: r.get(0)?,
        session_id: r.get(1)?,
        tool: r.get(2)?,
        input: r.get(3)?,
        summary: r.get(4)?,
        warnings: r.get(5)?,
        status: r.get(6)?,
        outcome: r.get(7)?,
        created_at: r.get(8)?,
        decided_at: r.get(9)?,
        decided_by: r.get(10)?,
    })
}

/// Records a pending proposal.
pub fn proposal_insert(
    conn: &Connection,
    session_id: Option<i64>,
    tool: &str,
    input: &str,
    summary: &str,
    warnings: &str,
    now: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO proposals (session_id, tool, input, summary, warnings, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![session_id, tool, input, summary, warnings, now],
    )
    .map_err(err("Cannot record a proposal"))?;
    Ok(conn.last_insert_rowid())
}

/// One proposal.
pub fn proposal(conn: &Connection, id: i64) -> Result<Option<ProposalRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = ?1"),
        [id],
        proposal_row,
    )
    .optional()
    .map_err(err("Cannot read a proposal"))
}

/// Proposals, newest first: only pending ones, or all; of one session or every one.
pub fn proposals(
    conn: &Connection,
    pending_only: bool,
    session_id: Option<i64>,
) -> Result<Vec<ProposalRow>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals
             WHERE (?1 = 0 OR status = 'pending') AND (?2 IS NULL OR session_id = ?2)
             ORDER BY id DESC"
        ))
        .map_err(err("Cannot list proposals"))?;
    stmt.query_map(params![pending_only, session_id], proposal_row)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot list proposals"))
}

/// Moves a pending proposal to `status`; false when it was no longer pending (decided twice).
pub fn proposal_decide(
    conn: &Connection,
    id: i64,
    status: &str,
    outcome: &str,
    by: &str,
    now: &str,
) -> Result<bool, StoreError> {
    conn.execute(
        "UPDATE proposals SET status = ?2, outcome = ?3, decided_by = ?4, decided_at = ?5
         WHERE id = ?1 AND status = 'pending'",
        params![id, status, outcome, by, now],
    )
    .map(|n| n > 0)
    .map_err(err("Cannot decide a proposal"))
}

/// Records what a confirmed proposal did when it ran.
pub fn proposal_outcome(
    conn: &Connection,
    id: i64,
    status: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE proposals SET status = ?2, outcome = ?3 WHERE id = ?1",
        params![id, status, outcome],
    )
    .map_err(err("Cannot record a proposal's outcome"))?;
    Ok(())
}

/// A session's placeholders and what they stand for.
pub fn redactions(conn: &Connection, session_id: i64) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT placeholder, original FROM chat_redactions WHERE session_id = ?1")
        .map_err(err("Cannot read redactions"))?;
    stmt.query_map([session_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(err("Cannot read redactions"))
}

/// Keeps a placeholder (a no-op when known).
pub fn redaction_insert(
    conn: &Connection,
    session_id: i64,
    placeholder: &str,
    original: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO chat_redactions (session_id, placeholder, original) VALUES (?1, ?2, ?3)",
        params![session_id, placeholder, original],
    )
    .map_err(err("Cannot keep a redaction"))?;
    Ok(())
}

/// Everyone the user has written to (recipients of mail in Sent folders and of the outbox),
/// and the user's own addresses, lower-cased.
pub fn known_correspondents(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare(
            "WITH sent AS (
                 SELECT m.recipients FROM folders f
                 JOIN message_locations l ON l.folder_id = f.id
                 JOIN messages m ON m.id = l.message
                 WHERE f.role = 'sent')
             SELECT lower(json_extract(r.value, '$.email')) FROM sent, json_each(sent.recipients, '$.to') r
             UNION SELECT lower(json_extract(r.value, '$.email')) FROM sent, json_each(sent.recipients, '$.cc') r
             UNION SELECT lower(json_extract(r.value, '$.email')) FROM sent, json_each(sent.recipients, '$.bcc') r
             UNION SELECT lower(email) FROM accounts",
        )
        .map_err(err("Cannot read correspondents"))?;
    stmt.query_map([], |r| r.get::<_, Option<String>>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map(|v| v.into_iter().flatten().collect())
        .map_err(err("Cannot read correspondents"))
}
