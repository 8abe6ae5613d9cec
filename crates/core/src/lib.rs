//! Orbit's core: the one API every front door (the `orbit` CLI, the Tauri shell) calls.
//!
//! [`Orbit`] opens a profile (its data directory and SQLite store, its keyring namespace) and
//! offers accounts, AI provider settings, the activity log and connection tests. Every change
//! is written with its activity row in one transaction and announced as an [`Event`].
//!
//! Architecture invariant: core knows no UI toolkit and no wire format of its front doors; it
//! returns plain view types. Secrets pass through it from the keyring to the adapters only.

mod accounts;
mod activity;
mod ai;
pub mod assistant;
pub mod calendar;
mod clock;
mod connection;
pub mod embed;
mod error;
mod events;
pub mod mail;
mod paths;
pub mod search;
pub mod tasks;

pub use accounts::{Account, AccountId, AccountInput, EndpointInput, LastTestView};
pub use activity::{Activity, ActivityQuery, Actor};
pub use ai::{AiSettings, EnvOverrides, Provider, ProviderView, validate_base_url};
pub use clock::{Clock, FixedClock, SystemClock, stamp};
pub use connection::{Check, ConnectionReport};
pub use error::{Error, ErrorCode, Result};
pub use events::Event;
pub use orbit_secrets::{BUILD_KIND, Keyring, Sensitive};
pub use paths::{DATA_DIR_ENV, default_data_dir, resolve_data_dir};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use orbit_store::{Store, StoreOptions, settings};
use serde::Serialize;
use serde_json::json;
use tokio::sync::broadcast;

/// The environment variable setting the per-step network timeout in milliseconds.
pub const NET_TIMEOUT_ENV: &str = "ORBIT_NET_TIMEOUT_MS";

/// The environment variable setting how long to wait for another process's database lock,
/// in milliseconds.
pub const BUSY_TIMEOUT_ENV: &str = "ORBIT_BUSY_TIMEOUT_MS";

fn env_millis(name: &str) -> Option<Duration> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
}

/// How to open a profile.
#[derive(Debug)]
pub struct OpenOptions {
    /// The profile's data directory (created if missing).
    pub data_dir: PathBuf,
    /// Where secrets live.
    pub keyring: Keyring,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Environment overrides of the AI settings.
    pub env: EnvOverrides,
    /// The limit for each network step of a connection test.
    pub net_timeout: Duration,
    /// How long to wait for another process's database lock.
    pub busy_timeout: Duration,
}

impl OpenOptions {
    /// For unit tests: a profile in `data_dir` with an in-memory keyring, `clock`, no
    /// environment overrides and one-second timeouts.
    #[cfg(test)]
    pub(crate) fn for_test(data_dir: &std::path::Path, clock: Arc<dyn Clock>) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            #[allow(clippy::unwrap_used)]
            keyring: Keyring::in_memory("test").unwrap(),
            clock,
            env: EnvOverrides::default(),
            net_timeout: Duration::from_secs(1),
            busy_timeout: Duration::from_secs(1),
        }
    }

    /// The options a front door uses: the OS keyring namespaced for this build, the system
    /// clock, the process environment.
    pub fn from_env(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            keyring: Keyring::platform(orbit_secrets::service_for_build()),
            clock: Arc::new(SystemClock),
            env: EnvOverrides::from_process_env(),
            net_timeout: env_millis(NET_TIMEOUT_ENV).unwrap_or(Duration::from_secs(20)),
            busy_timeout: env_millis(BUSY_TIMEOUT_ENV).unwrap_or(Duration::from_secs(5)),
        }
    }
}

/// Facts about this profile and build for an "About" screen.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    /// Orbit's version.
    pub version: String,
    /// The profile's data directory.
    pub data_dir: String,
    /// `dev` or `release`.
    pub build_kind: String,
    /// Whether the OS keyring can be reached.
    pub keyring: KeyringStatus,
}

/// Whether the keyring works, and if not why.
#[derive(Debug, Clone, Serialize)]
pub struct KeyringStatus {
    /// It can be reached.
    pub available: bool,
    /// Why not.
    pub message: Option<String>,
}

