//! The tray icon with its menu (Open Orbit, Sync now, Quit), and whether closing the window
//! should hide it to the tray: only when a tray host is really there to bring it back.

use orbit_core::Actor;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// Whether the tray icon exists and a host shows it.
#[derive(Debug, Clone, Copy)]
pub struct TrayStatus {
    /// Closing the main window hides it instead of quitting.
    pub close_to_tray: bool,
}

/// Builds the tray icon. Never fails the app: with no tray host, Orbit logs it and closing
/// the window quits as usual.
pub fn install(app: &AppHandle) -> TrayStatus {
    match build(app) {
        Ok(()) => {
            let host = tray_host_present();
            if !host {
                tracing::info!("no system tray host found; closing the window will quit Orbit");
            }
            TrayStatus {
                close_to_tray: host,
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon; closing the window will quit Orbit");
            TrayStatus {
                close_to_tray: false,
            }
        }
    }
}

fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Orbit", true, None::<&str>)?;
    let sync = MenuItem::with_id(app, "sync", "Sync now", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Orbit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &sync, &separator, &quit])?;
    let mut builder = TrayIconBuilder::with_id("orbit")
        .tooltip("Orbit")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main(app),
            "sync" => sync_now(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Shows, unminimises and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// "Sync now": checks every account's servers (notifying the user of any that fail) and
/// syncs the mail of every account with an IMAP server.
fn sync_now(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Ok(core) = app.state::<AppState>().core() else {
            return;
        };
        let _ = app.emit("sync-started", ());
        match core.account_test_all(Actor::Sync).await {
            Ok(reports) => {
                let failed: Vec<String> = reports
                    .iter()
                    .filter(|r| !r.ok)
                    .map(|r| r.summary())
                    .collect();
                if !failed.is_empty() {
                    let _ = app
                        .notification()
                        .builder()
                        .title("Orbit cannot reach a server")
                        .body(failed.join("\n"))
                        .show();
                }
            }
            Err(e) => tracing::warn!(error = %e, "connection check failed"),
        }
        let options = orbit_core::mail::SyncOptions::default();
        if let Err(e) = crate::sync::sync_all(&core, None, &options).await {
            tracing::warn!(error = %e, "mail sync failed");
        }
        let _ = app.emit("sync-finished", ());
    });
}

/// Whether a StatusNotifierItem host (the modern Linux tray) is on the session bus.
#[cfg(target_os = "linux")]
fn tray_host_present() -> bool {
    use gtk::gio;
    use gtk::glib::{ToVariant, VariantTy};
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
        return false;
    };
    bus.call_sync(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        Some(&("org.kde.StatusNotifierWatcher",).to_variant()),
        Some(VariantTy::new("(b)").unwrap_or(VariantTy::ANY)),
        gio::DBusCallFlags::NONE,
        500,
        gio::Cancellable::NONE,
    )
    .ok()
    .and_then(|reply| reply.get::<(bool,)>())
    .is_some_and(|(owned,)| owned)
}

/// macOS and Windows always have a menu bar / notification area.
#[cfg(not(target_os = "linux"))]
fn tray_host_present() -> bool {
    true
}
