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

/// Takes back what an activity did (a move, archive, delete, flag change, or a draft the
/// assistant wrote), logged as the user's.
#[tauri::command]
pub async fn activity_undo(state: State<'_, AppState>, id: i64) -> IpcResult<Activity> {
    let core = state.core()?;
    blocking(move || core.activity_undo(id)).await
}
