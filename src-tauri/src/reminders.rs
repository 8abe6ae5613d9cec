//! The calendar in the background: reminders raised as native notifications (from the tray,
//! with the window closed too; those missed while Orbit was not running are summed up once at
//! start), and a periodic calendar sync.

use std::sync::Arc;
use std::time::Duration;

use orbit_core::Orbit;
use tauri::{AppHandle, Manager};
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

/// Asks the background calendar task for a sync soon (an account changed, a change made here
/// waits to go up).
#[derive(Debug, Default)]
pub struct CalendarKick(Arc<tokio::sync::Notify>);

impl CalendarKick {
    pub fn kick(&self) {
        self.0.notify_one();
    }
}

/// How long after a kick the sync starts, so a burst of changes goes up together.
const KICK_DELAY: Duration = Duration::from_millis(500);

/// The calendar in the background: a sync at start, then reminders every 30 s and a sync
/// every 15 minutes. The first reminder check waits for the first sync, so an alarm that fell
/// due while Orbit was closed, on an event made elsewhere meanwhile, is still shown (once).
pub fn keep_calendar(app: &AppHandle, core: &Arc<Orbit>) {
    let kick = Arc::clone(&app.state::<CalendarKick>().0);
    let (app, core) = (app.clone(), Arc::clone(core));
    tauri::async_runtime::spawn(async move {
        let mut syncs = tokio::time::interval(SYNC_EVERY);
        let mut checks = tokio::time::interval(CHECK_EVERY);
        syncs.tick().await;
        sync_all(&core).await;
        loop {
            tokio::select! {
                _ = checks.tick() => show_due(&app, &core).await,
                _ = syncs.tick() => sync_all(&core).await,
                () = kick.notified() => {
                    tokio::time::sleep(KICK_DELAY).await;
                    sync_all(&core).await;
                }
            }
        }
    });
}

async fn show_due(app: &AppHandle, core: &Arc<Orbit>) {
    let tz = orbit_core::calendar::local_zone();
    let c = Arc::clone(core);
    let due = match tokio::task::spawn_blocking(move || c.calendar_reminders_due(tz)).await {
        Ok(Ok(due)) => due,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "reminders could not be read");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "the reminder check stopped");
            return;
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
        notify(app, &r.summary, &format!("{}{place}", when(r, tz)));
    }
    match missed.as_slice() {
        [] => {}
        [one] => {
            tracing::info!(uid = %one.uid, "missed reminder shown");
            notify(
                app,
                &format!("Missed reminder: {}", one.summary),
                &when(one, tz),
            );
        }
        many => {
            tracing::info!(count = many.len(), "missed reminders shown");
            let names: Vec<&str> = many.iter().take(3).map(|r| r.summary.as_str()).collect();
            notify(
                app,
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

/// Syncs every account's calendars (offline, it tries again next time; the app's Sync button
/// syncs at once).
async fn sync_all(core: &Arc<Orbit>) {
    let c = Arc::clone(core);
    let Ok(Ok(accounts)) = tokio::task::spawn_blocking(move || c.account_list()).await else {
        return;
    };
    for a in accounts.into_iter().filter(|a| a.caldav_url.is_some()) {
        if let Err(e) = core.calendar_sync(a.id).await {
            tracing::info!(account = a.id.0, error = %e, "calendar sync failed; next try later");
        }
    }
}
