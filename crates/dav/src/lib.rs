//! The CalDAV adapter over libdav: an HTTP client (hyper + rustls) with basic authentication,
//! discovery of the user's principal and calendars, and saying precisely why a connection
//! failed.
//!
//! Architecture invariant: no SQL, no knowledge of the other adapters; secrets arrive as
//! [`Sensitive`] and are never logged.

mod sync;

pub use sync::{CalendarServer, Changes, Fetched, Listed, RemoteCalendar, Written};

use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use libdav::CalDavClient;
use libdav::dav::WebDavClient;
use orbit_net::{FailureKind, NetError, is_loopback_host};
use orbit_secrets::Sensitive;
use tower_http::auth::AddAuthorization;

/// The HTTP client libdav runs on.
pub type HttpClient = AddAuthorization<Client<hyper_rustls::HttpsConnector<HttpConnector>, String>>;

/// Where and how to reach a CalDAV server.
#[derive(Debug, Clone)]
pub struct DavConfig {
    /// Base URL, `https://…` (or `http://` to loopback only).
    pub url: String,
    /// Login name.
    pub username: String,
    /// Password.
    pub password: Sensitive<String>,
    /// Limit for the connection and for each request.
    pub timeout: Duration,
}

/// A failed operation of this adapter.
pub type DavError = NetError;

/// What a successful check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryReport {
    /// The server the calendars are on, when it is not the one configured: where its
    /// `/.well-known/caldav` sent discovery.
    pub moved_to: Option<String>,
    /// The calendar home set: its path, or its whole URL when it is on another server than
    /// the one configured.
    pub home_set: String,
    /// How many calendars were listed.
    pub calendars: usize,
}

/// Parses and checks a CalDAV base URL: https, or http to loopback only.
pub fn parse_url(url: &str) -> Result<Uri, DavError> {
    let uri: Uri = url.trim().parse().map_err(|e| {
        NetError::new(
            FailureKind::Config,
            format!("{url:?} is not a valid URL: {e}"),
        )
    })?;
    let host = uri.host().unwrap_or_default();
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => Ok(uri),
        Some("http") if is_loopback_host(host) => Ok(uri),
        Some("http") => Err(NetError::new(
            FailureKind::Config,
            format!(
                "Refusing to send a password unencrypted to {host}: use an https:// URL (http is allowed only to this computer)"
            ),
        )),
        _ => Err(NetError::new(
            FailureKind::Config,
            format!("{url:?} must start with https://"),
        )),
    }
}

/// A CalDAV client for `config`.
pub fn client(config: &DavConfig) -> Result<CalDavClient<HttpClient>, DavError> {
    let base = parse_url(&config.url)?;
    let tls =
        orbit_net::client_config().map_err(|e| NetError::new(FailureKind::Tls, e.to_string()))?;
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(config.timeout));
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config((*tls).clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client = Client::builder(TokioExecutor::new()).build(https);
    let auth = AddAuthorization::basic(client, &config.username, config.password.expose());
    Ok(CalDavClient::new(WebDavClient::new(base, auth)))
}

/// Finds the principal, the calendar home set and the calendars: the connection test.
pub async fn check_login(config: &DavConfig) -> Result<DiscoveryReport, DavError> {
    // The discovery a sync makes, `/.well-known/caldav` included.
    let mut server = CalendarServer::new(config)?;
    let (home_set, calendars) = server.calendars_at(None).await?;
    Ok(DiscoveryReport {
        moved_to: server.moved_to().map(str::to_owned),
        home_set,
        calendars: calendars.len(),
    })
}

fn timeout(server: &str, limit: Duration) -> DavError {
    NetError::new(
        FailureKind::Timeout,
        format!(
            "The CalDAV server {server} did not answer within {} s",
            limit.as_secs_f32()
        ),
    )
}

fn classify(chain: &str, server: &str, doing: &str) -> DavError {
    let lower = chain.to_ascii_lowercase();
    let kind = if lower.contains("401") || lower.contains("403 forbidden") {
        FailureKind::Auth
    } else if lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("handshake")
        || lower.contains("invalid peer")
    {
        FailureKind::Tls
    } else if lower.contains("timed out") || lower.contains("timeout") {
        FailureKind::Timeout
    } else if lower.contains("connection refused")
        || lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("unreachable")
        || lower.contains("connect error")
        || lower.contains("client error (connect)")
    {
        FailureKind::Unreachable
    } else {
        FailureKind::Protocol
    };
    let message = match kind {
        FailureKind::Auth => {
            format!("The CalDAV server {server} refused the username or password")
        }
        FailureKind::Tls => {
            format!("The TLS handshake with the CalDAV server {server} failed: {chain}")
        }
        FailureKind::Unreachable => format!("Cannot reach the CalDAV server {server}: {chain}"),
        _ => format!("Cannot {doing} on the CalDAV server {server}: {chain}"),
    };
    NetError::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_except_to_loopback() {
        assert!(parse_url("https://dav.example.com/").is_ok());
        assert!(parse_url("http://127.0.0.1:5232/").is_ok());
        assert!(parse_url("http://localhost/dav").is_ok());
        let remote = parse_url("http://dav.example.com/").err().map(|e| e.kind());
        assert_eq!(remote, Some(FailureKind::Config));
        assert_eq!(
            parse_url("ftp://x/").err().map(|e| e.kind()),
            Some(FailureKind::Config)
        );
        assert_eq!(
            parse_url("not a url").err().map(|e| e.kind()),
            Some(FailureKind::Config)
        );
    }
}
