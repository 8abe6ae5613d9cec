//! The `settings` table: plain key/value settings of the profile. Never a secret.

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

/// One setting's value, or `None` when unset.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")
        .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
        .map_err(|e| StoreError::from_sqlite(e, "Cannot read a setting"))
}

/// Sets a setting.
pub fn set(conn: &Connection, key: &str, value: &str, now: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .and_then(|mut stmt| stmt.execute(params![key, value, now]))
    .map_err(|e| StoreError::from_sqlite(e, "Cannot save a setting"))?;
    Ok(())
}

/// Removes a setting (a no-op when unset).
pub fn remove(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM settings WHERE key = ?1")
        .and_then(|mut stmt| stmt.execute([key]))
        .map_err(|e| StoreError::from_sqlite(e, "Cannot remove a setting"))?;
    Ok(())
}
