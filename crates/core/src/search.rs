//! Search over the user's mail (`orbit-search`): the index lives in `<data dir>/search`, derived
//! from the store. Every change a document depends on is marked in `search_pending` by the
//! store's own triggers, in the change's transaction; [`Orbit::search_catch_up`] indexes the
//! marked messages in batches and clears a mark only after the index commit holds it. A search
//! catches up first, so it never answers from a stale index without saying so (`pending`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use orbit_search::{IndexError, MessageDoc, Opened, ParseOptions, Ranked, SearchIndex};
use orbit_store::search as st;
use serde::Serialize;

use crate::embed::SearchMode;
use crate::mail::MessageSummary;
use crate::{Error, ErrorCode, Orbit, Result};

/// Messages indexed per commit while catching up.
const BATCH: usize = 2_000;
/// Characters of body text around the matches shown with a hit.
const SNIPPET_CHARS: usize = 180;

/// How to search.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// Conversations at most.
    pub limit: usize,
    /// The query is being typed: its last word is a prefix.
    pub as_you_type: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            limit: 50,
            as_you_type: false,
        }
    }
}

/// A conversation that matched, through its best message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The best-ranked matching message of the conversation.
    pub message: MessageSummary,
    /// Body text around the matches ('' when only other fields matched).
    pub snippet: String,
    /// Byte ranges in `snippet` to highlight.
    pub highlights: Vec<[usize; 2]>,
    /// Other matching messages in the same conversation.
    pub more_in_thread: usize,
    /// Relevance (BM25 nudged by recency and state).
    pub score: f32,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// The query as given.
    pub query: String,
    /// Matching messages in all.
    pub total: usize,
    /// Conversations, best first.
    pub hits: Vec<SearchHit>,
    /// Messages not in the index yet (another Orbit process is indexing them); 0 normally.
    pub pending: u64,
    /// Milliseconds the search took (catching up included).
    pub took_ms: f64,
    /// How it was ranked.
    pub mode: SearchMode,
    /// Why meaning was left out of a hybrid search (the provider could not be reached…).
    pub semantic_error: Option<String>,
}

/// The state of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IndexStatus {
    /// Messages in the index.
    pub indexed: u64,
    /// Messages waiting to be indexed.
    pub pending: u64,
    /// Bytes on disk.
    pub size_bytes: u64,
    /// Another process holds the index writer (it indexes them).
    pub busy: bool,
}

fn index_error(e: IndexError) -> Error {
    match e {
        IndexError::Query(q) => Error::invalid(q.to_string()),
        IndexError::Busy => Error::new(ErrorCode::DatabaseLocked, e.to_string()),
        IndexError::Engine(m) => Error::new(ErrorCode::Database, format!("Search index: {m}")),
    }
}

impl Orbit {
    fn search_index(&self) -> Result<Arc<SearchIndex>> {
        let mut slot = self
            .search
            .lock()
            .map_err(|_| Error::internal("The search index lock is poisoned"))?;
        if let Some(index) = slot.as_ref() {
            return Ok(Arc::clone(index));
        }
        let (index, opened) =
            SearchIndex::open(&self.data_dir.join("search")).map_err(index_error)?;
        if opened == Opened::Created {
            // A new (or rebuilt) index holds nothing: every message is to be indexed.
            let marked = self.store.write(|tx| Ok::<_, Error>(st::mark_all(tx)?))?;
            tracing::info!(marked, "search index created; indexing every message");
        }
        let index = Arc::new(index);
        *slot = Some(Arc::clone(&index));
        Ok(index)
    }

