//! Background mail sync in the app: one watcher per account with an IMAP server (a full sync,
//! then IDLE on the inbox), restarted when accounts change, and new-mail notifications that
//! are rate-limited and summarised.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orbit_core::mail::{SyncOptions, SyncReport};
use orbit_core::{AccountId, Orbit};
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;

/// At most one new-mail notification per account in this interval; the rest are summed.
const NOTIFY_EVERY: Duration = Duration::from_secs(60);

/// Syncs one account, or every account with an IMAP server, once.
pub async fn sync_all(
    core: &Orbit,
    account: Option<AccountId>,
    options: &SyncOptions,
) -> orbit_core::Result<Vec<SyncReport>> {
    let ids: Vec<AccountId> = match account {
        Some(id) => vec![id],
        None => core
            .account_list()?
            .into_iter()
            .filter(|a| a.imap.is_some())
            .map(|a| a.id)
            .collect(),
    };
    let mut reports = Vec::new();
    for id in ids {
        reports.push(core.sync_account(id, options).await?);
    }
    Ok(reports)
}

/// The running watchers, by account.
#[derive(Debug, Default)]
pub struct Watchers {
    running: Mutex<BTreeMap<i64, Watcher>>,
}

#[derive(Debug)]
struct Watcher {
    stop: tokio::sync::watch::Sender<bool>,
    kick: Arc<tokio::sync::Notify>,
}

impl Watchers {
    /// Starts a watcher for every account with an IMAP server that has none, and stops those
    /// of accounts that are gone.
    pub fn refresh(&self, app: &AppHandle, core: &Arc<Orbit>) {
        let wanted: Vec<i64> = match core.account_list() {
            Ok(list) => list
                .into_iter()
                .filter(|a| a.imap.is_some())
                .map(|a| a.id.0)
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot list accounts for sync");
                return;
            }
        };
        let Ok(mut running) = self.running.lock() else {
            return;
        };
        running.retain(|id, watcher| {
            let keep = wanted.contains(id);
            if !keep {
                let _ = watcher.stop.send(true);
            }
            keep
        });
        for id in wanted {
            if running.contains_key(&id) {
                continue;
            }
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            let kick = Arc::new(tokio::sync::Notify::new());
            running.insert(
                id,
                Watcher {
                    stop: stop_tx,
                    kick: Arc::clone(&kick),
                },
            );
            let core = Arc::clone(core);
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let options = SyncOptions::default();
                let result = core
                    .watch_account(AccountId(id), &options, stop_rx, Some(kick), |report| {
                        let _ = app.emit("sync-finished", ());
                        if !report.errors.is_empty() {
                            tracing::warn!(account = id, errors = ?report.errors, "sync finished with errors");
                        }
                    })
                    .await;
                if let Err(e) = result {
                    tracing::warn!(account = id, error = %e, "mail sync stopped");
                }
            });
        }
    }
}

impl Watchers {
    /// Asks an account's watcher to sync now (to send the user's queued changes).
    pub fn kick(&self, account_id: i64) {
        if let Ok(running) = self.running.lock()
            && let Some(watcher) = running.get(&account_id)
        {
            watcher.kick.notify_one();
        }
    }
}

/// Tells the user about new inbox mail, at most once a minute per account, summing the rest.
#[derive(Debug, Default)]
pub struct NewMailNotifier {
    state: Mutex<BTreeMap<i64, (Option<Instant>, usize)>>,
}

impl NewMailNotifier {
    /// Counts `count` new messages of `account_id` and notifies when allowed.
    pub fn arrived(&self, app: &AppHandle, account_id: i64, count: usize) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let entry = state.entry(account_id).or_insert((None, 0));
        entry.1 += count;
        let due = entry.0.is_none_or(|at| at.elapsed() >= NOTIFY_EVERY);
        if !due {
            return;
        }
        let total = std::mem::take(&mut entry.1);
        entry.0 = Some(Instant::now());
        let body = if total == 1 {
            "1 new message in your inbox".to_owned()
        } else {
            format!("{total} new messages in your inbox")
        };
        if let Err(e) = app
            .notification()
            .builder()
            .title("Orbit")
            .body(body)
            .show()
        {
            tracing::debug!(error = %e, "new-mail notification failed");
        }
    }
}
