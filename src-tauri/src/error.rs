//! The one error shape the webview receives: `{code, message}`.

use serde::Serialize;

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize)]
pub struct IpcError {
    /// A stable name the UI branches on (`invalid_input`, `keyring_unavailable`, …).
    pub code: String,
    /// What happened, in the user's words.
    pub message: String,
}

impl IpcError {
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "internal".to_owned(),
            message: message.into(),
        }
    }
}

impl From<orbit_core::Error> for IpcError {
    fn from(err: orbit_core::Error) -> Self {
        Self {
            code: err.code().as_str().to_owned(),
            message: err.message().to_owned(),
        }
    }
}

impl From<tauri::Error> for IpcError {
    fn from(err: tauri::Error) -> Self {
        Self::internal(err.to_string())
    }
}

/// The result of every command.
pub type IpcResult<T> = Result<T, IpcError>;
