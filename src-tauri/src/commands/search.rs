//! Search commands.

use orbit_core::search::{IndexStatus, SearchOptions, SearchResults};
use tauri::State;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

/// Searches the mail with the query language; `as_you_type` makes the last word a prefix.
#[tauri::command]
pub async fn search_mail(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
    as_you_type: bool,
) -> IpcResult<SearchResults> {
    let core = state.core()?;
    blocking(move || {
        core.search(
            &query,
            SearchOptions {
                limit: limit.unwrap_or(50),
                as_you_type,
            },
        )
    })
    .await
}

/// How far the search index is.
#[tauri::command]
pub async fn search_status(state: State<'_, AppState>) -> IpcResult<IndexStatus> {
    let core = state.core()?;
    blocking(move || core.search_status()).await
}
