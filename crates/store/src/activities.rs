//! The `activities` table: the append-only audit log of every change made through core.

use rusqlite::{Connection, Row, params_from_iter, types::Value};

use crate::StoreError;

/// An activity to append.
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    /// RFC 3339 UTC with milliseconds.
    pub at: &'a str,
    /// `user`, `agent`, `sync` or `system`.
    pub actor: &'a str,
    /// Dotted verb, e.g. `account.added`.
    pub action: &'a str,
    /// What it changed, e.g. `account:3`.
    pub target: &'a str,
    /// One human sentence.
    pub summary: &'a str,
    /// A JSON object (text) with the specifics; never a secret.
    pub details: &'a str,
}

/// An activity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    /// Row id; increasing.
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    /// Who made the change.
    pub actor: String,
    /// Dotted verb.
    pub action: String,
    /// What it changed.
    pub target: String,
    /// One human sentence.
    pub summary: String,
    /// JSON object as text.
    pub details: String,
}

/// Which activities to list.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only actions equal to this, or starting with it followed by a dot (`account` matches
    /// `account.added`).
    pub action: Option<String>,
    /// Only this target.
    pub target: Option<String>,
    /// Only activities with an id below this (paging backwards).
    pub before_id: Option<i64>,
    /// At most this many (newest first).
    pub limit: u32,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<ActivityRow> {
    Ok(ActivityRow {
        id: row.get(0)?,
        at: row.get(1)?,
        actor: row.get(2)?,
        action: row.get(3)?,
        target: row.get(4)?,
        summary: row.get(5)?,
        details: row.get(6)?,
    })
}

/// Appends an activity and returns its id. Call it inside the transaction of the change.
pub fn append(conn: &Connection, activity: &NewActivity<'_>) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO activities (at, actor, action, target, summary, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut stmt| {
        stmt.execute(rusqlite::params![
            activity.at,
            activity.actor,
            activity.action,
            activity.target,
            activity.summary,
            activity.details,
        ])
    })
    .map_err(|e| StoreError::from_sqlite(e, "Cannot record the activity"))?;
    Ok(conn.last_insert_rowid())
}

/// Activities matching `filter`, newest first.
pub fn list(conn: &Connection, filter: &ActivityFilter) -> Result<Vec<ActivityRow>, StoreError> {
    let mut sql =
        String::from("SELECT id, at, actor, action, target, summary, details FROM activities");
    let mut clauses: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(actor) = &filter.actor {
        clauses.push("actor = ?");
        args.push(Value::Text(actor.clone()));
    }
    if let Some(action) = &filter.action {
        clauses.push("(action = ? OR substr(action, 1, ?) = ?)");
        let prefix = format!("{action}.");
        args.push(Value::Text(action.clone()));
        args.push(Value::Integer(
            i64::try_from(prefix.len()).unwrap_or(i64::MAX),
        ));
        args.push(Value::Text(prefix));
    }
    if let Some(target) = &filter.target {
        clauses.push("target = ?");
        args.push(Value::Text(target.clone()));
    }
    if let Some(before) = filter.before_id {
        clauses.push("id < ?");
        args.push(Value::Integer(before));
    }
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    args.push(Value::Integer(i64::from(filter.limit)));
    let context = "Cannot list activities";
    let mut stmt = conn
        .prepare(&sql)
        .map_err(|e| StoreError::from_sqlite(e, context))?;
    let rows = stmt
        .query_map(params_from_iter(args), from_row)
        .map_err(|e| StoreError::from_sqlite(e, context))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::from_sqlite(e, context))?;
    Ok(rows)
}

/// One activity.
pub fn get(conn: &Connection, id: i64) -> Result<Option<ActivityRow>, StoreError> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT id, at, actor, action, target, summary, details FROM activities WHERE id = ?1",
        [id],
        |r| {
            Ok(ActivityRow {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                summary: r.get(5)?,
                details: r.get(6)?,
            })
        },
    )
    .optional()
    .map_err(|e| StoreError::from_sqlite(e, "Cannot read an activity"))
}

/// The ids of the activities that were undone (each has an `activity.undone` row whose
/// target is `activity:<id>`).
pub fn undone_ids(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT CAST(substr(target, 10) AS INTEGER) FROM activities
             WHERE action = 'activity.undone' AND substr(target, 1, 9) = 'activity:'",
        )
        .map_err(|e| StoreError::from_sqlite(e, "Cannot read undone activities"))?;
    stmt.query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect::<Result<Vec<i64>, _>>())
        .map_err(|e| StoreError::from_sqlite(e, "Cannot read undone activities"))
}
