//! Core's error: a stable [`ErrorCode`] the front doors branch on (the UI receives it as
//! `{code, message}`), and a message in the user's words that never contains a secret.

use std::fmt;

use orbit_secrets::{SecretError, SecretErrorKind};
use orbit_store::{StoreError, StoreErrorKind};
use serde::Serialize;

/// What went wrong, as a stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is not acceptable; the message says which field and why.
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// No OS keyring can be reached.
    KeyringUnavailable,
    /// The keyring refused or failed.
    Keyring,
    /// The database failed.
    Database,
    /// Another process holds the database.
    DatabaseLocked,
    /// The database was written by a newer Orbit.
    DatabaseNewer,
    /// The database file is damaged.
    DatabaseCorrupt,
    /// A network operation failed.
    Network,
    /// The assistant's provider has no API key.
    NoApiKey,
    /// The assistant's budget or rate limit is reached.
    BudgetReached,
    /// The model provider refused or failed the request.
    Model,
    /// A bug or an unexpected failure.
    Internal,
}

impl ErrorCode {
    /// The stable name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::Keyring => "keyring",
            ErrorCode::Database => "database",
            ErrorCode::DatabaseLocked => "database_locked",
            ErrorCode::DatabaseNewer => "database_newer",
            ErrorCode::DatabaseCorrupt => "database_corrupt",
            ErrorCode::Network => "network",
            ErrorCode::NoApiKey => "no_api_key",
            ErrorCode::BudgetReached => "budget_reached",
            ErrorCode::Model => "model",
            ErrorCode::Internal => "internal",
        }
    }
}

/// An error from core.
#[derive(Debug, Clone, Serialize)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Invalid input, with a message naming the field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// Not found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// An unexpected failure, with context.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// The code to branch on.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with what was being done.
    pub fn context(mut self, doing: &str) -> Self {
        self.message = format!("{doing}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        let code = match err.kind() {
            StoreErrorKind::Locked => ErrorCode::DatabaseLocked,
            StoreErrorKind::NewerSchema => ErrorCode::DatabaseNewer,
            StoreErrorKind::Corrupt => ErrorCode::DatabaseCorrupt,
            StoreErrorKind::NotFound => ErrorCode::NotFound,
            StoreErrorKind::Constraint => ErrorCode::InvalidInput,
            StoreErrorKind::Other => ErrorCode::Database,
        };
        Self::new(code, err.to_string())
    }
}

impl From<SecretError> for Error {
    fn from(err: SecretError) -> Self {
        let code = match err.kind() {
            SecretErrorKind::Unavailable => ErrorCode::KeyringUnavailable,
            SecretErrorKind::Denied | SecretErrorKind::Other => ErrorCode::Keyring,
        };
        Self::new(code, err.to_string())
    }
}

/// Core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
