//! Secrets: the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows) behind a small API, and [`Sensitive`], a wrapper that never prints its value.
//!
//! Entries live under a service name namespaced per build kind, so a development build never
//! reads or overwrites the credentials of a release build.
//!
//! Architecture invariant: a secret goes from here to the protocol adapter that needs it and
//! nowhere else: not into SQLite, logs, error messages or the webview.

mod sensitive;

pub use sensitive::Sensitive;

use std::fmt;
use std::sync::{Arc, Mutex};

use keyring_core::{CredentialStore, Entry};

/// The keyring service name of release builds.
pub const RELEASE_SERVICE: &str = "app.orbit.desktop";

/// `dev` for debug builds, `release` otherwise.
pub const BUILD_KIND: &str = if cfg!(debug_assertions) {
    "dev"
} else {
    "release"
};

/// The keyring service name of this build: [`RELEASE_SERVICE`] for release builds, with a
/// `.dev` suffix for debug builds.
pub fn service_for_build() -> String {
    if cfg!(debug_assertions) {
        format!("{RELEASE_SERVICE}.dev")
    } else {
        RELEASE_SERVICE.to_owned()
    }
}

/// What kind of failure a keyring call met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretErrorKind {
    /// No keyring service can be reached (no Secret Service on the session bus, no session bus).
    Unavailable,
    /// The keyring exists but refused access (locked, or the user declined a prompt).
    Denied,
    /// Anything else.
    Other,
}

/// A keyring error. Its message never contains a secret.
#[derive(Debug, Clone)]
pub struct SecretError {
    kind: SecretErrorKind,
    message: String,
}

impl SecretError {
    /// The kind to branch on.
    pub fn kind(&self) -> SecretErrorKind {
        self.kind
    }

