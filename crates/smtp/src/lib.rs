//! The SMTP adapter over lettre: submission over TLS, STARTTLS or (to loopback only) plain TCP,
//! with authentication, and saying precisely why a connection failed.
//!
//! Architecture invariant: no SQL, no knowledge of the other adapters; secrets arrive as
//! [`Sensitive`] and are never logged.

use std::time::Duration;

pub mod compose;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use orbit_net::{FailureKind, NetError, Security, error_chain, is_loopback_host};
use orbit_secrets::Sensitive;

/// Where and how to submit mail.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// Login name.
    pub username: String,
    /// Password.
    pub password: Sensitive<String>,
    /// Limit for each network step.
    pub timeout: Duration,
}

/// A failed operation of this adapter.
pub type SmtpError = NetError;

fn tls_parameters(host: &str) -> Result<TlsParameters, SmtpError> {
    let tls_error = |e: &dyn std::fmt::Display| {
        NetError::new(
            FailureKind::Tls,
            format!("Cannot set up TLS for {host}: {e}"),
        )
    };
    let mut builder =
        TlsParameters::builder(host.to_owned()).certificate_store(CertificateStore::WebpkiRoots);
    for der in orbit_net::additional_roots().map_err(|e| tls_error(&e))? {
        match Certificate::from_der(der.to_vec()) {
            Ok(cert) => builder = builder.add_root_certificate(cert),
            Err(e) => tracing::debug!(error = %e, "skipping an unusable root certificate"),
        }
    }
    builder.build_rustls().map_err(|e| tls_error(&e))
}

/// Builds the transport for `config`.
pub fn transport(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpError> {
    let server = format!("{}:{}", config.host, config.port);
    let tls = match config.security {
        Security::Tls => Tls::Wrapper(tls_parameters(&config.host)?),
        Security::StartTls => Tls::Required(tls_parameters(&config.host)?),
        Security::None if is_loopback_host(&config.host) => Tls::None,
        Security::None => {
            return Err(NetError::new(
                FailureKind::Config,
                format!(
                    "Refusing to send a password unencrypted to {server}: use TLS or STARTTLS (plain connections are allowed only to this computer)"
                ),
            ));
        }
    };
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
            .port(config.port)
            .tls(tls)
            .credentials(Credentials::new(
                config.username.clone(),
                config.password.expose().clone(),
            ))
            .timeout(Some(config.timeout))
            .build(),
    )
}

/// How a send failed: worth trying again later, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// The server refused for good (a 5xx answer: unknown recipient, failed login, message
    /// refused); the reason is the server's.
    Permanent(String),
    /// Worth another try (no connection, timeout, a 4xx answer).
    Transient(String),
}

/// Submits `message` (RFC 5322 bytes) from `from` to `recipients`.
pub async fn send(
    config: &SmtpConfig,
    from: &str,
    recipients: &[String],
    message: &[u8],
) -> Result<(), SendFailure> {
    use lettre::AsyncTransport as _;
    use lettre::address::{Address, Envelope};
    let server = format!("{}:{}", config.host, config.port);
    let parse = |a: &str| {
        a.parse::<Address>()
            .map_err(|e| SendFailure::Permanent(format!("{a} is not a mail address: {e}")))
    };
    let to = recipients
        .iter()
        .map(|r| parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let envelope = Envelope::new(Some(parse(from)?), to)
        .map_err(|e| SendFailure::Permanent(format!("No recipient to send to: {e}")))?;
    let transport = transport(config).map_err(|e| SendFailure::Permanent(e.to_string()))?;
    let outcome =
        tokio::time::timeout(config.timeout * 6, transport.send_raw(&envelope, message)).await;
    match outcome {
        Err(_) => Err(SendFailure::Transient(format!(
            "The SMTP server {server} did not finish within {} s",
            (config.timeout * 6).as_secs()
        ))),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.is_permanent() => Err(SendFailure::Permanent(format!(
            "The SMTP server {server} refused the message: {}",
            error_chain(&e)
        ))),
        Ok(Err(e)) => Err(SendFailure::Transient(format!(
            "Sending through {server} failed: {}",
            error_chain(&e)
        ))),
    }
}

/// Connects, secures the connection, authenticates and quits: the connection test.
pub async fn check_login(config: &SmtpConfig) -> Result<(), SmtpError> {
    let server = format!("{}:{}", config.host, config.port);
    let transport = transport(config)?;
    // lettre's own timeout covers each read and write; this one bounds the whole exchange.
    let outcome = tokio::time::timeout(config.timeout * 3, transport.test_connection()).await;
    match outcome {
        Err(_) => Err(NetError::new(
            FailureKind::Timeout,
            format!(
                "The SMTP server {server} did not answer within {} s",
                config.timeout.as_secs_f32()
            ),
        )),
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(NetError::new(
            FailureKind::Protocol,
            format!("The SMTP server {server} dropped the connection after login"),
        )),
        Ok(Err(err)) => Err(classify(&err, &server)),
    }
}

fn classify(err: &lettre::transport::smtp::Error, server: &str) -> SmtpError {
    let chain = error_chain(err);
    let lower = chain.to_ascii_lowercase();
    let code = err.status().map(|c| c.to_string());
    let (kind, message) = if err.is_timeout() || lower.contains("timed out") {
        (
            FailureKind::Timeout,
            format!("The SMTP server {server} did not answer in time"),
        )
    } else if matches!(code.as_deref(), Some("535" | "534" | "530" | "454"))
        && lower.contains("auth")
        || code.as_deref() == Some("535")
    {
        (
            FailureKind::Auth,
            format!("The SMTP server {server} refused the username or password ({chain})"),
        )
    } else if err.is_tls()
        || lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("handshake")
    {
        (
            FailureKind::Tls,
            format!("The TLS handshake with the SMTP server {server} failed: {chain}"),
        )
    } else if lower.contains("connection refused")
        || lower.contains("failed to lookup")
        || lower.contains("no route")
        || lower.contains("unreachable")
        || lower.contains("resolve")
    {
        (
            FailureKind::Unreachable,
            format!("Cannot reach the SMTP server {server}: {chain}"),
        )
    } else {
        (
            FailureKind::Protocol,
            format!("The SMTP server {server} failed: {chain}"),
        )
    };
    NetError::new(kind, message)
}
