//! Schema migrations: the SQL files of `migrations/`, embedded at build time, each applied in its
//! own transaction together with `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// One migration file.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number: the `user_version` the database has after it.
    pub version: u32,
    /// The name after the number in the file name.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The schema version this build of Orbit writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// Every embedded migration, in order.
pub fn migrations() -> &'static [Migration] {
    MIGRATIONS
}

pub(crate) fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    conn.query_row("PRAGMA user_version", [], |row| row.get::<_, u32>(0))
        .map_err(|e| StoreError::from_sqlite(e, "Cannot read the database version"))
}

/// Applies every migration newer than the database's `user_version`, each in its own
/// transaction, so a failure leaves the database at the last complete version.
pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    for migration in MIGRATIONS {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(e, "Cannot start a migration"))?;
        // Re-read inside the transaction: another process may have migrated meanwhile.
        if user_version(&tx)? >= migration.version {
            continue;
        }
        let context = format!(
            "Cannot apply migration {:04}_{}",
            migration.version, migration.name
        );
        tx.execute_batch(migration.sql)
            .map_err(|e| StoreError::from_sqlite(e, &context))?;
        tx.pragma_update(None, "user_version", migration.version)
            .map_err(|e| StoreError::from_sqlite(e, &context))?;
        tx.commit()
            .map_err(|e| StoreError::from_sqlite(e, &context))?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "migration applied"
        );
    }
    Ok(())
}
