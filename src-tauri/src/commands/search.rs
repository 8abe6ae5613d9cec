//! Search commands.

use orbit_core::embed::{EmbedStatus, EmbeddingSettings, SearchMode};
use orbit_core::search::{IndexStatus, SearchOptions, SearchResults};
use tauri::State;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

/// Searches the mail with the query language; `as_you_type` makes the last word a prefix;
/// `mode` is text, semantic, hybrid or auto (the default: hybrid when semantic search is on).
#[tauri::command]
pub async fn search_mail(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
    as_you_type: bool,
    mode: Option<String>,
) -> IpcResult<SearchResults> {
    let core = state.core()?;
    let mode = SearchMode::parse(mode.as_deref().unwrap_or("auto"))?;
    let options = SearchOptions {
        limit: limit.unwrap_or(50),
        as_you_type,
    };
    Ok(core.search_with(&query, options, mode).await?)
}

/// How far the search index is.
#[tauri::command]
pub async fn search_status(state: State<'_, AppState>) -> IpcResult<IndexStatus> {
    let core = state.core()?;
    blocking(move || core.search_status()).await
}

/// The semantic search settings.
#[tauri::command]
pub async fn embedding_settings(state: State<'_, AppState>) -> IpcResult<EmbeddingSettings> {
    let core = state.core()?;
    blocking(move || core.embedding_settings()).await
}

/// Turns semantic search on or off, or changes its model or vector size.
#[tauri::command]
pub async fn embedding_update(
    state: State<'_, AppState>,
    enabled: Option<bool>,
    model: Option<String>,
    dimensions: Option<usize>,
) -> IpcResult<EmbeddingSettings> {
    let core = state.core()?;
    blocking(move || core.embedding_update(enabled, model.as_deref(), dimensions)).await
}

/// How far the embedding of the mail is.
#[tauri::command]
pub async fn embed_status(state: State<'_, AppState>) -> IpcResult<EmbedStatus> {
    let core = state.core()?;
    blocking(move || core.embed_status()).await
}