/// An open profile.
#[derive(Debug)]
pub struct Orbit {
    data_dir: PathBuf,
    store: Arc<Store>,
    keyring: Keyring,
    clock: Arc<dyn Clock>,
    env: EnvOverrides,
    net_timeout: Duration,
    profile_id: String,
    events: broadcast::Sender<Event>,
    /// The search index, opened on first use (see `search`).
    search: std::sync::Mutex<Option<Arc<orbit_search::SearchIndex>>>,
    /// Calendar items already parsed (see `calendar`).
    parsed: calendar::ParsedItems,
    /// One look for tasks in new mail and chat at a time (see `task_scan`).
    task_scan: tokio::sync::Mutex<()>,
    /// One calendar sync at a time: the app's timer, the kick after a local change and the
    /// user's button would otherwise push the same queued change twice and race on the
    /// collection's sync token.
    calendar_sync: tokio::sync::Mutex<()>,
}

impl Orbit {
    /// Opens (creating if needed) the profile in `options.data_dir`.
    pub fn open(options: OpenOptions) -> Result<Self> {
        std::fs::create_dir_all(&options.data_dir).map_err(|e| {
            Error::new(
                ErrorCode::Database,
                format!(
                    "Cannot create the data directory {}: {e}",
                    options.data_dir.display()
                ),
            )
        })?;
        let path = options.data_dir.join(orbit_store::DATABASE_FILE);
        let store = Store::open(
            &path,
            StoreOptions {
                busy_timeout: options.busy_timeout,
            },
        )
        .map_err(|e| Error::from(e).context(&format!("Cannot open {}", path.display())))?;
        let (events, _) = broadcast::channel(256);
        let mut orbit = Self {
            data_dir: options.data_dir,
            store: Arc::new(store),
            keyring: options.keyring,
            clock: options.clock,
            env: options.env,
            net_timeout: options.net_timeout,
            profile_id: String::new(),
            events,
            search: std::sync::Mutex::new(None),
            parsed: calendar::ParsedItems::default(),
            task_scan: tokio::sync::Mutex::new(()),
            calendar_sync: tokio::sync::Mutex::new(()),
        };
        orbit.profile_id = orbit.ensure_profile_id()?;
        Ok(orbit)
    }

    /// The profile's id: a random UUID made when the profile was created. Keyring entries are
    /// named under it, so two profiles never share a secret.
    fn ensure_profile_id(&self) -> Result<String> {
        let now = self.now_stamp();
        self.store.write(|tx| -> Result<String> {
            if let Some(id) = settings::get(tx, "profile.id")? {
                return Ok(id);
            }
            let id = uuid::Uuid::new_v4().to_string();
            settings::set(tx, "profile.id", &id, &now)?;
            self.record(
                tx,
                &activity::Record {
                    actor: Actor::System,
                    action: "profile.created",
                    target: String::new(),
                    summary: "Created this Orbit profile".to_owned(),
                    details: json!({ "profile_id": id }),
                },
            )?;
            Ok(id)
        })
    }

    /// The profile's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The profile's id.
    pub fn profile_id(&self) -> &str {
        &self.profile_id
    }

    /// Receives every [`Event`] from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: Event) {
        // No receiver is fine: nobody is listening.
        let _ = self.events.send(event);
    }

    pub(crate) fn now_stamp(&self) -> String {
        stamp(self.clock.now())
    }

    /// Version, data directory, build kind and keyring status.
    pub fn app_info(&self) -> AppInfo {
        let keyring = match self.keyring.status() {
            Ok(()) => KeyringStatus {
                available: true,
                message: None,
            },
            Err(e) => KeyringStatus {
                available: false,
                message: Some(e.to_string()),
            },
        };
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.data_dir.display().to_string(),
            build_kind: BUILD_KIND.to_owned(),
            keyring,
        }
    }

    /// Records that the user sent a test notification (the shell shows it).
    pub fn notification_tested(&self, shown: bool, detail: &str) -> Result<()> {
        let id = self.store.write(|tx| {
            self.record(
                tx,
                &activity::Record {
                    actor: Actor::User,
                    action: "notification.tested",
                    target: String::new(),
                    summary: if shown {
                        "Sent a test notification".to_owned()
                    } else {
                        "Could not send a test notification".to_owned()
                    },
                    details: json!({ "shown": shown, "detail": detail }),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id });
        Ok(())
    }
}
