//! The Orbit desktop shell: the only crate that knows Tauri. It opens the core, exposes thin
//! commands over it, forwards core events to the webview, and owns the tray icon, notifications
//! and window behaviour (close to tray when a tray host exists).
//!
//! Architecture invariant: no logic here beyond wiring; every command calls one core function.

mod commands;
mod error;
mod reminders;
mod state;
mod sync;
mod tray;

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use orbit_core::{Event, OpenOptions, Orbit};
use tauri::{Emitter, Manager, RunEvent, WindowEvent};

use state::AppState;

/// When the process started, for the start-up time logged at first paint.
pub(crate) static STARTED: OnceLock<Instant> = OnceLock::new();

fn open_core() -> Result<Arc<Orbit>, orbit_core::Error> {
    let data_dir = orbit_core::resolve_data_dir(None)?;
    Orbit::open(OpenOptions::from_env(data_dir)).map(Arc::new)
}

/// A plugin that keeps the main webview on the app's own origin: any other navigation is
/// refused (links are opened by the system browser through a command, never in the view),
/// and a click on a message's link (a navigation to `…#orbit-link:<target>`) is turned into a
/// "link-activated" event for the app to ask about.
fn navigation_guard<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|webview, url| {
            // A link clicked in a message frame (see orbit_mail::sanitize::link_href): never
            // followed; the app shows its real target and opens it in the system browser if
            // the user says so.
            if url.fragment().is_some_and(|f| f.starts_with("orbit-link:")) {
                if let Some(target) = orbit_core::mail::link_target(url.as_str()) {
                    let _ = webview.emit("link-activated", serde_json::json!({ "target": target }));
                }
                return false;
            }
            // `about:srcdoc` is the reading pane's sandboxed message frame, whose content the
            // app itself supplies (see ui/src/lib/views/mail/HtmlBody.svelte).
            let allowed = matches!(
                (url.scheme(), url.host_str()),
                ("tauri", Some("localhost")) | ("http" | "https", Some("tauri.localhost"))
            ) || (url.scheme() == "about" && url.path() == "srcdoc")
                || (cfg!(debug_assertions)
                    && url.scheme() == "http"
                    && url.host_str() == Some("localhost")
                    && url.port() == Some(5173));
            if !allowed {
                tracing::warn!(%url, "blocked a navigation away from the app");
            }
            allowed
        })
        .build()
}

/// Sends queued mail whose undo window has passed, and retries what failed for a while, for as
/// long as the app runs.
fn send_outbox(core: &Arc<Orbit>) {
    let core = Arc::clone(core);
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = core.outbox_process().await {
                tracing::warn!(error = %e, "the outbox could not be processed");
            }
        }
    });
}

/// Keeps the search index up with the store: whatever sync, changes or imports marked is
/// indexed within a couple of seconds, off the async threads (idle, a pass is one query).
fn keep_search_index(core: &Arc<Orbit>) {
    let core = Arc::clone(core);
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            let core = Arc::clone(&core);
            match tokio::task::spawn_blocking(move || core.search_keep_up()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(left)) => tracing::debug!(left, "another Orbit process is indexing"),
                Ok(Err(e)) => tracing::warn!(error = %e, "the search index could not catch up"),
                Err(e) => tracing::warn!(error = %e, "the search indexer stopped"),
            }
        }
    });
}

/// Semantic search, when the user turned it on: embeds what waits, a few hundred messages a
/// pass; offline or rate limited, the rest waits for the next pass. Off, a pass is one
/// settings read.
fn keep_embeddings(core: &Arc<Orbit>) {
    let core = Arc::clone(core);
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            tick.tick().await;
            match core.embed_catch_up(400).await {
                Ok(status) => {
                    if let Some(why) = status.stopped {
                        tracing::info!(pending = status.pending, %why, "embedding paused");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "embedding failed"),
            }
        }
    });
}

/// Looks at new mail and chat for tasks in the background (the model reads them only when the
/// user allowed it); the UI hears when suggestions were found.
pub(crate) fn look_for_tasks(app: &tauri::AppHandle, core: &Arc<Orbit>) {
    let app = app.clone();
    let core = Arc::clone(core);
    tauri::async_runtime::spawn(async move {
        match core.task_scan(orbit_core::tasks::ScanMode::Auto).await {
            Ok(report) if report.found > 0 => {
                if let Err(e) = app.emit("task-suggestions-changed", report.found) {
                    tracing::debug!(error = %e, "could not announce task suggestions");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::info!(error = %e, "could not look for tasks"),
        }
    });
}

fn forward_events(app: &tauri::AppHandle, core: &Arc<Orbit>) {
    let mut events = core.subscribe();
    let app = app.clone();
    let core = Arc::clone(core);
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "event receiver lagged; asking the UI to refresh");
                    let _ = app.emit("accounts-changed", ());
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            let sent = match event {
                Event::ActivityAdded { id } => {
                    app.emit("activity-added", serde_json::json!({ "id": id }))
                }
                Event::AccountsChanged => {
                    app.state::<sync::Watchers>().refresh(&app, &core);
                    app.state::<reminders::CalendarKick>().kick();
                    app.emit("accounts-changed", ())
                }
                Event::SettingsChanged => app.emit("settings-changed", ()),
                Event::MailChanged { account_id } => app.emit(
                    "mail-changed",
                    serde_json::json!({ "account_id": account_id }),
                ),
                Event::ChangesQueued { account_id } => {
                    app.state::<sync::Watchers>().kick(account_id);
                    Ok(())
                }
                Event::OutboxChanged => app.emit("outbox-changed", ()),
                Event::CalendarChanged => app
                    .emit("calendar-changed", ())
                    .and_then(|()| app.emit("tasks-changed", ())),
                Event::CalendarQueued => {
                    app.state::<reminders::CalendarKick>().kick();
                    Ok(())
                }
                Event::MailArrived { account_id, count } => {
                    app.state::<sync::NewMailNotifier>()
                        .arrived(&app, account_id, count);
                    look_for_tasks(&app, &core);
                    app.emit(
                        "mail-arrived",
                        serde_json::json!({ "account_id": account_id, "count": count }),
                    )
                }
            };
            if let Err(e) = sent {
                tracing::debug!(error = %e, "could not forward an event");
            }
        }
    });
}

