//! Activity log commands.

use orbit_core::{Activity, ActivityQuery};
use tauri::State;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

#[tauri::command]
pub async fn activity_list(
    state: State<'_, AppState>,
    filter: Option<ActivityQuery>,
) -> IpcResult<Vec<Activity>> {
    let core = state.core()?;
    let query = filter.unwrap_or_default();
    blocking(move || core.activity_list(&query)).await
}
