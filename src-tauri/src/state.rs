//! The shell's state: the opened core, or why it could not be opened (a locked, newer or
//! damaged database), so every command can answer with that reason instead of crashing.

use std::sync::Arc;

use orbit_core::Orbit;

use crate::error::{IpcError, IpcResult};

/// Managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    core: Result<Arc<Orbit>, orbit_core::Error>,
}

impl AppState {
    pub fn new(core: Result<Arc<Orbit>, orbit_core::Error>) -> Self {
        Self { core }
    }

    /// The core, or the error that kept it from opening.
    pub fn core(&self) -> IpcResult<Arc<Orbit>> {
        self.core.clone().map_err(IpcError::from)
    }
}

/// Runs blocking core work (SQLite, the keyring over D-Bus) off the async executor.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> orbit_core::Result<T> + Send + 'static,
) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| IpcError::internal(format!("A background task failed: {e}")))?
        .map_err(IpcError::from)
}