/// Starts the desktop app.
pub fn run() {
    STARTED.get_or_init(Instant::now);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ORBIT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let core = open_core();
    if let Err(e) = &core {
        tracing::error!(code = e.code().as_str(), "cannot open the profile: {e}");
    }

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(navigation_guard())
        .manage(AppState::new(core.clone()))
        .invoke_handler(tauri::generate_handler![
            commands::app::ui_ready,
            commands::app::app_info,
            commands::app::notification_test,
            commands::accounts::account_list,
            commands::accounts::account_add,
            commands::accounts::account_update,
            commands::accounts::account_remove,
            commands::accounts::account_test,
            commands::activity::activity_list,
            commands::activity::activity_undo,
            commands::settings::settings_get,
            commands::settings::provider_update,
            commands::settings::api_key_set,
            commands::settings::api_key_remove,
            commands::mail::mail_folders,
            commands::mail::mail_list,
            commands::mail::mail_show,
            commands::mail::mail_thread,
            commands::mail::mail_render,
            commands::mail::open_link,
            commands::mail::mail_compose_template,
            commands::mail::draft_save,
            commands::mail::draft_list,
            commands::mail::draft_delete,
            commands::mail::draft_attach,
            commands::mail::draft_send,
            commands::mail::outbox_list,
            commands::mail::outbox_cancel,
            commands::mail::mail_contacts,
            commands::mail::mail_allow_remote,
            commands::mail::outbox_retry,
            commands::mail::mail_prefs,
            commands::mail::mail_set_undo_send,
            commands::mail::mail_set_server_saves_sent,
            commands::mail::mail_sync,
            commands::mail::mail_set_flags,
            commands::mail::mail_archive,
            commands::mail::mail_delete,
            commands::mail::mail_move,
            commands::mail::mail_open_sample,
            commands::search::search_mail,
            commands::search::search_status,
            commands::search::embedding_settings,
            commands::search::embedding_update,
            commands::search::embed_status,
            commands::assistant::assistant_ask,
            commands::assistant::assistant_stop,
            commands::assistant::assistant_painted,
            commands::assistant::assistant_settings,
            commands::assistant::assistant_update,
            commands::assistant::chat_sessions,
            commands::assistant::chat_session,
            commands::assistant::chat_requests,
            commands::assistant::chat_rename,
            commands::assistant::chat_delete,
            commands::assistant::proposals,
            commands::assistant::proposal_reject,
            commands::assistant::proposal_confirm,
            commands::calendar::calendar_list,
            commands::calendar::calendar_events,
            commands::calendar::calendar_preview,
            commands::calendar::calendar_create,
            commands::calendar::calendar_move,
            commands::calendar::calendar_delete,
            commands::calendar::calendar_sync,
            commands::calendar::mail_invitation,
            commands::calendar::invitation_respond,
            commands::calendar::invitation_apply,
            commands::tasks::task_lists,
            commands::tasks::task_list_create,
            commands::tasks::tasks,
            commands::tasks::task_add,
            commands::tasks::task_update,
            commands::tasks::task_move,
            commands::tasks::task_done,
            commands::tasks::task_delete,
            commands::tasks::task_stats,
            commands::tasks::task_suggestions,
            commands::tasks::task_prioritise,
            commands::tasks::task_extraction_get,
            commands::tasks::task_extraction_set,
            commands::tasks::task_suggestion_accept,
            commands::tasks::task_suggestion_dismiss,
            commands::tasks::task_from_message,
        ])
        .setup(move |app| {
            app.manage(sync::Watchers::default());
            app.manage(commands::assistant::Running::default());
            app.manage(sync::NewMailNotifier::default());
            app.manage(reminders::CalendarKick::default());
            if let Ok(core) = &core {
                forward_events(app.handle(), core);
                app.state::<sync::Watchers>().refresh(app.handle(), core);
                send_outbox(core);
                keep_search_index(core);
                keep_embeddings(core);
                reminders::keep_calendar(app.handle(), core);
            }
            let tray = tray::install(app.handle());
            app.manage(tray);
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.label() == "main"
                && window
                    .app_handle()
                    .state::<tray::TrayStatus>()
                    .close_to_tray
            {
                tracing::info!("window close requested; hiding to the tray");
                api.prevent_close();
                if let Err(e) = window.hide() {
                    tracing::warn!(error = %e, "could not hide the window");
                }
            }
        })
        .build(tauri::generate_context!());

    match app {
        Ok(app) => app.run(|_app, event| {
            if let RunEvent::ExitRequested { code, .. } = event {
                tracing::info!(?code, "exiting");
            }
        }),
        Err(e) => {
            tracing::error!(error = %e, "Orbit could not start");
            eprintln!("Orbit could not start: {e}");
            std::process::exit(1);
        }
    }
}
