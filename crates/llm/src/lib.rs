//! Clients for language-model APIs, with no application state: Anthropic's Messages API and
//! OpenAI-compatible chat completions (OpenAI itself, or a local model server by its base URL).
//!
//! Both speak the same small vocabulary ([`Request`], [`Message`], [`Block`], [`Reply`]):
//! text, tool use and tool results. [`Client::stream`] reads the server-sent events as they
//! arrive and reports text as it comes ([`Delta`]); [`Client::complete`] waits for the whole
//! answer. Failed requests are retried when the API says they may be (408, 409, 429, 5xx,
//! 529, a dropped connection), honouring `retry-after`, with exponential backoff and jitter,
//! a bounded number of times, and never when a spend limit is reached. A reply whose stream
//! broke off is never returned: its tool calls are incomplete and must not run.
//!
//! Cancelling is dropping the future: the connection is closed.
//!
//! Architecture invariant: this crate knows no storage, no mail and no Orbit type.

mod anthropic;
mod openai;
mod retry;
mod sse;

use std::time::Duration;

use orbit_net::{FailureKind, NetError, client_config, error_chain};
use serde::{Deserialize, Serialize};

pub use retry::RetryPolicy;
pub use sse::{SseDecoder, SseEvent};

/// Which wire format a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    /// `POST {base}/v1/messages` with `x-api-key`.
    Anthropic,
    /// `POST {base}/chat/completions` with a Bearer token (optional for local servers).
    Openai,
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person, and tool results sent back on their behalf.
    User,
    /// The model.
    Assistant,
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// The model asks for a tool to run.
    ToolUse {
        /// The call's id, echoed by its result.
        id: String,
        /// The tool's name.
        name: String,
        /// Its input: a JSON object.
        input: serde_json::Value,
    },
    /// What a tool returned.
    ToolResult {
        /// The call this answers.
        tool_use_id: String,
        /// The result as text.
        content: String,
        /// Whether the tool failed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        is_error: bool,
    },
}

/// A message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub content: Vec<Block>,
}

impl Message {
    /// A user message of plain text.
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: vec![Block::Text { text: text.into() }],
        }
    }

    /// The text blocks joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                Block::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Its name (`^[a-zA-Z0-9_-]{1,64}$`).
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// A JSON Schema of its input object.
    pub input_schema: serde_json::Value,
}

/// One request to the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// The system prompt.
    pub system: String,
    /// The conversation so far, starting with a user message.
    pub messages: Vec<Message>,
    /// The tools on offer.
    pub tools: Vec<Tool>,
    /// The longest answer, in tokens.
    pub max_tokens: u32,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The answer is complete.
    EndTurn,
    /// It hit `max_tokens`.
    MaxTokens,
    /// A stop sequence was generated.
    StopSequence,
    /// It wants tools to run.
    ToolUse,
    /// A long turn paused; send it back to continue.
    PauseTurn,
    /// It declined to answer.
    Refusal,
    /// The conversation no longer fits the model's context window.
    ModelContextWindowExceeded,
    /// A reason this client does not know.
    Other(String),
}

impl StopReason {
    fn parse(s: &str) -> Self {
        match s {
            "end_turn" | "stop" => Self::EndTurn,
            "max_tokens" | "length" => Self::MaxTokens,
            "stop_sequence" => Self::StopSequence,
            "tool_use" | "tool_calls" | "function_call" => Self::ToolUse,
            "pause_turn" => Self::PauseTurn,
            "refusal" | "content_filter" => Self::Refusal,
            "model_context_window_exceeded" => Self::ModelContextWindowExceeded,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Tokens a request used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens (not counting cache reads and writes).
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache.
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    /// Input tokens written to the prompt cache.
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
}

impl Usage {
    /// Both summed.
    pub fn add(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_input_tokens += other.cache_read_input_tokens;
        self.cache_creation_input_tokens += other.cache_creation_input_tokens;
    }
}

/// The model's complete answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// The server's id of the message.
    pub id: String,
    /// The model that answered.
    pub model: String,
    /// Text and tool calls, in order.
    pub content: Vec<Block>,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// Tokens used.
    pub usage: Usage,
}

impl Reply {
    /// The reply as a message to append to the conversation.
    pub fn message(&self) -> Message {
        Message {
            role: Role::Assistant,
            content: self.content.clone(),
        }
    }

