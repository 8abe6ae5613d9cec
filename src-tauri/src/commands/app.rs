//! App-level commands: facts for the About screen, and a test notification.

use orbit_core::AppInfo;
use tauri::{AppHandle, State};
use tauri_plugin_notification::NotificationExt;

use crate::error::IpcResult;
use crate::state::{AppState, blocking};

/// The webview calls this once its first content is rendered; the start-up time is logged
/// (`scripts/bench-app` reads it). The window is not kept hidden until then: WebKitGTK does not
/// load a page in an unmapped window, so hiding it would only delay the first paint.
#[tauri::command]
pub fn ui_ready() {
    let elapsed = crate::STARTED.get().map(std::time::Instant::elapsed);
    if let Some(elapsed) = elapsed {
        tracing::info!(
            first_paint_ms = elapsed.as_millis(),
            "first paint {} ms after start",
            elapsed.as_millis()
        );
    }
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> IpcResult<AppInfo> {
    let core = state.core()?;
    blocking(move || Ok(core.app_info())).await
}

#[tauri::command]
pub async fn notification_test(app: AppHandle, state: State<'_, AppState>) -> IpcResult<()> {
    let core = state.core()?;
    let shown = app
        .notification()
        .builder()
        .title("Orbit")
        .body("Notifications work. Orbit will tell you here when something needs you.")
        .show();
    let (ok, detail) = match shown {
        Ok(()) => (true, "sent to the notification service".to_owned()),
        Err(e) => {
            tracing::warn!(error = %e, "test notification failed");
            (false, e.to_string())
        }
    };
    blocking(move || core.notification_tested(ok, &detail)).await
}
