//! The `accounts` table: server settings of each account. No secret is ever stored here.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;

/// One server endpoint as stored: host, port and the security mode's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// `tls`, `starttls` or `none`.
    pub security: String,
}

/// The outcome of the last connection test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastTest {
    /// RFC 3339 UTC.
    pub at: String,
    /// Whether every configured service passed.
    pub ok: bool,
    /// One line saying what passed or failed.
    pub summary: String,
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// Row id.
    pub id: i64,
    /// The fields the user edits.
    pub fields: AccountWrite,
    /// The last connection test, if any.
    pub last_test: Option<LastTest>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// The fields of an account that the user sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountWrite {
    /// Display name.
    pub name: String,
    /// The account's address.
    pub email: String,
    /// Login name.
    pub username: String,
    /// IMAP server, if any.
    pub imap: Option<Endpoint>,
    /// SMTP server, if any.
    pub smtp: Option<Endpoint>,
    /// CalDAV base URL, if any.
    pub caldav_url: Option<String>,
}

const COLUMNS: &str = "id, name, email, username, imap_host, imap_port, imap_security, \
     smtp_host, smtp_port, smtp_security, caldav_url, last_test_at, last_test_ok, \
     last_test_summary, created_at, updated_at";

fn endpoint(host: String, port: u16, security: String) -> Option<Endpoint> {
    (!host.is_empty()).then_some(Endpoint {
        host,
        port,
        security,
    })
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<AccountRow> {
    let caldav: String = row.get("caldav_url")?;
    let last_test_at: String = row.get("last_test_at")?;
    Ok(AccountRow {
        id: row.get("id")?,
        fields: AccountWrite {
            name: row.get("name")?,
            email: row.get("email")?,
            username: row.get("username")?,
            imap: endpoint(
                row.get("imap_host")?,
                row.get("imap_port")?,
                row.get("imap_security")?,
            ),
            smtp: endpoint(
                row.get("smtp_host")?,
                row.get("smtp_port")?,
                row.get("smtp_security")?,
            ),
            caldav_url: (!caldav.is_empty()).then_some(caldav),
        },
        last_test: (!last_test_at.is_empty())
            .then(|| -> rusqlite::Result<LastTest> {
                Ok(LastTest {
                    at: last_test_at.clone(),
                    ok: row.get("last_test_ok")?,
                    summary: row.get("last_test_summary")?,
                })
            })
            .transpose()?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn split(endpoint: Option<&Endpoint>) -> (&str, u16, &str) {
    match endpoint {
        Some(e) => (e.host.as_str(), e.port, e.security.as_str()),
        None => ("", 0, "tls"),
    }
}

/// Every account, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<AccountRow>, StoreError> {
    let context = "Cannot list accounts";
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM accounts ORDER BY id"))
        .map_err(|e| StoreError::from_sqlite(e, context))?;
    let rows = stmt
        .query_map([], from_row)
        .map_err(|e| StoreError::from_sqlite(e, context))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::from_sqlite(e, context))?;
    Ok(rows)
}

/// One account, or `None`.
pub fn get(conn: &Connection, id: i64) -> Result<Option<AccountRow>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"))
        .and_then(|mut stmt| stmt.query_row([id], from_row).optional())
        .map_err(|e| StoreError::from_sqlite(e, "Cannot read the account"))
}

/// Inserts an account and returns its id.
pub fn insert(conn: &Connection, fields: &AccountWrite, now: &str) -> Result<i64, StoreError> {
    let (imap_host, imap_port, imap_security) = split(fields.imap.as_ref());
    let (smtp_host, smtp_port, smtp_security) = split(fields.smtp.as_ref());
    conn.prepare_cached(
        "INSERT INTO accounts (name, email, username, imap_host, imap_port, imap_security,
             smtp_host, smtp_port, smtp_security, caldav_url, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            fields.name,
            fields.email,
            fields.username,
            imap_host,
            imap_port,
            imap_security,
            smtp_host,
            smtp_port,
            smtp_security,
            fields.caldav_url.as_deref().unwrap_or(""),
            now,
        ])
    })
    .map_err(|e| StoreError::from_sqlite(e, "Cannot save the account"))?;
    Ok(conn.last_insert_rowid())
}

/// Replaces the user-set fields of an account; the last test is cleared, as it tested other
/// settings.
pub fn update(
    conn: &Connection,
    id: i64,
    fields: &AccountWrite,
    now: &str,
) -> Result<(), StoreError> {
    let (imap_host, imap_port, imap_security) = split(fields.imap.as_ref());
    let (smtp_host, smtp_port, smtp_security) = split(fields.smtp.as_ref());
    let changed = conn
        .prepare_cached(
            "UPDATE accounts SET name = ?2, email = ?3, username = ?4, imap_host = ?5,
                 imap_port = ?6, imap_security = ?7, smtp_host = ?8, smtp_port = ?9,
                 smtp_security = ?10, caldav_url = ?11, updated_at = ?12,
                 last_test_at = '', last_test_ok = 0, last_test_summary = ''
             WHERE id = ?1",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                id,
                fields.name,
                fields.email,
                fields.username,
                imap_host,
                imap_port,
                imap_security,
                smtp_host,
                smtp_port,
                smtp_security,
                fields.caldav_url.as_deref().unwrap_or(""),
                now,
            ])
        })
        .map_err(|e| StoreError::from_sqlite(e, "Cannot update the account"))?;
    if changed == 0 {
        return Err(StoreError::not_found(format!("There is no account {id}")));
    }
    Ok(())
}

/// Records the outcome of a connection test.
pub fn set_last_test(conn: &Connection, id: i64, test: &LastTest) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE accounts SET last_test_at = ?2, last_test_ok = ?3, last_test_summary = ?4
         WHERE id = ?1",
    )
    .and_then(|mut stmt| stmt.execute(params![id, test.at, test.ok, test.summary]))
    .map_err(|e| StoreError::from_sqlite(e, "Cannot record the connection test"))?;
    Ok(())
}

/// Deletes an account.
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached("DELETE FROM accounts WHERE id = ?1")
        .and_then(|mut stmt| stmt.execute([id]))
        .map_err(|e| StoreError::from_sqlite(e, "Cannot remove the account"))?;
    if changed == 0 {
        return Err(StoreError::not_found(format!("There is no account {id}")));
    }
    Ok(())
}
