//! Semantic search: messages cut into chunks, embedded by the user's OpenAI-compatible
//! provider (OpenAI's `text-embedding-3-small` by default, with the `dimensions` option, or a
//! local model server at the provider's base URL), vectors kept in the store (full vectors in
//! `chunks`, their bits in a sqlite-vec table for a fast first pass). Off until the user turns
//! it on: embedding sends the mail's text to the provider.
//!
//! The queue (`embed_pending`, filled by store triggers) is worked off in the background in
//! batches; a 429 waits its Retry-After and tries again, a network failure leaves the rest for
//! the next pass; nothing here blocks sync. Changing the model or the size forgets every vector
//! and embeds everything again.

use std::collections::HashMap;
use std::time::Duration;

use orbit_net::embeddings::{EmbedError, EmbeddingClient};
use orbit_store::embeddings as em;
use orbit_store::search as st;
use orbit_store::settings;
use serde::Serialize;
use serde_json::json;

use crate::activity::{Actor, Record};
use crate::ai::Provider;
use crate::{Error, ErrorCode, Event, Orbit, Result};

/// The embedding model used unless the user picks another.
pub const DEFAULT_MODEL: &str = "text-embedding-3-small";
/// Vector size asked for (text-embedding-3 models shorten their vectors on request).
pub const DEFAULT_DIMENSIONS: usize = 512;
/// Characters of text per chunk.
const CHUNK_CHARS: usize = 1_200;
/// Chunks per message at most (the rest of a long message is not embedded).
const MAX_CHUNKS: usize = 8;
/// Messages per embedding request.
const MESSAGES_PER_REQUEST: usize = 24;
/// Chunks read in the bit-vector pass before rescoring with full vectors.
const FIRST_PASS: usize = 100;
/// A semantic result is kept when its similarity is at least this share of the best one's…
const RELATIVE_FLOOR: f32 = 0.6;
/// …and at least this (cosine).
const ABSOLUTE_FLOOR: f32 = 0.15;

/// The semantic search settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbeddingSettings {
    /// Turned on by the user.
    pub enabled: bool,
    /// The model.
    pub model: String,
    /// The vector size.
    pub dimensions: usize,
    /// Where requests go (the OpenAI-compatible provider's base URL).
    pub base_url: String,
    /// Whether an API key is set for that provider.
    pub has_key: bool,
}

/// Where the embedding of the mail stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbedStatus {
    /// Turned on.
    pub enabled: bool,
    /// Chunks with vectors.
    pub chunks: u64,
    /// Messages waiting.
    pub pending: u64,
    /// Messages embedded by this call.
    pub embedded_now: u64,
    /// Why the last pass stopped early (offline, rate limited, refused), if it did.
    pub stopped: Option<String>,
}

/// How a search ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// Full text only.
    Text,
    /// Meaning only (the query's words embedded; its filters still apply).
    Semantic,
    /// Both, fused by reciprocal rank.
    Hybrid,
    /// Hybrid when semantic search is on and the query has words; else text.
    Auto,
}

impl SearchMode {
    /// `text`, `semantic`, `hybrid` or `auto`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "text" => Ok(Self::Text),
            "semantic" => Ok(Self::Semantic),
            "hybrid" => Ok(Self::Hybrid),
            "auto" => Ok(Self::Auto),
            other => Err(Error::invalid(format!(
                "Search mode {other:?}: use text, semantic, hybrid or auto"
            ))),
        }
    }
}