    /// The tool calls it asks for, in order.
    pub fn tool_calls(&self) -> impl Iterator<Item = (&str, &str, &serde_json::Value)> {
        self.content.iter().filter_map(|b| match b {
            Block::ToolUse { id, name, input } => Some((id.as_str(), name.as_str(), input)),
            _ => None,
        })
    }
}

/// What a streaming request reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delta<'a> {
    /// More text of the answer.
    Text(&'a str),
    /// The model started a tool call.
    ToolStarted {
        /// The tool's name.
        name: &'a str,
    },
    /// The request failed and is tried again after `wait`; text reported so far is void.
    Retrying {
        /// The try that comes next (2 for the first retry).
        attempt: u32,
        /// How long until then.
        wait: Duration,
        /// Why, for people.
        reason: &'a str,
    },
}

/// Why a request failed, after any retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmError {
    /// No API key is set for a provider that needs one.
    NoKey,
    /// The key was refused (401, 403).
    Auth(String),
    /// The account's spend limit or credit is exhausted (402, or a 429 that says so).
    SpendLimit(String),
    /// Still rate limited (429) after every try.
    RateLimited {
        /// The server's message.
        message: String,
        /// When it said to try again, if it did.
        retry_after: Option<Duration>,
    },
    /// The service is overloaded (529) or failing (5xx) after every try.
    Unavailable(String),
    /// The request itself was refused (400, 404, 413…): the model name, the size, a tool.
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The answer could not be read, or its stream ended before it was complete.
    Stream(String),
    /// No answer: offline, refused connection, timeout.
    Network(NetError),
}

impl LlmError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoKey => "no_key",
            Self::Auth(_) => "auth",
            Self::SpendLimit(_) => "spend_limit",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Refused { .. } => "refused",
            Self::Stream(_) => "stream",
            Self::Network(e) if e.kind() == FailureKind::Timeout => "timeout",
            Self::Network(_) => "offline",
        }
    }
}

impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoKey => write!(f, "No API key is set for the assistant's provider"),
            Self::Auth(m) => write!(f, "The provider refused the API key: {m}"),
            Self::SpendLimit(m) => write!(f, "The provider account's spend limit is reached: {m}"),
            Self::RateLimited { message, .. } => {
                write!(f, "The provider is rate limiting requests: {message}")
            }
            Self::Unavailable(m) => write!(f, "The provider is unavailable: {m}"),
            Self::Refused { status, message } => {
                write!(f, "The provider refused the request ({status}): {message}")
            }
            Self::Stream(m) => write!(f, "The provider's answer broke off: {m}"),
            Self::Network(e) => write!(f, "The provider cannot be reached: {e}"),
        }
    }
}

impl std::error::Error for LlmError {}

/// How to reach one model.
#[derive(Debug, Clone)]
pub struct Config {
    /// The wire format.
    pub wire: Wire,
    /// `https://api.anthropic.com`, `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`…
    pub base_url: String,
    /// The API key, if the server needs one. Never logged.
    pub key: Option<String>,
    /// The model's name.
    pub model: String,
    /// How long a request may take before it is abandoned (the whole answer).
    pub timeout: Duration,
    /// Retries and backoff.
    pub retry: RetryPolicy,
}

/// A client for one model.
#[derive(Clone)]
pub struct Client {
    config: Config,
    http: reqwest::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("wire", &self.config.wire)
            .field("base_url", &self.config.base_url)
            .field("model", &self.config.model)
            .finish_non_exhaustive()
    }
}

/// A streamed reply being assembled, in either wire format.
enum Accumulator {
    Anthropic(anthropic::Stream),
    Openai(openai::Stream),
}

impl Accumulator {
    fn event(
        &mut self,
        event: &SseEvent,
        on_delta: &mut (dyn FnMut(Delta<'_>) + Send),
    ) -> Result<(), Failure> {
        match self {
            Self::Anthropic(a) => a.event(event, on_delta),
            Self::Openai(a) => a.event(event, on_delta),
        }
    }

    fn finished(&self) -> bool {
        match self {
            Self::Anthropic(a) => a.finished(),
            Self::Openai(a) => a.finished(),
        }
    }

    fn finish(self, model: &str) -> Result<Reply, Failure> {
        match self {
            Self::Anthropic(a) => a.finish(),
            Self::Openai(a) => a.finish(model),
        }
    }
}

/// A failed try: what to do about it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: LlmError,
    /// `Some` when the request may be tried again; the wait the server asked for, if any.
    pub(crate) retry: Option<Option<Duration>>,
}

impl Client {
    /// A client for `config`. Anthropic needs a key; OpenAI-compatible servers may not.
    pub fn new(config: Config) -> Result<Self, LlmError> {
        if config.wire == Wire::Anthropic && config.key.as_deref().is_none_or(str::is_empty) {
            return Err(LlmError::NoKey);
        }
        let tls = client_config().map_err(|e| {
            LlmError::Network(NetError::new(
                FailureKind::Tls,
                format!("Cannot set up TLS: {e}"),
            ))
        })?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .referer(false)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LlmError::Network(NetError::new(FailureKind::Config, error_chain(&e))))?;
        Ok(Self { config, http })
    }

    /// The model asked.
    pub fn model(&self) -> &str {
        &self.config.model
    }

    /// The wire format spoken.
    pub fn wire(&self) -> Wire {
        self.config.wire
    }

