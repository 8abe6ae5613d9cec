//! Fetching a message's remote images for the core, when the user allows them: no cookies (no
//! cookie store), no Referer (not even on redirects), a plain user agent, few redirects, a
//! size cap and a time limit. The webview never loads them itself.

use std::time::Duration;

use crate::{FailureKind, NetError, client_config, error_chain};

/// A failed HTTP request as a [`NetError`] of the right kind (timeout, unreachable, protocol).
pub(crate) fn http_failure(url: &str, e: &reqwest::Error) -> NetError {
    let kind = if e.is_timeout() {
        FailureKind::Timeout
    } else if e.is_connect() {
        FailureKind::Unreachable
    } else {
        FailureKind::Protocol
    };
    NetError::new(kind, format!("{url}: {}", error_chain(e)))
}

/// What a fetch returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// `Content-Type` without parameters, lower case.
    pub content_type: String,
    /// The body.
    pub bytes: Vec<u8>,
}

/// A client for remote content (build once, reuse for a message's resources).
#[derive(Debug, Clone)]
pub struct RemoteFetcher {
    client: reqwest::Client,
    max_bytes: usize,
}

impl RemoteFetcher {
    /// A fetcher that gives up after `timeout` per resource and refuses bodies over `max_bytes`.
    pub fn new(timeout: Duration, max_bytes: usize) -> Result<Self, NetError> {
        let tls = client_config()
            .map_err(|e| NetError::new(FailureKind::Tls, format!("Cannot set up TLS: {e}")))?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .referer(false)
            .redirect(reqwest::redirect::Policy::limited(4))
            .user_agent("Mozilla/5.0")
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| NetError::new(FailureKind::Config, error_chain(&e)))?;
        Ok(Self { client, max_bytes })
    }

    /// GETs `url` (http or https only).
    pub async fn get(&self, url: &str) -> Result<Fetched, NetError> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(NetError::new(
                FailureKind::Config,
                format!("Not a web address: {url}"),
            ));
        }
        let failed = |e: reqwest::Error| http_failure(url, &e);
        let mut response = self.client.get(url).send().await.map_err(failed)?;
        if !response.status().is_success() {
            return Err(NetError::new(
                FailureKind::Protocol,
                format!("{url}: the server answered {}", response.status()),
            ));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if bytes.len() + chunk.len() > self.max_bytes {
                return Err(NetError::new(
                    FailureKind::Protocol,
                    format!("{url}: larger than {} bytes", self.max_bytes),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            content_type,
            bytes,
        })
    }
}
