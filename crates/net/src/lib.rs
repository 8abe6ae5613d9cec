//! Network basics shared by the protocol adapters (`imap`, `smtp`, `dav`): the transport
//! security modes, the loopback rule for plain connections, the trusted root certificates
//! and one rustls client configuration, and the classification of a failed connection into
//! what a user can act on (authentication, TLS, unreachable, timeout).
//!
//! Architecture invariant: this crate knows no protocol and no storage.

pub mod embeddings;
pub mod fetch;

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The environment variable naming a PEM file of extra certificate authorities to trust,
/// for self-hosted servers with a private CA (and the test servers).
pub const EXTRA_CA_ENV: &str = "ORBIT_EXTRA_CA_CERTS";

/// How a connection to a server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465, HTTPS).
    Tls,
    /// A plain connection upgraded with STARTTLS before any credentials are sent.
    StartTls,
    /// No encryption at all. Allowed only to a loopback address.
    None,
}

impl Security {
    /// The name used in settings, on the command line and over IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::None => "none",
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Security {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tls" | "ssl" => Ok(Security::Tls),
            "starttls" => Ok(Security::StartTls),
            "none" | "plain" => Ok(Security::None),
            other => Err(format!(
                "Unknown security mode {other:?}: use tls, starttls or none"
            )),
        }
    }
}

/// Whether `host` names this machine: `localhost`, `127.0.0.0/8` or `::1`.
///
/// Plain (unencrypted) connections are only ever made to such hosts, so a password can never
/// cross a network in the clear.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What went wrong when talking to a server, in terms a user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The server refused the username or password.
    Auth,
    /// The TLS handshake failed: untrusted certificate, wrong host name, no TLS on that port.
    Tls,
    /// The host could not be resolved or refused the connection.
    Unreachable,
    /// The server did not answer in time.
    Timeout,
    /// The server answered something the protocol does not allow, or refused the request.
    Protocol,
    /// The settings themselves are unusable (e.g. plain text to a remote host).
    Config,
}

impl FailureKind {
    /// The stable name used over IPC and in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Auth => "auth",
            FailureKind::Tls => "tls",
            FailureKind::Unreachable => "unreachable",
            FailureKind::Timeout => "timeout",
            FailureKind::Protocol => "protocol",
            FailureKind::Config => "config",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed network operation of an adapter: a kind to branch on and a message for people.
/// The message never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NetError {
    kind: FailureKind,
    message: String,
}

impl NetError {
    /// A new error.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The kind to branch on.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// An error and its sources as one line, each cause once ("a: b: c").
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

/// Classifies an I/O error from connecting or talking to a server.
pub fn classify_io(err: &std::io::Error) -> FailureKind {
    use std::io::ErrorKind as K;
    if let Some(inner) = err.get_ref()
        && inner.downcast_ref::<rustls::Error>().is_some()
    {
        return FailureKind::Tls;
    }
    match err.kind() {
        K::TimedOut | K::WouldBlock => FailureKind::Timeout,
        K::ConnectionRefused
        | K::ConnectionReset
        | K::ConnectionAborted
        | K::NotConnected
        | K::AddrNotAvailable
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NotFound => FailureKind::Unreachable,
        K::InvalidData => FailureKind::Tls,
        K::UnexpectedEof | K::BrokenPipe => FailureKind::Protocol,
        _ => {
            // Name resolution failures arrive as `Other`/`Uncategorized` with a message.
            let text = err.to_string().to_ascii_lowercase();
            if text.contains("failed to lookup")
                || text.contains("name or service not known")
                || text.contains("no such host")
                || text.contains("dns")
            {
                FailureKind::Unreachable
            } else {
                FailureKind::Protocol
            }
        }
    }
}

/// Errors from building the TLS configuration.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TlsSetupError {
    /// The extra CA file named by `ORBIT_EXTRA_CA_CERTS` could not be read or held no certificate.
    #[error("Cannot use the certificates in {path}: {reason}")]
    ExtraCa {
        /// The file named by the environment variable.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("Cannot set up TLS: {0}")]
    Rustls(String),
}

/// The trust set of this process, built once: Mozilla's roots (webpki-roots), the operating
/// system's store, and the PEM file named by [`EXTRA_CA_ENV`].
#[derive(Debug)]
struct Trust {
    /// System and extra certificates, in DER, for adapters that take their own roots (lettre).
    additional: Vec<CertificateDer<'static>>,
    /// The rustls client configuration every adapter uses.
    config: Arc<rustls::ClientConfig>,
}

fn trust() -> Result<&'static Trust, TlsSetupError> {
    static TRUST: OnceLock<Result<Trust, TlsSetupError>> = OnceLock::new();
    match TRUST.get_or_init(build_trust) {
        Ok(trust) => Ok(trust),
        Err(err) => Err(err.clone()),
    }
}

/// The rustls client configuration shared by every adapter (ring provider, TLS 1.2 and 1.3).
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, TlsSetupError> {
    Ok(Arc::clone(&trust()?.config))
}

/// The certificates trusted on top of Mozilla's roots: the system store and the extra CA file.
pub fn additional_roots() -> Result<&'static [CertificateDer<'static>], TlsSetupError> {
    Ok(trust()?.additional.as_slice())
}

/// The one rustls crypto provider of the app (ring), so no adapter depends on a process default.
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build_trust() -> Result<Trust, TlsSetupError> {
    let mut additional: Vec<CertificateDer<'static>> = Vec::new();
    let native = rustls_native_certs::load_native_certs();
    if !native.errors.is_empty() {
        tracing::debug!(
            errors = native.errors.len(),
            "some system certificates could not be loaded"
        );
    }
    additional.extend(native.certs);
    if let Ok(path) = std::env::var(EXTRA_CA_ENV)
        && !path.trim().is_empty()
    {
        additional.extend(read_pem_file(&path)?);
    }
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let (added, ignored) = store.add_parsable_certificates(additional.iter().cloned());
    tracing::debug!(added, ignored, "trusted certificates loaded");
    let config = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Rustls(e.to_string()))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Trust {
        additional,
        config: Arc::new(config),
    })
}

fn read_pem_file(path: &str) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let refuse = |reason: String| TlsSetupError::ExtraCa {
        path: path.to_owned(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| refuse(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refuse(e.to_string()))?;
    if certs.is_empty() {
        return Err(refuse("no PEM certificate in the file".to_owned()));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.8.9.1",
            "::1",
            "[::1]",
            "LocalHost",
        ] {
            assert!(is_loopback_host(host), "{host} is loopback");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "192.168.1.2",
            "localhost.example.com",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host} is not loopback");
        }
    }

    #[test]
    fn security_parses_and_prints() {
        for mode in [Security::Tls, Security::StartTls, Security::None] {
            assert_eq!(mode.as_str().parse::<Security>(), Ok(mode));
        }
        assert!("ssl3".parse::<Security>().is_err());
    }

    #[test]
    fn io_errors_are_classified() {
        use std::io::{Error, ErrorKind};
        assert_eq!(
            classify_io(&Error::from(ErrorKind::ConnectionRefused)),
            FailureKind::Unreachable
        );
        assert_eq!(
            classify_io(&Error::from(ErrorKind::TimedOut)),
            FailureKind::Timeout
        );
        let tls = Error::new(ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert_eq!(classify_io(&tls), FailureKind::Tls);
    }
}
