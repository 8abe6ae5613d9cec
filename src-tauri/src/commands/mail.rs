//! Mail commands.

use orbit_core::mail::{
    Draft, DraftInput, Folder, ImportReport, MailFlag, MailPrefs, Message, MessageSummary,
    OutboxItem, RenderedMessage, SyncOptions, SyncReport, TakenBack,
};
use orbit_core::{AccountId, Actor};
use tauri::State;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

#[tauri::command]
pub async fn mail_folders(
    state: State<'_, AppState>,
    account_id: Option<i64>,
) -> IpcResult<Vec<Folder>> {
    let core = state.core()?;
    blocking(move || core.mail_folders(account_id.map(AccountId))).await
}

#[tauri::command]
pub async fn mail_list(
    state: State<'_, AppState>,
    folder_id: i64,
    limit: u32,
    offset: u32,
) -> IpcResult<Vec<MessageSummary>> {
    let core = state.core()?;
    blocking(move || core.mail_list(folder_id, limit, offset)).await
}

#[tauri::command]
pub async fn mail_show(state: State<'_, AppState>, id: i64) -> IpcResult<Message> {
    let core = state.core()?;
    blocking(move || core.mail_show(id)).await
}

#[tauri::command]
pub async fn mail_thread(state: State<'_, AppState>, thread_id: i64) -> IpcResult<Vec<Message>> {
    let core = state.core()?;
    blocking(move || core.mail_thread(thread_id)).await
}

/// A message made safe to show, for the reading pane's sandboxed iframe; with `remote`, or for
/// a sender the user allowed, its remote images fetched by the core.
#[tauri::command]
pub async fn mail_render(
    state: State<'_, AppState>,
    id: i64,
    dark: bool,
    remote: bool,
) -> IpcResult<RenderedMessage> {
    let core = state.core()?;
    Ok(core.mail_render_remote(id, dark, remote).await?)
}

/// Always (or no longer) load remote images from `sender`.
#[tauri::command]
pub async fn mail_allow_remote(
    state: State<'_, AppState>,
    sender: String,
    allow: bool,
) -> IpcResult<Vec<String>> {
    let core = state.core()?;
    blocking(move || core.mail_allow_remote(&sender, allow)).await
}

/// Opens a link from a message in the system browser (or mail client for `mailto:`), after
/// the user saw its real target. Anything but `http`, `https` and `mailto` is refused.
#[tauri::command]
pub async fn open_link(url: String) -> IpcResult<()> {
    let target = orbit_core::mail::link_target(&url).ok_or_else(|| {
        orbit_core::Error::invalid("Orbit only opens web (http, https) and mail (mailto) links")
    })?;
    open::that_detached(&target).map_err(|e| {
        orbit_core::Error::new(
            orbit_core::ErrorCode::Internal,
            format!("Cannot open {target} in the system browser: {e}"),
        )
    })?;
    Ok(())
}

#[tauri::command]
pub async fn mail_sync(
    state: State<'_, AppState>,
    account_id: Option<i64>,
) -> IpcResult<Vec<SyncReport>> {
    let core = state.core()?;
    Ok(crate::sync::sync_all(&core, account_id.map(AccountId), &SyncOptions::default()).await?)
}

#[tauri::command]
pub async fn mail_set_flags(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    flag: MailFlag,
    on: bool,
) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.mail_set_flags(&ids, flag, on, Actor::User)).await
}

#[tauri::command]
pub async fn mail_archive(state: State<'_, AppState>, ids: Vec<i64>) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.mail_archive(&ids, Actor::User)).await
}

#[tauri::command]
pub async fn mail_delete(state: State<'_, AppState>, ids: Vec<i64>) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.mail_delete(&ids, Actor::User)).await
}

#[tauri::command]
pub async fn mail_move(state: State<'_, AppState>, ids: Vec<i64>, folder_id: i64) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.mail_move(&ids, folder_id, Actor::User)).await
}

/// Opens the bundled sample workspace (offline), from the onboarding screen.
#[tauri::command]
pub async fn mail_open_sample(state: State<'_, AppState>) -> IpcResult<ImportReport> {
    let core = state.core()?;
    blocking(move || core.mail_import_sample()).await
}