    fn new(kind: SecretErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    fn from_keyring(err: &keyring_core::Error, doing: &str) -> Self {
        use keyring_core::Error as K;
        // Never format the error as a whole: some variants carry the secret's bytes.
        let (kind, detail) = match err {
            K::PlatformFailure(e) => (classify_platform(&e.to_string()), e.to_string()),
            K::NoStorageAccess(e) => (SecretErrorKind::Denied, e.to_string()),
            K::NoDefaultStore => (SecretErrorKind::Unavailable, "no keyring store".to_owned()),
            K::BadEncoding(_) => (
                SecretErrorKind::Other,
                "the stored secret is not text".to_owned(),
            ),
            K::BadDataFormat(_, _) => (
                SecretErrorKind::Other,
                "the stored secret is malformed".to_owned(),
            ),
            K::BadStoreFormat(s) => (SecretErrorKind::Other, s.clone()),
            K::TooLong(name, limit) => (
                SecretErrorKind::Other,
                format!("{name} is longer than {limit}"),
            ),
            K::Invalid(name, why) => (SecretErrorKind::Other, format!("{name} {why}")),
            K::Ambiguous(_) => (
                SecretErrorKind::Other,
                "more than one matching entry".to_owned(),
            ),
            K::NotSupportedByStore(s) => (SecretErrorKind::Other, s.clone()),
            K::NoEntry => (SecretErrorKind::Other, "no such entry".to_owned()),
            _ => (SecretErrorKind::Other, "unknown keyring error".to_owned()),
        };
        let message = match kind {
            SecretErrorKind::Unavailable => format!(
                "{doing}: no OS keyring is available ({detail}). On Linux, start a Secret Service such as GNOME Keyring or KWallet in your session."
            ),
            SecretErrorKind::Denied => {
                format!(
                    "{doing}: the OS keyring refused access; unlock it and try again ({detail})"
                )
            }
            SecretErrorKind::Other => format!("{doing}: {detail}"),
        };
        Self::new(kind, message)
    }
}

fn classify_platform(text: &str) -> SecretErrorKind {
    let text = text.to_ascii_lowercase();
    let unavailable = [
        "connection",
        "no such file",
        "serviceunknown",
        "service unknown",
        "not provided by any .service",
        "name has no owner",
        "nameHasNoOwner",
        "dbus_session_bus_address",
        "address",
    ];
    if unavailable
        .iter()
        .any(|needle| text.contains(&needle.to_ascii_lowercase()))
    {
        SecretErrorKind::Unavailable
    } else {
        SecretErrorKind::Other
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SecretError {}

enum Backend {
    /// The OS keyring, connected on first use (and again after a failure).
    Platform(Mutex<Option<Arc<CredentialStore>>>),
    /// An in-memory store for tests of code above this crate.
    Memory(Arc<CredentialStore>),
}

/// A handle on the keyring for one service name.
pub struct Keyring {
    service: String,
    backend: Backend,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match self.backend {
            Backend::Platform(_) => "platform",
            Backend::Memory(_) => "memory",
        };
        f.debug_struct("Keyring")
            .field("service", &self.service)
            .field("backend", &backend)
            .finish()
    }
}

impl Keyring {
    /// The OS keyring, for entries under `service`.
    pub fn platform(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            backend: Backend::Platform(Mutex::new(None)),
        }
    }

    /// A private in-memory keyring, for tests of the code that uses secrets.
    pub fn in_memory(service: impl Into<String>) -> Result<Self, SecretError> {
        let store = keyring_core::mock::Store::new()
            .map_err(|e| SecretError::from_keyring(&e, "Cannot create the test keyring"))?;
        Ok(Self {
            service: service.into(),
            backend: Backend::Memory(store),
        })
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Whether the keyring can be reached now.
    pub fn status(&self) -> Result<(), SecretError> {
        self.store("Cannot reach the OS keyring").map(|_| ())
    }

    /// Stores `secret` under `name`, replacing any previous value.
    pub fn set(&self, name: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        let doing = "Cannot save the secret in the OS keyring";
        self.entry(name, doing)?
            .set_password(secret.expose())
            .map_err(|e| SecretError::from_keyring(&e, doing))
    }

    /// The secret under `name`, or `None` when there is none.
    pub fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        let doing = "Cannot read the secret from the OS keyring";
        match self.entry(name, doing)?.get_password() {
            Ok(secret) => Ok(Some(Sensitive::new(secret))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::from_keyring(&e, doing)),
        }
    }

    /// Deletes the secret under `name`; deleting a missing secret succeeds.
    pub fn delete(&self, name: &str) -> Result<(), SecretError> {
        let doing = "Cannot delete the secret from the OS keyring";
        match self.entry(name, doing)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::from_keyring(&e, doing)),
        }
    }

    fn entry(&self, name: &str, doing: &str) -> Result<Entry, SecretError> {
        let store = self.store(doing)?;
        Entry::new_in_store(&store, &self.service, name)
            .map_err(|e| SecretError::from_keyring(&e, doing))
    }

    fn store(&self, doing: &str) -> Result<Arc<CredentialStore>, SecretError> {
        match &self.backend {
            Backend::Memory(store) => Ok(Arc::clone(store)),
            Backend::Platform(slot) => {
                let mut slot = slot.lock().map_err(|_| {
                    SecretError::new(SecretErrorKind::Other, "The keyring handle was poisoned")
                })?;
                if let Some(store) = slot.as_ref() {
                    return Ok(Arc::clone(store));
                }
                let store = platform_store().map_err(|e| SecretError::from_keyring(&e, doing))?;
                *slot = Some(Arc::clone(&store));
                Ok(store)
            }
        }
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(not(any(unix, target_os = "windows")))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NoDefaultStore)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_builds_use_their_own_namespace() {
        assert_eq!(BUILD_KIND, "dev", "tests run as debug builds");
        assert_eq!(service_for_build(), "app.orbit.desktop.dev");
        assert_ne!(
            service_for_build(),
            RELEASE_SERVICE,
            "dev never touches release entries"
        );
    }

    #[test]
    fn memory_keyring_sets_gets_and_deletes() -> Result<(), SecretError> {
        let keyring = Keyring::in_memory("test")?;
        assert_eq!(keyring.get("a")?.map(|s| s.expose().clone()), None);
        keyring.set("a", &Sensitive::new("hunter2".to_owned()))?;
        assert_eq!(
            keyring.get("a")?.map(|s| s.expose().clone()).as_deref(),
            Some("hunter2")
        );
        keyring.delete("a")?;
        keyring.delete("a")?;
        assert!(keyring.get("a")?.is_none());
        Ok(())
    }

    #[test]
    fn errors_never_carry_the_secret_bytes() {
        let err = SecretError::from_keyring(
            &keyring_core::Error::BadEncoding(b"hunter2".to_vec()),
            "Cannot read",
        );
        assert!(!err.to_string().contains("hunter2"));
        assert!(!format!("{err:?}").contains("hunter2"));
        assert!(
            !format!("{err:?}").contains("104, 117"),
            "not even as bytes"
        );
    }
}
