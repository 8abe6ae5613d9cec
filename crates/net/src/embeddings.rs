//! An OpenAI-compatible embeddings client (`POST {base}/embeddings`): OpenAI itself, or any
//! server that speaks the same wire format (a local model server). Inputs are sent in batches
//! the caller chooses (at most [`MAX_INPUTS`]); results are mapped by their `index`, never by
//! position, and every vector must have the dimensions asked for.

use std::time::Duration;

use crate::{FailureKind, NetError, client_config, error_chain};

/// Inputs per request, well under the API's 2,048.
pub const MAX_INPUTS: usize = 256;

/// Why an embedding request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedError {
    /// 429 (or 503 with a Retry-After): try again after this long.
    RateLimited(Duration),
    /// The key was refused (401/403): nothing will work until it is changed.
    Auth(String),
    /// The request was refused (other 4xx): the model, the dimensions or an input.
    Refused(String),
    /// The server failed (5xx) or answered something unreadable: worth a later retry.
    Server(String),
    /// No answer: offline, refused connection, timeout.
    Network(NetError),
}

impl std::fmt::Display for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RateLimited(wait) => write!(f, "rate limited; retry in {} s", wait.as_secs()),
            Self::Auth(m) => write!(f, "the embedding API refused the key: {m}"),
            Self::Refused(m) => write!(f, "the embedding API refused the request: {m}"),
            Self::Server(m) => write!(f, "the embedding API failed: {m}"),
            Self::Network(e) => write!(f, "the embedding API cannot be reached: {e}"),
        }
    }
}

impl std::error::Error for EmbedError {}

/// A client for one model and vector size.
#[derive(Debug, Clone)]
pub struct EmbeddingClient {
    client: reqwest::Client,
    url: String,
    key: Option<String>,
    model: String,
    dimensions: usize,
}

impl EmbeddingClient {
    /// `base_url` like `https://api.openai.com/v1`; `key` sent as a Bearer token when there is
    /// one (local servers often need none).
    pub fn new(
        base_url: &str,
        key: Option<String>,
        model: &str,
        dimensions: usize,
        timeout: Duration,
    ) -> Result<Self, NetError> {
        let tls = client_config()
            .map_err(|e| NetError::new(FailureKind::Tls, format!("Cannot set up TLS: {e}")))?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .referer(false)
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| NetError::new(FailureKind::Config, error_chain(&e)))?;
        Ok(Self {
            client,
            url: format!("{}/embeddings", base_url.trim_end_matches('/')),
            key,
            model: model.to_owned(),
            dimensions,
        })
    }

    /// The vectors of `inputs`, in their order.
    pub async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        if inputs.len() > MAX_INPUTS {
            return Err(EmbedError::Refused(format!(
                "{} inputs in one request (at most {MAX_INPUTS})",
                inputs.len()
            )));
        }
        // The API refuses empty strings.
        let inputs: Vec<&str> = inputs
            .iter()
            .map(|s| if s.trim().is_empty() { " " } else { s.as_str() })
            .collect();
        let body = serde_json::json!({
            "model": self.model,
            "input": inputs,
            "dimensions": self.dimensions,
            "encoding_format": "float",
        });
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        let response = request
            .send()
            .await
            .map_err(|e| EmbedError::Network(crate::fetch::http_failure(&self.url, &e)))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(300.0)));
        let text = response
            .text()
            .await
            .map_err(|e| EmbedError::Server(error_chain(&e)))?;
        let message = || api_message(&text).unwrap_or_else(|| format!("HTTP {status}"));
        match status.as_u16() {
            200..=299 => {}
            429 => {
                return Err(EmbedError::RateLimited(
                    retry_after.unwrap_or(Duration::from_secs(5)),
                ));
            }
            503 if retry_after.is_some() => {
                return Err(EmbedError::RateLimited(
                    retry_after.unwrap_or(Duration::from_secs(5)),
                ));
            }
            401 | 403 => return Err(EmbedError::Auth(message())),
            400..=499 => return Err(EmbedError::Refused(message())),
            _ => return Err(EmbedError::Server(message())),
        }
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| EmbedError::Server(format!("the answer is not JSON: {e}")))?;
        let data = value
            .get("data")
            .and_then(|d| d.as_array())
            .ok_or_else(|| EmbedError::Server("the answer has no data".into()))?;
        let mut out: Vec<Option<Vec<f32>>> = vec![None; inputs.len()];
        for item in data {
            let index = item
                .get("index")
                .and_then(serde_json::Value::as_u64)
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| EmbedError::Server("an embedding has no index".into()))?;
            let vector: Vec<f32> = item
                .get("embedding")
                .and_then(|e| e.as_array())
                .ok_or_else(|| EmbedError::Server("an embedding has no vector".into()))?
                .iter()
                .map(|x| x.as_f64().map(|x| x as f32))
                .collect::<Option<_>>()
                .ok_or_else(|| EmbedError::Server("an embedding holds a non-number".into()))?;
            if vector.len() != self.dimensions {
                return Err(EmbedError::Refused(format!(
                    "the model answered {} dimensions, not {}",
                    vector.len(),
                    self.dimensions
                )));
            }
            let slot = out
                .get_mut(index)
                .ok_or_else(|| EmbedError::Server(format!("index {index} out of range")))?;
            *slot = Some(vector);
        }
        out.into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.ok_or_else(|| EmbedError::Server(format!("no embedding for input {i}")))
            })
            .collect()
    }
}

/// The `error.message` of an API error body.
fn api_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value
        .get("error")?
        .get("message")?
        .as_str()
        .map(|m| m.chars().take(300).collect())
}
