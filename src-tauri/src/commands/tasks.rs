//! Task commands: thin wrappers over the core's tasks.

use orbit_core::tasks::{ScanMode, Task, TaskList, TaskPatch, TaskStats, TaskSuggestion};
use tauri::State;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

/// Every task list.
#[tauri::command]
pub async fn task_lists(state: State<'_, AppState>) -> IpcResult<Vec<TaskList>> {
    let core = state.core()?;
    blocking(move || core.task_lists()).await
}

/// Makes a list kept on this computer.
#[tauri::command]
pub async fn task_list_create(state: State<'_, AppState>, name: String) -> IpcResult<TaskList> {
    let core = state.core()?;
    blocking(move || core.task_list_create(&name)).await
}

/// The tasks of a list (or of all).
#[tauri::command]
pub async fn tasks(state: State<'_, AppState>, list_id: Option<i64>) -> IpcResult<Vec<Task>> {
    let core = state.core()?;
    blocking(move || core.tasks(list_id)).await
}

/// Adds a task from a line.
#[tauri::command]
pub async fn task_add(
    state: State<'_, AppState>,
    list_id: i64,
    text: String,
    parent: Option<String>,
) -> IpcResult<Task> {
    let core = state.core()?;
    blocking(move || core.task_add(list_id, &text, parent.as_deref())).await
}

/// Changes a task.
#[tauri::command]
pub async fn task_update(
    state: State<'_, AppState>,
    uid: String,
    patch: TaskPatch,
) -> IpcResult<Task> {
    let core = state.core()?;
    blocking(move || core.task_update(&uid, &patch)).await
}

/// Moves a task to a column, before another (or to the end).
#[tauri::command]
pub async fn task_move(
    state: State<'_, AppState>,
    uid: String,
    column: String,
    before: Option<String>,
) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.task_move(&uid, &column, before.as_deref())).await
}

/// Marks a task done or open.
#[tauri::command]
pub async fn task_done(state: State<'_, AppState>, uid: String, done: bool) -> IpcResult<Task> {
    let core = state.core()?;
    blocking(move || core.task_done(&uid, done)).await
}

/// Deletes a task.
#[tauri::command]
pub async fn task_delete(state: State<'_, AppState>, uid: String) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.task_delete(&uid)).await
}

/// Statistics per day, week or month.
#[tauri::command]
pub async fn task_stats(state: State<'_, AppState>, period: String) -> IpcResult<TaskStats> {
    let core = state.core()?;
    blocking(move || core.task_stats(&period)).await
}

/// Tasks found in recent mail and chat, waiting for the user (new mail and chat are looked at
/// first).
#[tauri::command]
pub async fn task_suggestions(state: State<'_, AppState>) -> IpcResult<Vec<TaskSuggestion>> {
    let core = state.core()?;
    if let Err(e) = core.task_scan(ScanMode::Auto).await {
        tracing::info!(error = %e, "could not look for tasks");
    }
    blocking(move || core.task_suggestions()).await
}

/// Asks the assistant to suggest priorities; the tasks it advised on.
#[tauri::command]
pub async fn task_prioritise(state: State<'_, AppState>) -> IpcResult<Vec<Task>> {
    let core = state.core()?;
    Ok(core.task_prioritise().await?)
}

/// Whether the assistant may read new mail and chat for tasks.
#[tauri::command]
pub async fn task_extraction_get(state: State<'_, AppState>) -> IpcResult<bool> {
    let core = state.core()?;
    blocking(move || core.task_extraction_with_model()).await
}

/// Lets the assistant read new mail and chat for tasks, or stops it.
#[tauri::command]
pub async fn task_extraction_set(state: State<'_, AppState>, on: bool) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.set_task_extraction_with_model(on)).await
}

/// Accepts a suggestion into a list.
#[tauri::command]
pub async fn task_suggestion_accept(
    state: State<'_, AppState>,
    id: i64,
    list_id: i64,
) -> IpcResult<Task> {
    let core = state.core()?;
    blocking(move || core.task_suggestion_accept(id, list_id)).await
}

/// Dismisses a suggestion.
#[tauri::command]
pub async fn task_suggestion_dismiss(state: State<'_, AppState>, id: i64) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.task_suggestion_dismiss(id)).await
}

/// A task from a conversation.
#[tauri::command]
pub async fn task_from_message(
    state: State<'_, AppState>,
    message_id: i64,
    list_id: i64,
) -> IpcResult<Task> {
    let core = state.core()?;
    blocking(move || core.task_from_message(message_id, list_id)).await
}
