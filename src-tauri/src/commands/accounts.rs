//! Account commands.

use orbit_core::{Account, AccountId, AccountInput, Actor, ConnectionReport, Sensitive};
use tauri::State;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

#[tauri::command]
pub async fn account_list(state: State<'_, AppState>) -> IpcResult<Vec<Account>> {
    let core = state.core()?;
    blocking(move || core.account_list()).await
}

#[tauri::command]
pub async fn account_add(
    state: State<'_, AppState>,
    input: AccountInput,
    password: String,
) -> IpcResult<Account> {
    let core = state.core()?;
    blocking(move || core.account_add(&input, Sensitive::new(password))).await
}

#[tauri::command]
pub async fn account_update(
    state: State<'_, AppState>,
    id: i64,
    input: AccountInput,
    password: Option<String>,
) -> IpcResult<Account> {
    let core = state.core()?;
    blocking(move || core.account_update(AccountId(id), &input, password.map(Sensitive::new))).await
}

#[tauri::command]
pub async fn account_remove(state: State<'_, AppState>, id: i64) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.account_remove(AccountId(id))).await
}

#[tauri::command]
pub async fn account_test(state: State<'_, AppState>, id: i64) -> IpcResult<ConnectionReport> {
    let core = state.core()?;
    Ok(core.account_test(AccountId(id), Actor::User).await?)
}
