//! The SQLite store of one Orbit profile: opening the database file, the schema migrations in
//! `migrations/`, one writer and a small pool of readers, and one module per table.
//!
//! Architecture invariant: the store knows no protocol, no keyring and no UI. It holds no
//! secret. It takes times as arguments instead of reading the clock.

pub mod accounts;
pub mod activities;
pub mod assistant;
mod blobs;
pub mod calendar;
pub mod drafts;
pub mod embeddings;
mod error;
pub mod mail;
mod migrate;
pub mod outbox;
pub mod search;
pub mod settings;
pub mod tasks;

pub use accounts::{AccountRow, AccountWrite, Endpoint, LastTest};
pub use activities::{ActivityFilter, ActivityRow, NewActivity};
pub use blobs::{BlobBatch, BlobStore, Packed};
pub use error::{StoreError, StoreErrorKind};
pub use migrate::{LATEST_VERSION, Migration, migrations};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

/// The database file name inside a profile's data directory.
pub const DATABASE_FILE: &str = "orbit.sqlite3";

/// How many idle reader connections are kept open.
const READER_POOL: usize = 4;

/// Options for [`Store::open`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a statement waits for another process's lock before failing with
    /// [`StoreErrorKind::Locked`].
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// One profile's database: a single writer connection and a pool of read-only connections.
///
/// SQLite in WAL mode lets readers run while the writer writes; writes are serialised here by
/// the writer mutex, and across processes by SQLite's own lock (with a busy timeout).
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    options: StoreOptions,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, checks sqlite-vec, and migrates it.
    ///
    /// A database written by a newer Orbit is refused with [`StoreErrorKind::NewerSchema`] and
    /// left untouched: nothing is written to it before its version is checked.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Self, StoreError> {
        register_sqlite_vec();
        let mut writer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StoreError::from_sqlite(e, "Cannot open the database file"))?;
        writer
            .busy_timeout(options.busy_timeout)
            .map_err(|e| StoreError::from_sqlite(e, "Cannot configure the database"))?;
        // Reading the version is the first access: it fails here on a file that is not a
        // database, and it lets us refuse a newer schema before writing anything.
        let version = migrate::user_version(&writer)?;
        if version > LATEST_VERSION {
            return Err(StoreError::newer_schema(version, LATEST_VERSION));
        }
        configure_writer(&writer)?;
        check_vec(&writer)?;
        migrate::run(&mut writer)?;
        Ok(Self {
            path: path.to_owned(),
            options,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`), committing if it returns `Ok`.
    ///
    /// Every write that matters goes through here, so a change and its activity row land
    /// together or not at all.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.lock_writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(e, "Cannot start a write"))?;
        let value = f(&tx)?;
        tx.commit()
            .map_err(|e| StoreError::from_sqlite(e, "Cannot commit a write"))?;
        Ok(value)
    }

    /// Runs `f` on a read-only connection; many readers run at once, beside the writer.
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = match self.lock_readers()?.pop() {
            Some(conn) => conn,
            None => self.open_reader()?,
        };
        let result = f(&conn);
        let mut pool = self.lock_readers()?;
        if pool.len() < READER_POOL {
            pool.push(conn);
        }
        result
    }

    fn open_reader(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StoreError::from_sqlite(e, "Cannot open a reader"))?;
        conn.busy_timeout(self.options.busy_timeout)
            .map_err(|e| StoreError::from_sqlite(e, "Cannot configure a reader"))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;")
            .map_err(|e| StoreError::from_sqlite(e, "Cannot configure a reader"))?;
        Ok(conn)
    }

    fn lock_writer(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.writer
            .lock()
            .map_err(|_| StoreError::internal("The database writer was poisoned by a panic"))
    }

    fn lock_readers(&self) -> Result<MutexGuard<'_, Vec<Connection>>, StoreError> {
        self.readers
            .lock()
            .map_err(|_| StoreError::internal("The database reader pool was poisoned by a panic"))
    }
}

fn configure_writer(conn: &Connection) -> Result<(), StoreError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|e| StoreError::from_sqlite(e, "Cannot switch the database to WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::internal(format!(
            "The database refused WAL mode (journal mode is {mode})"
        )));
    }
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;",
    )
    .map_err(|e| StoreError::from_sqlite(e, "Cannot configure the database"))?;
    Ok(())
}

/// The sqlite-vec version answered by `vec_version()`, proving the extension is loaded.
pub fn vec_version(conn: &Connection) -> Result<String, StoreError> {
    conn.query_row("SELECT vec_version()", [], |row| row.get(0))
        .map_err(|e| StoreError::from_sqlite(e, "sqlite-vec is not loaded"))
}

fn check_vec(conn: &Connection) -> Result<(), StoreError> {
    let version = vec_version(conn)?;
    tracing::debug!(%version, "sqlite-vec loaded");
    Ok(())
}

/// Registers sqlite-vec as an auto-extension, so every connection opened afterwards in this
/// process (writer and readers alike) has it.
fn register_sqlite_vec() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_vec_init` has exactly the signature SQLite expects of an extension
        // entry point (`int (*)(sqlite3*, char**, const sqlite3_api_routines*)`); the
        // transmute only erases the argument types for `sqlite3_auto_extension`, as the
        // sqlite-vec documentation shows. It is registered once, before any connection opens.
        #[allow(unsafe_code)]
        unsafe {
            type EntryPoint = unsafe extern "C" fn(
                *mut rusqlite::ffi::sqlite3,
                *mut *mut std::ffi::c_char,
                *const rusqlite::ffi::sqlite3_api_routines,
            ) -> std::ffi::c_int;
            let entry: EntryPoint = std::mem::transmute(sqlite_vec::sqlite3_vec_init as *const ());
            rusqlite::ffi::sqlite3_auto_extension(Some(entry));
        }
    });
}