    /// The JSON body this client sends for `request` (what the model sees), streaming or not.
    pub fn body(&self, request: &Request, stream: bool) -> serde_json::Value {
        match self.config.wire {
            Wire::Anthropic => anthropic::body(&self.config.model, request, stream),
            Wire::Openai => openai::body(&self.config.model, request, stream),
        }
    }

    /// Sends `request` and waits for the whole answer.
    pub async fn complete(&self, request: &Request) -> Result<Reply, LlmError> {
        let body = self.body(request, false);
        let mut tries = 0u32;
        loop {
            tries += 1;
            let failure = match self.complete_once(&body).await {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            let (wait, _) = self.next_try(tries, failure)?;
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends `request` as a stream, reporting text as it arrives, and returns the whole answer.
    pub async fn stream(
        &self,
        request: &Request,
        on_delta: &mut (dyn FnMut(Delta<'_>) + Send),
    ) -> Result<Reply, LlmError> {
        let body = self.body(request, true);
        let mut tries = 0u32;
        loop {
            tries += 1;
            let failure = match self.stream_once(&body, on_delta).await {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            let (wait, reason) = self.next_try(tries, failure)?;
            on_delta(Delta::Retrying {
                attempt: tries + 1,
                wait,
                reason: &reason,
            });
            tokio::time::sleep(wait).await;
        }
    }

    /// After failed try number `tries`: how long to wait before the next, or the error to give up with.
    fn next_try(&self, tries: u32, failure: Failure) -> Result<(Duration, String), LlmError> {
        match failure.retry {
            Some(asked) if tries <= self.config.retry.max_retries => {
                let wait = self.config.retry.delay(tries, asked);
                let reason = failure.error.to_string();
                tracing::info!(
                    attempt = tries + 1,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    %reason,
                    "retrying a model request"
                );
                Ok((wait, reason))
            }
            _ => Err(failure.error),
        }
    }

    async fn complete_once(&self, body: &serde_json::Value) -> Result<Reply, Failure> {
        let response = self.post(body).await?;
        let bytes = response.bytes().await.map_err(|e| transport(&e))?;
        match self.config.wire {
            Wire::Anthropic => anthropic::parse_reply(&bytes),
            Wire::Openai => openai::parse_reply(&bytes),
        }
        .map_err(|m| Failure {
            error: LlmError::Stream(m),
            retry: None,
        })
    }

    async fn stream_once(
        &self,
        body: &serde_json::Value,
        on_delta: &mut (dyn FnMut(Delta<'_>) + Send),
    ) -> Result<Reply, Failure> {
        let mut response = self.post(body).await?;
        let mut decoder = SseDecoder::default();
        let mut acc = match self.config.wire {
            Wire::Anthropic => Accumulator::Anthropic(anthropic::Stream::default()),
            Wire::Openai => Accumulator::Openai(openai::Stream::default()),
        };
        loop {
            let chunk = response.chunk().await.map_err(|e| Failure {
                error: LlmError::Stream(format!("the connection dropped: {}", error_chain(&e))),
                retry: Some(None),
            })?;
            let Some(chunk) = chunk else { break };
            for event in decoder.feed(&chunk) {
                acc.event(&event, on_delta)?;
            }
            if acc.finished() {
                break;
            }
        }
        for event in decoder.finish() {
            acc.event(&event, on_delta)?;
        }
        acc.finish(&self.config.model)
    }

    async fn post(&self, body: &serde_json::Value) -> Result<reqwest::Response, Failure> {
        let bytes = serde_json::to_vec(body).map_err(|e| Failure {
            error: LlmError::Stream(format!("cannot encode the request: {e}")),
            retry: None,
        })?;
        let base = self.config.base_url.trim_end_matches('/');
        let mut builder = match self.config.wire {
            Wire::Anthropic => {
                let url = if base.ends_with("/v1") {
                    format!("{base}/messages")
                } else {
                    format!("{base}/v1/messages")
                };
                self.http
                    .post(url)
                    .header("anthropic-version", "2023-06-01")
                    .header("x-api-key", self.config.key.as_deref().unwrap_or_default())
            }
            Wire::Openai => {
                let builder = self.http.post(format!("{base}/chat/completions"));
                match self.config.key.as_deref().filter(|k| !k.is_empty()) {
                    Some(key) => builder.bearer_auth(key),
                    None => builder,
                }
            }
        };
        builder = builder
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(bytes);
        let response = builder.send().await.map_err(|e| transport(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap_or_default();
        Err(retry::classify(status.as_u16(), &headers, &body))
    }
}

fn transport(err: &reqwest::Error) -> Failure {
    let kind = if err.is_timeout() {
        FailureKind::Timeout
    } else {
        FailureKind::Unreachable
    };
    Failure {
        error: LlmError::Network(NetError::new(kind, error_chain(err))),
        // A timeout of the whole answer is not worth repeating; a refused or reset connection is.
        retry: (!err.is_timeout()).then_some(None),
    }
}
