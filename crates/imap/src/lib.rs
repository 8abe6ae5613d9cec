//! The IMAP adapter: connecting over TLS, STARTTLS or (to loopback only) plain TCP, logging in,
//! and saying precisely why a connection failed.
//!
//! Architecture invariant: this crate moves protocol data in and out; it knows no SQL and
//! nothing of the other adapters. Secrets arrive as [`Sensitive`] and are never logged.

pub mod mailbox;

use std::fmt;
use std::time::{Duration, Instant};

use async_imap::imap_proto::{Response, Status};
use orbit_net::{FailureKind, NetError, Security, classify_io, is_loopback_host};
use orbit_secrets::Sensitive;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A byte stream an IMAP session runs over: plain TCP or TLS.
pub trait ImapStream: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> ImapStream for T {}

/// A logged-in IMAP session.
pub type Session = async_imap::Session<Box<dyn ImapStream>>;

/// Where and how to log in.
#[derive(Debug, Clone)]
pub struct ImapConfig {
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
    /// Limit for each network step (connect, handshake, greeting, login).
    pub timeout: Duration,
}

/// A failed IMAP operation.
pub type ImapError = NetError;

pub(crate) fn from_imap(err: async_imap::error::Error, doing: &str) -> ImapError {
    use async_imap::error::Error as E;
    match err {
        E::Io(io) => NetError::new(classify_io(&io), format!("{doing}: {io}")),
        E::No(text) | E::Bad(text) => NetError::new(
            FailureKind::Protocol,
            format!("{doing}: the server said {}", server_text(&text)),
        ),
        E::ConnectionLost => NetError::new(
            FailureKind::Unreachable,
            format!("{doing}: the server closed the connection"),
        ),
        other => NetError::new(FailureKind::Protocol, format!("{doing}: {other}")),
    }
}

/// The human part of a NO/BAD answer. async-imap hands it over as the debug form of the
/// response (`code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")`).
fn server_text(raw: &str) -> String {
    let text = raw
        .split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.rsplit_once("\")"))
        .map_or(raw, |(info, _)| info);
    text.trim().to_owned()
}

/// What a successful login check learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginReport {
    /// The capabilities announced after login, upper-case, sorted.
    pub capabilities: Vec<String>,
}

async fn within<T>(
    timeout: Duration,
    doing: &str,
    future: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(timeout, future).await.map_err(|_| {
        NetError::new(
            FailureKind::Timeout,
            format!("{doing}: no answer within {} s", timeout.as_secs_f32()),
        )
    })?
}

/// Connects, secures the connection as configured, reads the greeting and logs in.
pub async fn connect(config: &ImapConfig) -> Result<Session, ImapError> {
    let server = format!("{}:{}", config.host, config.port);
    if config.security == Security::None && !is_loopback_host(&config.host) {
        return Err(NetError::new(
            FailureKind::Config,
            format!(
                "Refusing to send a password unencrypted to {server}: use TLS or STARTTLS (plain connections are allowed only to this computer)"
            ),
        ));
    }
    let doing = format!("Cannot connect to the IMAP server {server}");
    let tcp = within(config.timeout, &doing, async {
        TcpStream::connect((config.host.as_str(), config.port))
            .await
            .map_err(|e| NetError::new(classify_io(&e), format!("{doing}: {e}")))
    })
    .await?;
    // Small command/response exchanges: do not let Nagle's algorithm delay them.
    let _ = tcp.set_nodelay(true);

    let client = match config.security {
        Security::Tls => {
            let tls = within(config.timeout, &doing, tls_handshake(tcp, &config.host)).await?;
            let mut client = async_imap::Client::new(Box::new(tls) as Box<dyn ImapStream>);
            within(config.timeout, &doing, read_greeting(&mut client)).await?;
            client
        }
        Security::StartTls => {
            let mut plain = async_imap::Client::new(tcp);
            within(config.timeout, &doing, read_greeting(&mut plain)).await?;
            within(config.timeout, &doing, async {
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| {
                        let e = from_imap(e, "The server refused STARTTLS");
                        NetError::new(FailureKind::Tls, e.message())
                    })
            })
            .await?;
            let tcp = plain.into_inner();
            let tls = within(config.timeout, &doing, tls_handshake(tcp, &config.host)).await?;
            async_imap::Client::new(Box::new(tls) as Box<dyn ImapStream>)
        }
        Security::None => {
            let mut client = async_imap::Client::new(Box::new(tcp) as Box<dyn ImapStream>);
            within(config.timeout, &doing, read_greeting(&mut client)).await?;
            client
        }
    };

    within(config.timeout, &doing, async {
        client
            .login(&config.username, config.password.expose())
            .await
            .map_err(|(err, _client)| match err {
                async_imap::error::Error::No(text) => NetError::new(
                    FailureKind::Auth,
                    format!(
                        "The IMAP server {server} refused the username or password ({})",
                        server_text(&text)
                    ),
                ),
                other => from_imap(other, &format!("Cannot log in to {server}")),
            })
    })
    .await
}

/// Logs in, reads the capabilities and logs out: the connection test.
pub async fn check_login(config: &ImapConfig) -> Result<LoginReport, ImapError> {
    let mut session = connect(config).await?;
    let capabilities = within(config.timeout, "Cannot read the capabilities", async {
        session
            .capabilities()
            .await
            .map_err(|e| from_imap(e, "Cannot read the capabilities"))
    })
    .await?;
    let mut names: Vec<String> = capabilities
        .iter()
        .map(|c| match c {
            async_imap::types::Capability::Imap4rev1 => "IMAP4REV1".to_owned(),
            async_imap::types::Capability::Auth(mech) => format!("AUTH={}", mech.to_uppercase()),
            async_imap::types::Capability::Atom(atom) => atom.to_uppercase(),
        })
        .collect();
    names.sort();
    // A failed LOGOUT does not make the check fail: the login itself worked.
    let _ = tokio::time::timeout(config.timeout, session.logout()).await;
    Ok(LoginReport {
        capabilities: names,
    })
}

async fn tls_handshake(
    tcp: TcpStream,
    host: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
    let config =
        orbit_net::client_config().map_err(|e| NetError::new(FailureKind::Tls, e.to_string()))?;
    let name = ServerName::try_from(host.to_owned()).map_err(|_| {
        NetError::new(
            FailureKind::Config,
            format!("{host:?} is not a valid server name"),
        )
    })?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            NetError::new(
                FailureKind::Tls,
                format!("The TLS handshake with {host} failed: {e}"),
            )
        })
}

async fn read_greeting<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug>(
    client: &mut async_imap::Client<T>,
) -> Result<(), ImapError> {
    let started = Instant::now();
    let response = client
        .read_response()
        .await
        .map_err(|e| NetError::new(classify_io(&e), format!("Cannot read the greeting: {e}")))?
        .ok_or_else(|| {
            NetError::new(
                FailureKind::Protocol,
                "The server closed the connection before greeting",
            )
        })?;
    tracing::debug!(elapsed = ?started.elapsed(), "imap greeting");
    match response.parsed() {
        Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        } => Ok(()),
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Err(NetError::new(
            FailureKind::Unreachable,
            format!(
                "The server turned the connection away: {}",
                outcome.information.as_deref().unwrap_or("BYE")
            ),
        )),
        _ => Err(NetError::new(
            FailureKind::Protocol,
            "The server's greeting is not IMAP (is this the right port?)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_extracted_from_the_debug_form() {
        assert_eq!(
            server_text(
                r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#
            ),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(server_text(" plain text "), "plain text");
    }
}
