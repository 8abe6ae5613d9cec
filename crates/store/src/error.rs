//! The store's error type: a small [`StoreErrorKind`] callers branch on, and a message for people.

use std::fmt;

/// What kind of failure a store call met; callers branch on this, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// Another process holds the database lock longer than the busy timeout.
    Locked,
    /// The file was written by a newer Orbit; it is left untouched.
    NewerSchema,
    /// The file is not an SQLite database, or is damaged.
    Corrupt,
    /// A row that was asked for does not exist.
    NotFound,
    /// A uniqueness or check constraint refused the write.
    Constraint,
    /// Anything else: I/O errors, bugs.
    Other,
}

/// An error from the store, with context saying what was being done.
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    source: Option<rusqlite::Error>,
}

impl StoreError {
    /// The kind to branch on.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// Wraps an SQLite error, classifying it, with `context` saying what was being done.
    pub fn from_sqlite(err: rusqlite::Error, context: &str) -> Self {
        use rusqlite::ffi::ErrorCode;
        let kind = match &err {
            rusqlite::Error::QueryReturnedNoRows => StoreErrorKind::NotFound,
            rusqlite::Error::SqliteFailure(e, _) => match e.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreErrorKind::Locked,
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => StoreErrorKind::Corrupt,
                ErrorCode::ConstraintViolation => StoreErrorKind::Constraint,
                _ => StoreErrorKind::Other,
            },
            _ => StoreErrorKind::Other,
        };
        let message = match kind {
            StoreErrorKind::Locked => format!(
                "{context}: the database is locked by another process (is another Orbit running on this profile?)"
            ),
            StoreErrorKind::Corrupt => format!(
                "{context}: the database file is damaged or is not an Orbit database ({err})"
            ),
            _ => format!("{context}: {err}"),
        };
        Self {
            kind,
            message,
            source: Some(err),
        }
    }

    pub(crate) fn newer_schema(found: u32, supported: u32) -> Self {
        Self {
            kind: StoreErrorKind::NewerSchema,
            message: format!(
                "This profile was written by a newer version of Orbit (schema version {found}; this version understands up to {supported}). Update Orbit to open it; the file was left untouched."
            ),
            source: None,
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self {
            kind: StoreErrorKind::NotFound,
            message: what.into(),
            source: None,
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self {
            kind: StoreErrorKind::Other,
            message: message.into(),
            source: None,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