    /// Indexes every marked message (in batches, each one commit) and says where the index
    /// stands. When another process holds the writer, nothing is indexed here: `busy`.
    pub fn search_catch_up(&self) -> Result<IndexStatus> {
        let index = self.search_index()?;
        let mut writer = None;
        let mut indexed_now = 0usize;
        loop {
            let batch = self
                .store
                .read(|c| Ok::<_, Error>(st::pending(c, BATCH)?))?;
            if batch.is_empty() {
                break;
            }
            if writer.is_none() {
                match index.writer() {
                    Ok(w) => writer = Some(w),
                    Err(IndexError::Busy) => {
                        return self.search_status_of(&index, true);
                    }
                    Err(e) => return Err(index_error(e)),
                }
            }
            let Some(w) = writer.as_mut() else { break };
            let docs = self.store.read(|c| -> Result<Vec<Option<st::DocRow>>> {
                batch.iter().map(|p| Ok(st::doc(c, p.message)?)).collect()
            })?;
            for (pending, doc) in batch.iter().zip(docs) {
                match doc {
                    Some(row) => {
                        let text = self.attachment_text(&row.text_attachments);
                        let mut doc = message_doc(row);
                        doc.attachment_text = text;
                        w.upsert(&doc).map_err(index_error)?;
                    }
                    None => w.remove(pending.message),
                }
            }
            w.commit().map_err(index_error)?;
            self.store
                .write(|tx| Ok::<_, Error>(st::done(tx, &batch)?))?;
            indexed_now += batch.len();
        }
        drop(writer);
        if indexed_now > 0 {
            index.reload().map_err(index_error)?;
            tracing::debug!(indexed_now, "search index caught up");
        }
        self.search_status_of(&index, false)
    }

    /// Where the index stands, without indexing anything.
    pub fn search_status(&self) -> Result<IndexStatus> {
        let index = self.search_index()?;
        index.reload().map_err(index_error)?;
        self.search_status_of(&index, false)
    }

    fn search_status_of(&self, index: &SearchIndex, busy: bool) -> Result<IndexStatus> {
        let pending = self.store.read(|c| Ok::<_, Error>(st::pending_count(c)?))?;
        Ok(IndexStatus {
            indexed: index.count(),
            pending,
            size_bytes: index.size_bytes(),
            busy,
        })
    }

    /// Builds the index again from the store (it is derived state): every document is
    /// removed, every message marked, then indexed.
    pub fn search_rebuild(&self) -> Result<IndexStatus> {
        let index = self.search_index()?;
        {
            let mut writer = index.writer().map_err(index_error)?;
            writer.clear().map_err(index_error)?;
            writer.commit().map_err(index_error)?;
        }
        self.store.write(|tx| Ok::<_, Error>(st::mark_all(tx)?))?;
        self.search_catch_up()
    }

    /// Searches the mail with the query language (see `orbit_search::query`), full text only:
    /// conversations, best first, each with its best message and a highlighted snippet.
    pub fn search(&self, query: &str, options: SearchOptions) -> Result<SearchResults> {
        let started = Instant::now();
        let (node, now) = self.parse_query(query, options)?;
        self.search_words(query, &node, now, options, started)
    }

    /// Full-text search of a parsed query.
    fn search_words(
        &self,
        query: &str,
        node: &orbit_search::Node,
        now: i64,
        options: SearchOptions,
        started: Instant,
    ) -> Result<SearchResults> {
        let pending = self.search_keep_up()?;
        let index = self.search_index()?;
        let folders = self.folder_resolver();
        let found = index
            .search(node, &folders, options.limit.clamp(1, 500), now)
            .map_err(index_error)?;
        let mut results = self.results(
            query,
            node,
            &index,
            found.hits,
            found.total,
            &HashMap::new(),
        )?;
        results.pending = pending;
        results.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(results)
    }

