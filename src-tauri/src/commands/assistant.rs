//! Assistant commands. Answers stream to the webview through a [`Channel`]; one turn runs at a
//! time and `assistant_stop` ends it. A proposal runs only after the user confirms it in a
//! native dialog that the shell opens: the webview can ask for the dialog, never answer it.

use std::sync::Mutex;
use std::time::Instant;

use orbit_core::assistant::{
    AskInput, AskOutcome, AssistantEvent, AssistantSettings, AssistantUpdate, ProposalView,
    RequestView, SessionDetail, SessionView, Via,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, blocking};

/// The turn in progress, so Stop can end it; and when its first text went to the webview.
#[derive(Debug, Default)]
pub struct Running {
    task: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    first_token: std::sync::Arc<Mutex<Option<Instant>>>,
}

/// Asks the assistant; events stream through `on_event`.
#[tauri::command]
pub async fn assistant_ask(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    running: State<'_, Running>,
    input: AskInput,
    on_event: Channel<AssistantEvent>,
) -> IpcResult<AskOutcome> {
    let core = state.core()?;
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    if let Ok(mut f) = running.first_token.lock() {
        *f = None;
    }
    let first_seen = std::sync::Arc::clone(&running.first_token);
    let task = tauri::async_runtime::spawn(async move {
        let mut sink = |event: AssistantEvent| {
            if matches!(event, AssistantEvent::Text { .. })
                && let Ok(mut f) = first_seen.lock()
                && f.is_none()
            {
                *f = Some(Instant::now());
            }
            if let Err(e) = on_event.send(event) {
                tracing::debug!(error = %e, "the assistant's channel is closed");
            }
        };
        let result = core.ask(&input, &mut sink).await;
        let _ = done_tx.send(result);
        // What the user just said may hold something to do.
        crate::look_for_tasks(&app, &core);
    });
    if let Ok(mut slot) = running.task.lock()
        && let Some(previous) = slot.replace(task)
    {
        previous.abort();
    }
    match done_rx.await {
        Ok(outcome) => Ok(outcome?),
        Err(_) => Err(IpcError {
            code: "cancelled".into(),
            message: "Stopped. What was written so far is not kept.".into(),
        }),
    }
}

/// Stops the turn in progress (its partial answer is dropped; the question stays).
#[tauri::command]
pub async fn assistant_stop(running: State<'_, Running>) -> IpcResult<bool> {
    let task = running.task.lock().ok().and_then(|mut t| t.take());
    Ok(match task {
        Some(task) => {
            task.abort();
            true
        }
        None => false,
    })
}

/// The webview painted the first text of the last answer: logs how long after the shell got it.
#[tauri::command]
pub async fn assistant_painted(running: State<'_, Running>) -> IpcResult<Option<f64>> {
    let first = running.first_token.lock().ok().and_then(|mut f| f.take());
    Ok(first.map(|at| {
        let ms = at.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            first_token_paint_ms = ms,
            "first streamed token painted {ms:.1} ms after it arrived"
        );
        ms
    }))
}

/// The assistant's settings and spending.
#[tauri::command]
pub async fn assistant_settings(state: State<'_, AppState>) -> IpcResult<AssistantSettings> {
    let core = state.core()?;
    blocking(move || core.assistant_settings()).await
}

/// Changes the assistant's settings.
#[tauri::command]
pub async fn assistant_update(
    state: State<'_, AppState>,
    update: AssistantUpdate,
) -> IpcResult<AssistantSettings> {
    let core = state.core()?;
    blocking(move || core.assistant_update(&update)).await
}

/// Every chat session.
#[tauri::command]
pub async fn chat_sessions(state: State<'_, AppState>) -> IpcResult<Vec<SessionView>> {
    let core = state.core()?;
    blocking(move || core.chat_sessions()).await
}

/// One session's conversation.
#[tauri::command]
pub async fn chat_session(state: State<'_, AppState>, id: i64) -> IpcResult<SessionDetail> {
    let core = state.core()?;
    blocking(move || core.chat_session(id)).await
}

/// What the assistant saw in a session.
#[tauri::command]
pub async fn chat_requests(
    state: State<'_, AppState>,
    session_id: i64,
) -> IpcResult<Vec<RequestView>> {
    let core = state.core()?;
    blocking(move || core.chat_requests(session_id)).await
}

/// Renames a session.
#[tauri::command]
pub async fn chat_rename(
    state: State<'_, AppState>,
    id: i64,
    title: String,
) -> IpcResult<SessionView> {
    let core = state.core()?;
    blocking(move || core.chat_rename(id, &title)).await
}

/// Deletes a session.
#[tauri::command]
pub async fn chat_delete(state: State<'_, AppState>, id: i64) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.chat_delete(id)).await
}

/// Proposals waiting for the user (or all).
#[tauri::command]
pub async fn proposals(
    state: State<'_, AppState>,
    pending_only: bool,
) -> IpcResult<Vec<ProposalView>> {
    let core = state.core()?;
    blocking(move || core.proposals(pending_only)).await
}

/// Declines a proposal.
#[tauri::command]
pub async fn proposal_reject(state: State<'_, AppState>, id: i64) -> IpcResult<ProposalView> {
    let core = state.core()?;
    blocking(move || core.proposal_reject(id, Via::Ui)).await
}

/// Asks the user, in a native dialog, whether to run a proposal, and runs it if they say so.
/// Returns the proposal as it is afterwards (still pending when they said no).
#[tauri::command]
pub async fn proposal_confirm(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> IpcResult<ProposalView> {
    let core = state.core()?;
    let p = {
        let core = core.clone();
        blocking(move || core.proposal(id)).await?
    };
    if p.status != "pending" {
        return Err(
            orbit_core::Error::invalid(format!("This proposal was already {}", p.status)).into(),
        );
    }
    let mut text = p.summary.clone();
    if let Ok(input) = serde_json::to_string_pretty(&p.input) {
        text.push_str("\n\n");
        text.push_str(&input);
    }
    for w in &p.warnings {
        text.push_str("\n\n⚠ ");
        text.push_str(w);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .message(text)
        .title(format!("Orbit: confirm — {}", p.summary))
        .kind(if p.warnings.is_empty() {
            MessageDialogKind::Info
        } else {
            MessageDialogKind::Warning
        })
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Do it".into(),
            "Cancel".into(),
        ))
        .show(move |yes| {
            let _ = tx.send(yes);
        });
    let yes = rx.await.unwrap_or(false);
    if !yes {
        tracing::info!(
            proposal = id,
            "the user cancelled a proposal in the confirmation dialog"
        );
        return Ok(p);
    }
    Ok(core.proposal_confirm(id, Via::Ui).await?)
}