/// A draft started from a message: reply, reply_all or forward (not saved yet).
#[tauri::command]
pub async fn mail_compose_template(
    state: State<'_, AppState>,
    account_id: i64,
    kind: String,
    message_id: i64,
) -> IpcResult<DraftInput> {
    let core = state.core()?;
    blocking(move || core.mail_compose_template(account_id, &kind, message_id)).await
}

/// Saves a draft (creates it without an id).
#[tauri::command]
pub async fn draft_save(state: State<'_, AppState>, input: DraftInput) -> IpcResult<Draft> {
    let core = state.core()?;
    blocking(move || core.draft_save(&input)).await
}

/// Drafts, most recently edited first.
#[tauri::command]
pub async fn draft_list(
    state: State<'_, AppState>,
    account_id: Option<i64>,
) -> IpcResult<Vec<Draft>> {
    let core = state.core()?;
    blocking(move || core.draft_list(account_id.map(AccountId))).await
}

/// Discards a draft.
#[tauri::command]
pub async fn draft_delete(state: State<'_, AppState>, id: i64) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.draft_delete(id)).await
}

/// Attaches a file (its bytes) to a draft.
#[tauri::command]
pub async fn draft_attach(
    state: State<'_, AppState>,
    id: i64,
    filename: String,
    mime_type: String,
    data: Vec<u8>,
) -> IpcResult<Draft> {
    let core = state.core()?;
    blocking(move || core.draft_attach(id, &filename, &mime_type, &data)).await
}

/// Sends a draft after `delay_secs` (the undo window).
#[tauri::command]
pub async fn draft_send(
    state: State<'_, AppState>,
    id: i64,
    delay_secs: u64,
) -> IpcResult<OutboxItem> {
    let core = state.core()?;
    blocking(move || core.draft_send(id, std::time::Duration::from_secs(delay_secs))).await
}

/// The outbox, newest first.
#[tauri::command]
pub async fn outbox_list(state: State<'_, AppState>) -> IpcResult<Vec<OutboxItem>> {
    let core = state.core()?;
    blocking(move || core.outbox_list()).await
}

/// Takes back a message that has not gone yet (Undo).
#[tauri::command]
pub async fn outbox_cancel(state: State<'_, AppState>, id: i64) -> IpcResult<TakenBack> {
    let core = state.core()?;
    blocking(move || core.outbox_cancel(id)).await
}

/// Addresses for autocomplete.
#[tauri::command]
pub async fn mail_contacts(
    state: State<'_, AppState>,
    query: String,
    limit: u32,
) -> IpcResult<Vec<String>> {
    let core = state.core()?;
    blocking(move || core.mail_contacts(&query, limit)).await
}

/// Sends a failed or waiting message again now.
#[tauri::command]
pub async fn outbox_retry(state: State<'_, AppState>, id: i64) -> IpcResult<OutboxItem> {
    let core = state.core()?;
    let item = blocking({
        let core = core.clone();
        move || core.outbox_retry(id)
    })
    .await?;
    let _ = core.outbox_process().await;
    Ok(item)
}

/// Mail preferences (undo window; accounts whose server files sent mail).
#[tauri::command]
pub async fn mail_prefs(state: State<'_, AppState>) -> IpcResult<MailPrefs> {
    let core = state.core()?;
    blocking(move || core.mail_prefs()).await
}

/// Sets the undo window in seconds.
#[tauri::command]
pub async fn mail_set_undo_send(state: State<'_, AppState>, secs: u64) -> IpcResult<MailPrefs> {
    let core = state.core()?;
    blocking(move || core.mail_set_undo_send(secs)).await
}

/// Sets whether an account's server files sent mail itself.
#[tauri::command]
pub async fn mail_set_server_saves_sent(
    state: State<'_, AppState>,
    account_id: i64,
    saves: bool,
) -> IpcResult<MailPrefs> {
    let core = state.core()?;
    blocking(move || core.mail_set_server_saves_sent(AccountId(account_id), saves)).await
}