    /// [`Orbit::search`] in another mode: `Semantic` ranks by meaning (the query's words
    /// embedded; its filters still apply), `Hybrid` fuses full text and meaning by reciprocal
    /// rank, `Auto` is hybrid when semantic search is on and the query has words. When the
    /// embedding provider cannot be reached, hybrid falls back to full text and says why
    /// (`semantic_error`); semantic fails.
    pub async fn search_with(
        &self,
        query: &str,
        options: SearchOptions,
        mode: SearchMode,
    ) -> Result<SearchResults> {
        let started = Instant::now();
        let (node, now) = self.parse_query(query, options)?;
        let text = node.free_text();
        let mode = match mode {
            SearchMode::Auto if text.trim().is_empty() => SearchMode::Text,
            SearchMode::Auto if self.embeddings_enabled()? => SearchMode::Hybrid,
            SearchMode::Auto => SearchMode::Text,
            SearchMode::Semantic | SearchMode::Hybrid if text.trim().is_empty() => {
                if mode == SearchMode::Semantic {
                    return Err(Error::invalid(
                        "A semantic search needs words to look for, not only filters",
                    ));
                }
                SearchMode::Text
            }
            other => other,
        };
        if mode == SearchMode::Text {
            let mut results = self.search_words(query, &node, now, options, started)?;
            results.mode = SearchMode::Text;
            return Ok(results);
        }
        let pending = self.search_keep_up()?;
        let index = self.search_index()?;
        let folders = self.folder_resolver();
        let limit = options.limit.clamp(1, 500);
        let mut semantic_error = None;
        let near = match self.nearest_messages(&text, FUSED).await {
            Ok(near) => near,
            Err(e) if mode == SearchMode::Hybrid => {
                semantic_error = Some(e.message().to_owned());
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        // The query's conditions apply to what meaning found, as they do to words.
        let filters = node.filters();
        let ids: Vec<i64> = near.iter().map(|(id, _, _)| *id).collect();
        let passing = index
            .describe(&ids, filters.as_ref(), &folders)
            .map_err(index_error)?;
        let semantic: Vec<Ranked> = near
            .iter()
            .filter_map(|(id, score, _)| passing.get(id).map(|(thread, _)| (*id, *thread, *score)))
            .collect();
        let chunk_text: HashMap<i64, String> = near
            .into_iter()
            .filter(|(id, _, _)| passing.contains_key(id))
            .map(|(id, _, text)| (id, text))
            .collect();
        let (ranked, total) = if mode == SearchMode::Semantic {
            let total = semantic.len();
            (semantic, total)
        } else {
            let (lexical, lexical_total) = index
                .ranked(&node, &folders, FUSED, now)
                .map_err(index_error)?;
            let only_semantic = semantic
                .iter()
                .filter(|(id, _, _)| !lexical.iter().any(|(l, _, _)| l == id))
                .count();
            (fuse(&lexical, &semantic), lexical_total + only_semantic)
        };
        let hits = orbit_search::group_by_thread(ranked, limit);
        let mut results = self.results(query, &node, &index, hits, total, &chunk_text)?;
        results.mode = mode;
        results.semantic_error = semantic_error;
        results.pending = pending;
        results.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(results)
    }

    /// Catches the index up when anything waits (one cheap query when nothing does); returns
    /// how many messages are still not indexed (another process holds the writer). What a
    /// search runs first, and what the app runs every couple of seconds.
    pub fn search_keep_up(&self) -> Result<u64> {
        self.search_index()?;
        if !self.store.read(|c| Ok::<_, Error>(st::any_pending(c)?))? {
            return Ok(0);
        }
        Ok(self.search_catch_up()?.pending)
    }

    fn parse_query(
        &self,
        query: &str,
        options: SearchOptions,
    ) -> Result<(orbit_search::Node, i64)> {
        let now = self.clock.now().timestamp();
        let node = orbit_search::parse(
            query,
            ParseOptions {
                now,
                utc_offset: i64::from(chrono::Local::now().offset().local_minus_utc()),
                as_you_type: options.as_you_type,
            },
        )
        .map_err(|e| Error::invalid(e.to_string()))?;
        Ok((node, now))
    }

    fn folder_resolver(&self) -> impl Fn(&str) -> Vec<i64> + use<> {
        let store = Arc::clone(&self.store);
        move |name: &str| -> Vec<i64> {
            store
                .read(|c| st::folders_named(c, name))
                .unwrap_or_default()
        }
    }

    /// The hits as the UI shows them: each message's summary, a snippet with the words that
    /// matched marked, or the chunk meaning found (`chunk_text`), or the first words.
    fn results(
        &self,
        query: &str,
        node: &orbit_search::Node,
        index: &SearchIndex,
        hits: Vec<orbit_search::Hit>,
        total: usize,
        chunk_text: &HashMap<i64, String>,
    ) -> Result<SearchResults> {
        let folders = self.folder_resolver();
        let mut rows = Vec::with_capacity(hits.len());
        self.store.read(|c| -> Result<()> {
            for hit in &hits {
                if let Some(doc) = st::doc(c, hit.id)? {
                    rows.push((hit.clone(), doc));
                }
            }
            Ok(())
        })?;
        // Only words of the query can be marked in a body: without any, no snippet to make.
        let snippets = if node.free_text().trim().is_empty() {
            vec![(String::new(), Vec::new()); rows.len()]
        } else {
            let texts: Vec<&str> = rows.iter().map(|(_, doc)| doc.body_text.as_str()).collect();
            index
                .snippets(node, &folders, &texts, SNIPPET_CHARS)
                .map_err(index_error)?
        };
        let hits = rows
            .into_iter()
            .zip(snippets)
            .map(|((hit, doc), (snippet, marks))| {
                let mut flags = Vec::new();
                if !doc.unread {
                    flags.push("seen".to_owned());
                }
                if doc.flagged {
                    flags.push("flagged".to_owned());
                }
                let fallback = if !snippet.is_empty() {
                    String::new()
                } else if let Some(chunk) = chunk_text.get(&doc.id) {
                    first_words(
                        chunk
                            .split_once('\n')
                            .map_or(chunk.as_str(), |(_, rest)| rest),
                    )
                } else {
                    first_words(&doc.body_text)
                };
                SearchHit {
                    message: MessageSummary {
                        id: doc.id,
                        message_id: doc.message_id,
                        thread_id: doc.thread_id,
                        folder_id: doc.folders.first().copied().unwrap_or(0),
                        subject: doc.subject,
                        from: crate::mail::sender(&doc.from_name, &doc.from_email),
                        date: crate::mail::date(doc.date),
                        snippet: fallback,
                        flags,
                        has_attachments: doc.has_attachments,
                    },
                    snippet,
                    highlights: marks.into_iter().map(|(a, b)| [a, b]).collect(),
                    more_in_thread: hit.more_in_thread,
                    score: hit.score,
                }
            })
            .collect();
        Ok(SearchResults {
            query: query.to_owned(),
            total,
            hits,
            pending: 0,
            took_ms: 0.0,
            mode: SearchMode::Text,
            semantic_error: None,
        })
    }
}

/// Candidates each ranking contributes to a fused one.
const FUSED: usize = 100;

/// Reciprocal rank fusion (k = 60) of two rankings of (message, thread, score): a message's
/// fused score is the sum of 1 / (60 + rank) over the lists it is in.
fn fuse(a: &[Ranked], b: &[Ranked]) -> Vec<Ranked> {
    let mut scores: HashMap<i64, (i64, f32)> = HashMap::new();
    for list in [a, b] {
        for (rank, (id, thread, _)) in list.iter().enumerate() {
            let entry = scores.entry(*id).or_insert((*thread, 0.0));
            entry.1 += 1.0 / (60.0 + rank as f32 + 1.0);
        }
    }
    let mut out: Vec<Ranked> = scores
        .into_iter()
        .map(|(id, (thread, score))| (id, thread, score))
        .collect();
    out.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)));
    out
}

