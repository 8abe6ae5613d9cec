//! AI provider settings commands. API keys go in; they never come back out.

use orbit_core::{AiSettings, Provider, Sensitive};
use tauri::State;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> IpcResult<AiSettings> {
    let core = state.core()?;
    blocking(move || core.ai_settings()).await
}

#[tauri::command]
pub async fn provider_update(
    state: State<'_, AppState>,
    provider: Provider,
    base_url: Option<String>,
    model: Option<String>,
) -> IpcResult<AiSettings> {
    let core = state.core()?;
    blocking(move || core.provider_update(provider, base_url.as_deref(), model.as_deref())).await
}

#[tauri::command]
pub async fn api_key_set(
    state: State<'_, AppState>,
    provider: Provider,
    key: String,
) -> IpcResult<AiSettings> {
    let core = state.core()?;
    blocking(move || core.api_key_set(provider, Sensitive::new(key))).await
}

#[tauri::command]
pub async fn api_key_remove(
    state: State<'_, AppState>,
    provider: Provider,
) -> IpcResult<AiSettings> {
    let core = state.core()?;
    blocking(move || core.api_key_remove(provider)).await
}
