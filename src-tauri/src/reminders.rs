//! The calendar in the background: reminders raised as native notifications (from the tray,
//! with the window closed too; those missed while Orbit was not running are summed up once at
//! start), and a periodic calendar sync.

use std::sync::Arc;
use std::time::Duration;

use orbit_core::Orbit;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

/// How often due reminders are looked for.
const CHECK_EVERY: Duration = Duration::from_secs(30);
/// How often the calendars are synced.
const SYNC_EVERY: Duration = Duration::from_secs(15 * 60);

fn notify(app: &AppHandle, title: &str, body: &str) {
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::debug!(error = %e, "reminder notification failed");
    }
}

fn when(r: &orbit_core::calendar::Reminder, tz: chrono_tz::Tz) -> String {
    if r.all_day {
        return format!("{} (all day)", r.start);
    }
    chrono::DateTime::parse_from_rfc3339(&r.start).map_or_else(
        |_| r.start.clone(),
        |t| t.with_timezone(&tz).format("%a %-d %b, %H:%M").to_string(),
    )
}

/// Looks for due reminders now and every 30 s.
pub fn keep_reminders(app: &AppHandle, core: &Arc<Orbit>) {
    let (app, core) = (app.clone(), Arc::clone(core));
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        loop {
            tick.tick().await;
            let tz = orbit_core::calendar::local_zone();
            let c = Arc::clone(&core);
            let due = match tokio::task::spawn_blocking(move || c.calendar_reminders_due(tz)).await
            {
                Ok(Ok(due)) => due,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "reminders could not be read");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the reminder check stopped");
                    continue;
                }
            };
            let (missed, now): (Vec<_>, Vec<_>) = due.into_iter().partition(|r| r.missed);
            for r in &now {
                tracing::info!(uid = %r.uid, due = %r.due_at, "reminder");
                let place = if r.location.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", r.location)
                };
                notify(&app, &r.summary, &format!("{}{place}", when(r, tz)));
            }
            match missed.as_slice() {
                [] => {}
                [one] => {
                    tracing::info!(uid = %one.uid, "missed reminder shown");
                    notify(
                        &app,
                        &format!("Missed reminder: {}", one.summary),
                        &when(one, tz),
                    );
                }
                many => {
                    tracing::info!(count = many.len(), "missed reminders shown");
                    let names: Vec<&str> =
                        many.iter().take(3).map(|r| r.summary.as_str()).collect();
                    notify(
                        &app,
                        &format!("{} reminders while Orbit was closed", many.len()),
                        &format!(
                            "{}{}",
                            names.join(", "),
                            if many.len() > 3 { ", …" } else { "" }
                        ),
                    );
                }
            }
        }
    });
}

/// Syncs every account's calendars at start and every 15 minutes (offline, it tries again
/// next time; the app's Sync button syncs at once).
pub fn keep_calendars(core: &Arc<Orbit>) {
    let core = Arc::clone(core);
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(SYNC_EVERY);
        loop {
            tick.tick().await;
            let c = Arc::clone(&core);
            let accounts = match tokio::task::spawn_blocking(move || c.account_list()).await {
                Ok(Ok(a)) => a,
                _ => continue,
            };
            for a in accounts.into_iter().filter(|a| a.caldav_url.is_some()) {
                if let Err(e) = core.calendar_sync(a.id).await {
                    tracing::info!(account = a.id.0, error = %e, "calendar sync failed; next try later");
                }
            }
        }
    });
}