/// The first words of a text (a hit that matched outside the body still shows something).
fn first_words(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(SNIPPET_CHARS) {
        Some((at, _)) => format!("{}…", flat.get(..at).unwrap_or_default()),
        None => flat,
    }
}

impl Orbit {
    /// The text of a message's text attachments, for the index (one that cannot be read is
    /// left out: the message is still indexed).
    fn attachment_text(&self, blobs: &[String]) -> String {
        let mut out = String::new();
        for key in blobs {
            match self.blob_bytes(key) {
                Ok(bytes) => {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                    out.push('\n');
                }
                Err(e) => {
                    tracing::debug!(error = %e, "an attachment's text was left out of the index")
                }
            }
        }
        out
    }
}

/// The index document of a stored message.
fn message_doc(row: st::DocRow) -> MessageDoc {
    let recipients: serde_json::Value = serde_json::from_str(&row.recipients).unwrap_or_default();
    let people = |key: &str| -> String {
        recipients
            .get(key)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .map(|p| {
                format!(
                    "{} {}",
                    p.get("name").and_then(|n| n.as_str()).unwrap_or(""),
                    p.get("email").and_then(|n| n.as_str()).unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    MessageDoc {
        id: row.id,
        thread: row.thread_id,
        account: row.account_id,
        date: row.date,
        folders: row.folders,
        unread: row.unread,
        flagged: row.flagged,
        has_attachment: row.has_attachments,
        from: format!("{} {}", row.from_name, row.from_email),
        to: people("to"),
        cc: people("cc"),
        subject: row.subject,
        body: row.body_text,
        filenames: row.filenames,
        attachment_text: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fusion_rewards_agreement() {
        let text = vec![(1, 1, 9.0), (2, 2, 8.0), (3, 3, 7.0)];
        let meaning = vec![(3, 3, 0.9), (4, 4, 0.8), (1, 1, 0.7)];
        let fused: Vec<i64> = fuse(&text, &meaning).iter().map(|r| r.0).collect();
        assert_eq!(fused, vec![1, 3, 2, 4]);
    }
}
