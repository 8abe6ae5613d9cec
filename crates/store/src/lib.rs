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
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

/// The database file name inside a profile's data directory.
pub const DATABASE_FILE: &str = "orbit.sqlite3";

/// How many idle reader connections are kept open.
const READER_POOL: usize = 4;

/// The page size of a new database. Bigger than SQLite's 4 KiB: a first sync appends
/// messages of a few KiB each, and every page is two writes to the WAL and one more at the
/// checkpoint, so 16 KiB pages make a quarter of those system calls (and, at 50,000
/// messages, a database a fifth smaller).
const PAGE_SIZE: u32 = 16 * 1024;

/// WAL bytes after which a commit checkpoints on the writer's own thread: SQLite's default
/// (about 4 MiB), used when the background checkpointer could not start.
const AUTOCHECKPOINT_BYTES: u32 = 4 * 1024 * 1024;

/// The same with the background checkpointer running: only a bound (32 MiB) should it fall
/// behind, as the checkpointer copies the WAL into the database shortly after each commit.
const FALLBACK_AUTOCHECKPOINT_BYTES: u32 = 32 * 1024 * 1024;

/// How long the checkpointer lets commits gather before copying them.
const CHECKPOINT_DELAY: Duration = Duration::from_millis(20);

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
    /// Copies the WAL into the database off the writer's thread; `None` if it could not
    /// start (then commits checkpoint themselves, as SQLite does by default).
    checkpointer: Option<Checkpointer>,
}

/// A thread with its own connection that checkpoints (PASSIVE: never waiting for readers
/// or the writer) after commits, so a commit does not pay for copying pages into the
/// database and syncing it. A big sync commits a batch every few milliseconds; the copy
/// and the fsync then run beside it instead of in its path.
#[derive(Debug)]
struct Checkpointer {
    signal: Arc<(Mutex<Wake>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Wake {
    /// Something was committed since the last checkpoint.
    committed: bool,
    /// The store is closing.
    stop: bool,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StoreError::from_sqlite(e, "Cannot open the checkpointer's connection"))?;
        let signal = Arc::new((Mutex::new(Wake::default()), Condvar::new()));
        let wake = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name("orbit-checkpoint".into())
            .spawn(move || checkpoint_loop(&conn, &wake))
            .map_err(|e| StoreError::internal(format!("Cannot start the checkpointer: {e}")))?;
        Ok(Self {
            signal,
            thread: Some(thread),
        })
    }

    fn committed(&self) {
        let (lock, wake) = &*self.signal;
        if let Ok(mut state) = lock.lock() {
            state.committed = true;
            wake.notify_one();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.signal;
        if let Ok(mut state) = lock.lock() {
            state.stop = true;
            wake.notify_one();
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the checkpointer thread panicked");
        }
    }
}

fn checkpoint_loop(conn: &Connection, signal: &(Mutex<Wake>, Condvar)) {
    let (lock, wake) = signal;
    loop {
        {
            let Ok(mut state) = lock.lock() else { return };
            while !state.committed && !state.stop {
                state = match wake.wait(state) {
                    Ok(state) => state,
                    Err(_) => return,
                };
            }
            if state.stop {
                return;
            }
        }
        // Let the commits of a burst gather, then copy them in one go.
        std::thread::sleep(CHECKPOINT_DELAY);
        if let Ok(mut state) = lock.lock() {
            state.committed = false;
        }
        if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
            // Busy (another process checkpoints) or a disk error: the next commit tries
            // again, and the writer's own bound still holds.
            tracing::debug!(error = %e, "background checkpoint");
        }
    }
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
        let checkpointer = match Checkpointer::start(path) {
            Ok(checkpointer) => {
                set_autocheckpoint(&writer, FALLBACK_AUTOCHECKPOINT_BYTES)?;
                Some(checkpointer)
            }
            Err(e) => {
                tracing::warn!(error = %e, "commits will checkpoint themselves");
                set_autocheckpoint(&writer, AUTOCHECKPOINT_BYTES)?;
                None
            }
        };
        Ok(Self {
            path: path.to_owned(),
            options,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            checkpointer,
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
        drop(conn);
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.committed();
        }
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
    // Takes effect only on a new, empty file (before WAL mode writes its header); an
    // existing database keeps the page size it was created with.
    conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE};"))
        .map_err(|e| StoreError::from_sqlite(e, "Cannot set the database page size"))?;
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
         PRAGMA synchronous = NORMAL;
         -- 16 MiB of pages (SQLite's default is 2 MiB): a big mailbox's indexes on
         -- Message-IDs are written at random places, and each page missed is read again.
         PRAGMA cache_size = -16384;
         -- Statement journals (an insert that fires triggers keeps one, to undo just that
         -- statement) and temporary sorts stay in memory instead of temporary files.
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| StoreError::from_sqlite(e, "Cannot configure the database"))?;
    Ok(())
}

/// Makes commits checkpoint once the WAL holds about `bytes` (in pages of this database,
/// whose page size depends on the Orbit that created it).
fn set_autocheckpoint(conn: &Connection, bytes: u32) -> Result<(), StoreError> {
    let page_size: u32 = conn
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .map_err(|e| StoreError::from_sqlite(e, "Cannot read the database page size"))?;
    let pages = bytes / page_size.max(512);
    conn.execute_batch(&format!("PRAGMA wal_autocheckpoint = {pages};"))
        .map_err(|e| StoreError::from_sqlite(e, "Cannot configure checkpoints"))
}

/// The sqlite-vec version answered by `vec_version()`, proving the extension is loaded.
pub fn vec_version(conn: &Connection) -> Result<String, StoreError> {
    conn.query_row("SELECT vec_version()", [], |row| row.get(0))
        .map_err(|e| StoreError::from_sqlite(e, "sqlite-vec is not loaded"))
}

/// Inserts a row with `insert` (an `INSERT OR IGNORE`) and, when that changes nothing because
/// the row is there, runs `update` with the same parameters: what `INSERT … ON CONFLICT DO
/// UPDATE` does, without the statement journal SQLite keeps for an upsert (it copies every
/// page the statement changes before changing it). For writes made once per stored message.
pub(crate) fn insert_or_update<P: rusqlite::Params + Copy>(
    conn: &Connection,
    insert: &str,
    update: &str,
    params: P,
) -> rusqlite::Result<()> {
    if conn.prepare_cached(insert)?.execute(params)? == 0 {
        conn.prepare_cached(update)?.execute(params)?;
    }
    Ok(())
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