/// A message's text cut into chunks: the first starts with the subject and the sender, the
/// rest follow paragraph by paragraph up to [`CHUNK_CHARS`] each.
pub(crate) fn chunks(subject: &str, from: &str, body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = format!("{subject}\n{from}\n");
    for paragraph in body.split("\n\n") {
        let paragraph = paragraph.trim();
        if paragraph.is_empty() || paragraph.lines().all(|l| l.starts_with('>')) {
            continue;
        }
        if current.chars().count() + paragraph.chars().count() > CHUNK_CHARS
            && !current.trim().is_empty()
        {
            out.push(std::mem::take(&mut current));
            if out.len() == MAX_CHUNKS {
                return out;
            }
        }
        // A paragraph longer than a chunk is cut at a character boundary.
        let mut rest = paragraph;
        while rest.chars().count() > CHUNK_CHARS {
            let cut = rest
                .char_indices()
                .nth(CHUNK_CHARS)
                .map_or(rest.len(), |(i, _)| i);
            let (head, tail) = rest.split_at(cut);
            out.push(head.to_owned());
            if out.len() == MAX_CHUNKS {
                return out;
            }
            rest = tail;
        }
        current.push_str(rest);
        current.push_str("\n\n");
    }
    if !current.trim().is_empty() && out.len() < MAX_CHUNKS {
        out.push(current);
    }
    out
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

fn embed_error(e: &EmbedError) -> Error {
    match e {
        EmbedError::Network(_) => Error::new(ErrorCode::Network, e.to_string()),
        EmbedError::Auth(_) | EmbedError::Refused(_) => Error::invalid(e.to_string()),
        EmbedError::RateLimited(_) | EmbedError::Server(_) => {
            Error::new(ErrorCode::Network, e.to_string())
        }
    }
}

impl Orbit {
    fn setting_value(&self, key: &str) -> Result<Option<String>> {
        Ok(self.store.read(|c| settings::get(c, key))?)
    }

    /// The semantic search settings, as shown (whether a key is set asks the keyring).
    pub fn embedding_settings(&self) -> Result<EmbeddingSettings> {
        let mut s = self.embedding_config()?;
        s.has_key = self.ai_settings()?.openai.has_key;
        Ok(s)
    }

    /// Whether semantic search is on: one settings read (searches and the background pass ask
    /// it often; the keyring is not asked).
    pub fn embeddings_enabled(&self) -> Result<bool> {
        Ok(self.setting_value("search.embeddings")?.as_deref() == Some("on"))
    }

    /// The settings without asking the keyring (`has_key` is false here).
    fn embedding_config(&self) -> Result<EmbeddingSettings> {
        Ok(EmbeddingSettings {
            enabled: self.embeddings_enabled()?,
            model: self
                .setting_value("search.embedding_model")?
                .unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
            dimensions: self
                .setting_value("search.embedding_dimensions")?
                .and_then(|d| d.parse().ok())
                .unwrap_or(DEFAULT_DIMENSIONS),
            base_url: self.provider_base_url(Provider::Openai)?,
            has_key: false,
        })
    }

    /// Turns semantic search on or off, or changes its model or vector size (a multiple of 8,
    /// 64 to 4,096). `None` leaves a value as it is. A new model or size embeds everything
    /// again.
    pub fn embedding_update(
        &self,
        enabled: Option<bool>,
        model: Option<&str>,
        dimensions: Option<usize>,
    ) -> Result<EmbeddingSettings> {
        if let Some(d) = dimensions
            && (d % 8 != 0 || !(64..=4096).contains(&d))
        {
            return Err(Error::invalid(format!(
                "Dimensions {d}: use a multiple of 8 from 64 to 4096"
            )));
        }
        let model = model.map(str::trim);
        if model.is_some_and(|m| m.is_empty() || m.contains(char::is_whitespace)) {
            return Err(Error::invalid("An embedding model name has no spaces"));
        }
        let now = self.now_stamp();
        let activity = self.store.write(|tx| -> Result<i64> {
            let mut changed = serde_json::Map::new();
            if let Some(on) = enabled {
                settings::set(tx, "search.embeddings", if on { "on" } else { "off" }, &now)?;
                changed.insert("enabled".into(), json!(on));
            }
            if let Some(m) = model {
                settings::set(tx, "search.embedding_model", m, &now)?;
                changed.insert("model".into(), json!(m));
            }
            if let Some(d) = dimensions {
                settings::set(tx, "search.embedding_dimensions", &d.to_string(), &now)?;
                changed.insert("dimensions".into(), json!(d));
            }
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "settings.changed",
                    target: "search:embeddings".into(),
                    summary: match enabled {
                        Some(true) => "Turned on semantic search".into(),
                        Some(false) => "Turned off semantic search".into(),
                        None => "Changed the semantic search model".into(),
                    },
                    details: serde_json::Value::Object(changed),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::SettingsChanged);
        let current = self.embedding_settings()?;
        if current.enabled {
            self.embedding_space(&current)?;
        }
        if enabled == Some(true) {
            // Nothing was marked while it was off.
            self.store
                .write(|tx| Ok::<_, Error>(em::mark_missed(tx)?))?;
        }
        Ok(current)
    }

    /// Makes the stored vectors match the settings: another model or size forgets them all and
    /// marks every message to be embedded again.
    fn embedding_space(&self, s: &EmbeddingSettings) -> Result<()> {
        let wanted = format!("{}|{}", s.model, s.dimensions);
        let stored = self.setting_value("search.embedding_space")?;
        if stored.as_deref() == Some(wanted.as_str()) {
            return Ok(());
        }
        let old_dims = stored
            .as_deref()
            .and_then(|v| v.rsplit_once('|'))
            .and_then(|(_, d)| d.parse::<usize>().ok());
        let now = self.now_stamp();
        self.store.write(|tx| -> Result<()> {
            em::reset(tx, old_dims)?;
            em::ensure_bits(tx, s.dimensions)?;
            settings::set(tx, "search.embedding_space", &wanted, &now)?;
            Ok(())
        })?;
        tracing::info!(space = %wanted, "embedding every message for semantic search");
        Ok(())
    }

    fn embedding_client(&self, s: &EmbeddingSettings) -> Result<EmbeddingClient> {
        let key = self.api_key(Provider::Openai)?.map(|k| k.expose().clone());
        EmbeddingClient::new(
            &s.base_url,
            key,
            &s.model,
            s.dimensions,
            Duration::from_secs(30),
        )
        .map_err(|e| Error::new(ErrorCode::Network, e.to_string()))
    }

    /// Where the embedding stands, without embedding anything.
    pub fn embed_status(&self) -> Result<EmbedStatus> {
        let enabled = self.embeddings_enabled()?;
        let (chunks, pending) = self
            .store
            .read(|c| -> Result<(u64, u64)> { Ok((em::chunk_count(c)?, em::pending_count(c)?)) })?;
        Ok(EmbedStatus {
            enabled,
            chunks,
            pending: if enabled { pending } else { 0 },
            embedded_now: 0,
            stopped: None,
        })
    }

    /// Embeds the waiting messages (newest first), at most `max_messages` of them this call.
    /// A 429 waits its Retry-After (up to 30 s, three times); a network failure or a refusal
    /// stops the pass and says why (`stopped`) — the rest waits for the next one.
    pub async fn embed_catch_up(&self, max_messages: usize) -> Result<EmbedStatus> {
        if !self.embeddings_enabled()? {
            return self.embed_status();
        }
        let s = self.embedding_config()?;
        self.embedding_space(&s)?;
        // Nothing waiting (the usual case for the background pass): no client, no keyring.
        if self
            .store
            .read(|c| Ok::<_, Error>(em::pending(c, 1)?))?
            .is_empty()
        {
            return self.embed_status();
        }
        let client = self.embedding_client(&s)?;
        let mut embedded_now = 0u64;
        let mut stopped = None;
        let mut budget = max_messages;
        'passes: while budget > 0 {
            let batch = self
                .store
                .read(|c| Ok::<_, Error>(em::pending(c, MESSAGES_PER_REQUEST.min(budget))?))?;
            if batch.is_empty() {
                break;
            }
            budget = budget.saturating_sub(batch.len());
            let docs = self.store.read(|c| -> Result<Vec<Option<st::DocRow>>> {
                batch.iter().map(|p| Ok(st::doc(c, p.message)?)).collect()
            })?;
            let per_message: Vec<Vec<String>> = docs
                .iter()
                .map(|d| {
                    d.as_ref().map_or_else(Vec::new, |d| {
                        let from = if d.from_name.is_empty() {
                            d.from_email.clone()
                        } else {
                            format!("{} <{}>", d.from_name, d.from_email)
                        };
                        chunks(&d.subject, &from, &d.body_text)
                    })
                })
                .collect();
            let inputs: Vec<String> = per_message.iter().flatten().cloned().collect();
            let mut tries = 0;
            let vectors = loop {
                match client.embed(&inputs).await {
                    Ok(v) => break v,
                    Err(EmbedError::RateLimited(wait))
                        if tries < 3 && wait <= Duration::from_secs(30) =>
                    {
                        tries += 1;
                        tracing::info!(
                            wait_s = wait.as_secs_f64(),
                            "embedding rate limited; waiting"
                        );
                        tokio::time::sleep(wait).await;
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "embedding stopped for now");
                        stopped = Some(e.to_string());
                        break 'passes;
                    }
                }
            };
            let mut vectors = vectors.into_iter();
            let dims = s.dimensions;
            self.store.write(|tx| -> Result<()> {
                for (pending, texts) in batch.iter().zip(&per_message) {
                    let stored: Vec<(String, Vec<f32>)> = texts
                        .iter()
                        .filter_map(|t| Some((t.clone(), vectors.next()?)))
                        .collect();
                    em::store(tx, dims, *pending, &stored)?;
                }
                Ok(())
            })?;
            embedded_now += u64::try_from(batch.len()).unwrap_or(0);
        }
        let mut status = self.embed_status()?;
        status.embedded_now = embedded_now;
        status.stopped = stopped;
        Ok(status)
    }

    /// The messages closest in meaning to `text`: (message, similarity, best chunk's text),
    /// most similar first, at most `limit`.
    pub(crate) async fn nearest_messages(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<(i64, f32, String)>> {
        let s = self.embedding_config()?;
        if !s.enabled {
            return Err(Error::invalid(
                "Semantic search is off: turn it on with `orbit settings embeddings --on` \
                 (or in Settings), then let Orbit embed your mail",
            ));
        }
        self.embedding_space(&s)?;
        let client = self.embedding_client(&s)?;
        let query = client
            .embed(&[text.to_owned()])
            .await
            .map_err(|e| embed_error(&e))?
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal("The embedding API answered no vector"))?;
        let near = self
            .store
            .read(|c| Ok::<_, Error>(em::nearest(c, s.dimensions, &query, FIRST_PASS)?))?;
        let mut best: HashMap<i64, (f32, String)> = HashMap::new();
        for n in near {
            let score = cosine(&query, &n.vector);
            let entry = best.entry(n.message).or_insert((f32::MIN, String::new()));
            if score > entry.0 {
                *entry = (score, n.text);
            }
        }
        let mut ranked: Vec<(i64, f32, String)> =
            best.into_iter().map(|(id, (s, t))| (id, s, t)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        // Meaning always finds *something*: keep only what is about as close as the best.
        let floor = ranked.first().map_or(0.0, |(_, best, _)| {
            (best * RELATIVE_FLOOR).max(ABSOLUTE_FLOOR)
        });
        ranked.retain(|(_, score, _)| *score >= floor);
        ranked.truncate(limit);
        Ok(ranked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_start_with_subject_and_sender_and_stay_bounded() {
        let body = format!(
            "Hello.\n\n{}\n\n> quoted\n> old\n\nBye.",
            "word ".repeat(600)
        );
        let c = chunks("Budget", "Alice <a@x>", &body);
        assert!(c[0].starts_with("Budget\nAlice <a@x>\n"));
        assert!(c.iter().all(|c| c.chars().count() <= CHUNK_CHARS + 2));
        assert!(
            !c.iter().any(|c| c.contains("> quoted")),
            "quotes are not embedded"
        );
        assert!(c.last().is_some_and(|l| l.contains("Bye.")));
        let long = "x".repeat(CHUNK_CHARS * 20);
        assert_eq!(chunks("S", "F", &long).len(), MAX_CHUNKS);
        assert!(chunks("", "", "").is_empty(), "nothing to embed");
    }

    #[test]
    fn cosine_of_the_same_direction_is_one() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
