//! The full-text index: a tantivy index in its own directory, derived from the store (it can be
//! deleted and rebuilt at any time). One document per message:
//!
//! - text fields, analysed by the `orbit` tokenizer (words, lower case, accents folded, positions
//!   kept for phrases and prefixes): subject, from, to, cc, body, attachment names;
//! - `subject_stem` and `body_stem`, the same words stemmed for English, German, French and
//!   Spanish at once (the `orbit_stems` tokenizer: every stem of a word at the word's
//!   position), so "invoices" finds "invoice" and "Rechnungen" finds "Rechnung" whatever the
//!   message's language; a query word is stemmed the same four ways;
//! - fast fields for the message and conversation ids, the date, the account, the folders, and
//!   unread / flagged / attachment flags (filters and ranking read them without the store).
//!
//! Ranking is BM25 over the fields (subject and people weigh more), then nudged by recency
//! (a message loses half its boost every 30 days) and by unread and flagged state.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, TextAnalyzerBuilder, Token, TokenStream, Tokenizer,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term,
};

use crate::query::{Filter, Node, QueryError, TextField};

/// Bumped when the schema or the analysis changes: an index of another version is rebuilt.
pub const INDEX_VERSION: u32 = 3;
const VERSION_FILE: &str = "orbit-index-version";
const TOKENIZER: &str = "orbit";
/// The tokenizer of the `*_stem` fields ([`StemTokenizer`]).
const STEM_TOKENIZER: &str = "orbit_stems";
const LANGUAGES: [Language; 4] = [
    Language::English,
    Language::German,
    Language::French,
    Language::Spanish,
];
/// A prefix shorter than this is matched as a whole word (one letter would expand to thousands).
const MIN_PREFIX: usize = 2;
/// Candidates read before grouping by conversation.
const CANDIDATES: usize = 200;

/// Why the index could not do something.
#[derive(Debug)]
pub enum IndexError {
    /// The query cannot be read (or names a folder that does not exist).
    Query(QueryError),
    /// Another process holds the index writer (the app while the CLI runs, or the reverse).
    Busy,
    /// tantivy or the file system failed.
    Engine(String),
}

impl std::fmt::Display for IndexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Query(e) => write!(f, "{e}"),
            Self::Busy => write!(f, "Another Orbit process is updating the search index"),
            Self::Engine(e) => write!(f, "Search index: {e}"),
        }
    }
}

impl std::error::Error for IndexError {}

impl From<tantivy::TantivyError> for IndexError {
    fn from(e: tantivy::TantivyError) -> Self {
        match e {
            tantivy::TantivyError::LockFailure(..) => Self::Busy,
            other => Self::Engine(other.to_string()),
        }
    }
}

impl From<QueryError> for IndexError {
    fn from(e: QueryError) -> Self {
        Self::Query(e)
    }
}

type Result<T> = std::result::Result<T, IndexError>;

/// What the index keeps of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageDoc {
    /// Message id in the store.
    pub id: i64,
    /// Its conversation.
    pub thread: i64,
    /// Its account.
    pub account: i64,
    /// Unix seconds.
    pub date: i64,
    /// The folders it sits in.
    pub folders: Vec<i64>,
    /// Not seen.
    pub unread: bool,
    /// Flagged.
    pub flagged: bool,
    /// Has a (non-inline) attachment.
    pub has_attachment: bool,
    /// Subject.
    pub subject: String,
    /// Sender: name and address.
    pub from: String,
    /// To: names and addresses.
    pub to: String,
    /// Cc: names and addresses.
    pub cc: String,
    /// Readable body text.
    pub body: String,
    /// Attachment file names.
    pub filenames: Vec<String>,
    /// The text of attachments that are text (notes, CSV, logs…).
    pub attachment_text: String,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    thread: Field,
    account: Field,
    date: Field,
    folder: Field,
    unread: Field,
    flagged: Field,
    attachment: Field,
    subject: Field,
    subject_stem: Field,
    from: Field,
    to: Field,
    cc: Field,
    body: Field,
    body_stem: Field,
    filename: Field,
    attachment_text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Stems are for word matches only: no positions needed.
    let stems = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(STEM_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | FAST | STORED),
        thread: b.add_u64_field("thread", FAST),
        account: b.add_u64_field("account", INDEXED | FAST),
        date: b.add_i64_field("date", INDEXED | FAST),
        folder: b.add_u64_field("folder", INDEXED),
        unread: b.add_u64_field("unread", INDEXED | FAST),
        flagged: b.add_u64_field("flagged", INDEXED | FAST),
        attachment: b.add_u64_field("attachment", INDEXED),
        subject: b.add_text_field("subject", text.clone()),
        subject_stem: b.add_text_field("subject_stem", stems.clone()),
        from: b.add_text_field("from", text.clone()),
        to: b.add_text_field("to", text.clone()),
        cc: b.add_text_field("cc", text.clone()),
        body: b.add_text_field("body", text.clone()),
        body_stem: b.add_text_field("body_stem", stems),
        filename: b.add_text_field("filename", text.clone()),
        attachment_text: b.add_text_field("attachment_text", text),
    };
    (b.build(), fields)
}

/// The words of a text as every analyzer here cuts them: split at anything not a letter or
/// digit, shorter than 40 bytes, lower case.
fn words() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
}

/// Words, lower-cased, accents folded (`Müller` → `muller`).
fn plain_analyzer() -> TextAnalyzer {
    words().filter(AsciiFoldingFilter).build()
}

/// One word (lower case, as [`words`] cuts it) stemmed for each language (stemmed
/// before folding: the stemmers know their accents), then folded.
#[derive(Clone)]
struct Stemmers(Vec<TextAnalyzer>);

impl Stemmers {
    fn new() -> Self {
        Self(
            LANGUAGES
                .into_iter()
                .map(|language| {
                    TextAnalyzer::builder(RawTokenizer::default())
                        .filter(Stemmer::new(language))
                        .filter(AsciiFoldingFilter)
                        .build()
                })
                .collect(),
        )
    }

    /// The distinct stems of `word` across the languages, sorted.
    fn of(&mut self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(self.0.len());
        for analyzer in &mut self.0 {
            let mut stream = analyzer.token_stream(word);
            if stream.advance() {
                out.push(std::mem::take(&mut stream.token_mut().text));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The tokenizer of the `*_stem` fields: every stem of every word, at the word's position.
/// Most words stem alike in several languages, so a stem is there once per place. Mail
/// repeats its words, so the stems of the words seen last are remembered.
struct StemTokenizer {
    words: TextAnalyzer,
    stemmers: Stemmers,
    /// Lower-case word → its stems (see [`Stemmers::of`]); started over when full.
    known: HashMap<String, Vec<String>>,
    tokens: Vec<Token>,
}

/// Words whose stems a [`StemTokenizer`] remembers before it starts over (about 5 MB).
const KNOWN_WORDS: usize = 50_000;

impl StemTokenizer {
    fn new() -> Self {
        Self {
            words: words().build(),
            stemmers: Stemmers::new(),
            known: HashMap::new(),
            tokens: Vec::new(),
        }
    }
}

/// A copy starts with nothing remembered (tantivy copies the tokenizer for each segment it
/// writes).
impl Clone for StemTokenizer {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl Tokenizer for StemTokenizer {
    type TokenStream<'a> = StemTokens<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> StemTokens<'a> {
        self.tokens.clear();
        let mut words = self.words.token_stream(text);
        while words.advance() {
            let word = words.token();
            if let Some(stems) = self.known.get(&word.text) {
                push_stems(&mut self.tokens, word, stems);
            } else {
                let stems = self.stemmers.of(&word.text);
                push_stems(&mut self.tokens, word, &stems);
                if self.known.len() >= KNOWN_WORDS {
                    self.known.clear();
                }
                self.known.insert(word.text.clone(), stems);
            }
        }
        StemTokens {
            rest: self.tokens.iter_mut(),
            current: None,
            none: Token::default(),
        }
    }
}

/// `stems` as tokens at `word`'s place.
fn push_stems(tokens: &mut Vec<Token>, word: &Token, stems: &[String]) {
    tokens.extend(stems.iter().map(|stem| Token {
        offset_from: word.offset_from,
        offset_to: word.offset_to,
        position: word.position,
        text: stem.clone(),
        position_length: 1,
    }));
}

/// The tokens a [`StemTokenizer`] made of one text.
struct StemTokens<'a> {
    rest: std::slice::IterMut<'a, Token>,
    current: Option<&'a mut Token>,
    /// What `token` gives before the first token and after the last.
    none: Token,
}

impl TokenStream for StemTokens<'_> {
    fn advance(&mut self) -> bool {
        self.current = self.rest.next();
        self.current.is_some()
    }

    fn token(&self) -> &Token {
        self.current.as_deref().unwrap_or(&self.none)
    }

    fn token_mut(&mut self) -> &mut Token {
        match &mut self.current {
            Some(token) => token,
            None => &mut self.none,
        }
    }
}

struct Analyzers {
    plain: TextAnalyzer,
    stemmers: Stemmers,
}

impl Analyzers {
    fn new() -> Self {
        Self {
            plain: plain_analyzer(),
            stemmers: Stemmers::new(),
        }
    }

    fn words(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stream = self.plain.token_stream(text);
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// The distinct stems of one query word (one of [`Analyzers::words`]) across the
    /// languages, as the `*_stem` fields hold them.
    fn stems_of(&mut self, word: &str) -> Vec<String> {
        self.stemmers.of(word)
    }
}

/// Resolves `in:` names to folder ids (the store knows folder names and roles).
pub trait FolderResolver {
    /// Folder ids for a name or role as the user typed it; empty when there is none.
    fn folders(&self, name: &str) -> Vec<i64>;
}

impl<F: Fn(&str) -> Vec<i64>> FolderResolver for F {
    fn folders(&self, name: &str) -> Vec<i64> {
        self(name)
    }
}

/// A hit: the best-ranked message of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The message.
    pub id: i64,
    /// Its conversation.
    pub thread: i64,
    /// Final score (BM25 nudged by recency and state).
    pub score: f32,
    /// Other matching messages of the same conversation among the candidates.
    pub more_in_thread: usize,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Conversations, best first, at most the limit asked for.
    pub hits: Vec<Hit>,
    /// Messages matching in all.
    pub total: usize,
}

/// A ranked message: its id, its conversation, its score.
pub type Ranked = (i64, i64, f32);

/// A fragment of text and the byte ranges in it to highlight.
pub type Snippet = (String, Vec<(usize, usize)>);

/// The open index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dir: PathBuf,
}

/// What opening found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The index was there, of this version.
    Existing,
    /// It was created (missing, of another version, or unreadable): everything must be indexed.
    Created,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when it is missing, of another version or
    /// unreadable (it is derived state: the caller then indexes every message again).
    pub fn open(dir: &Path) -> Result<(Self, Opened)> {
        let (schema, fields) = schema();
        let version_path = dir.join(VERSION_FILE);
        let current = std::fs::read_to_string(&version_path)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            == Some(INDEX_VERSION);
        let existing = if current {
            match Index::open_in_dir(dir) {
                Ok(index) => Some(index),
                Err(e) => {
                    tracing::warn!(error = %e, "the search index is unreadable; rebuilding it");
                    None
                }
            }
        } else {
            None
        };
        let (index, opened) = match existing {
            Some(index) => (index, Opened::Existing),
            None => {
                if dir.exists() {
                    std::fs::remove_dir_all(dir).map_err(|e| {
                        IndexError::Engine(format!("Cannot clear {}: {e}", dir.display()))
                    })?;
                }
                std::fs::create_dir_all(dir).map_err(|e| {
                    IndexError::Engine(format!("Cannot create {}: {e}", dir.display()))
                })?;
                let index = Index::create_in_dir(dir, schema)?;
                std::fs::write(&version_path, INDEX_VERSION.to_string()).map_err(|e| {
                    IndexError::Engine(format!("Cannot write {}: {e}", version_path.display()))
                })?;
                (index, Opened::Created)
            }
        };
        index.tokenizers().register(TOKENIZER, plain_analyzer());
        index
            .tokenizers()
            .register(STEM_TOKENIZER, TextAnalyzer::from(StemTokenizer::new()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok((
            Self {
                index,
                reader,
                fields,
                dir: dir.to_path_buf(),
            },
            opened,
        ))
    }

    /// Where it lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A writer (one per process at a time: [`IndexError::Busy`] while another holds it).
    pub fn writer(&self) -> Result<Writer> {
        // Tokenizing is most of the work of indexing: two threads where there are two cores
        // (a rebuild of 50,000 messages took 8.7 s with one here, 5.8 s with two), sharing
        // 64 MB of buffers.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
        let writer: IndexWriter = self
            .index
            .writer_with_num_threads(threads, 64 * 1024 * 1024)?;
        Ok(Writer {
            writer,
            fields: self.fields,
        })
    }

    /// Sees what the last commit (of any process) added.
    pub fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    /// Messages in the index.
    pub fn count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes on disk.
    pub fn size_bytes(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Runs `query`: up to `limit` conversations, best first, and the number of matching
    /// messages. `now` (Unix seconds) is what recency is measured from.
    pub fn search(
        &self,
        query: &Node,
        folders: &dyn FolderResolver,
        limit: usize,
        now: i64,
    ) -> Result<Found> {
        let (ranked, total) = self.ranked(query, folders, CANDIDATES, now)?;
        Ok(Found {
            hits: group_by_thread(ranked, limit),
            total,
        })
    }

    /// The best `candidates` messages for `query` (not grouped): id, thread and score, best
    /// first; and how many match in all.
    pub fn ranked(
        &self,
        query: &Node,
        folders: &dyn FolderResolver,
        candidates: usize,
        now: i64,
    ) -> Result<(Vec<Ranked>, usize)> {
        let mut analyzers = Analyzers::new();
        let built = build(query, &self.fields, &mut analyzers, folders)?;
        let searcher = self.reader.searcher();
        let date_name = "date";
        let unread_name = "unread";
        let flagged_name = "flagged";
        let collector = TopDocs::with_limit(candidates.max(1)).tweak_score(
            move |segment: &tantivy::SegmentReader| {
                let fast = segment.fast_fields();
                let date = fast.i64(date_name).map(|c| c.first_or_default_col(0)).ok();
                let unread = fast
                    .u64(unread_name)
                    .map(|c| c.first_or_default_col(0))
                    .ok();
                let flagged = fast
                    .u64(flagged_name)
                    .map(|c| c.first_or_default_col(0))
                    .ok();
                move |doc: tantivy::DocId, score: Score| {
                    let age_days = date.as_ref().map_or(f32::MAX, |d| {
                        ((now - d.get_val(doc)).max(0) as f32) / 86_400.0
                    });
                    let recency = 0.5_f32.powf(age_days / 30.0);
                    let state = unread.as_ref().map_or(0.0, |u| u.get_val(doc) as f32 * 0.1)
                        + flagged
                            .as_ref()
                            .map_or(0.0, |f| f.get_val(doc) as f32 * 0.2);
                    score.max(0.01) * (1.0 + 0.6 * recency + state)
                }
            },
        );
        let (top, total) = searcher.search(&*built, &(collector, Count))?;
        let mut columns = IdColumns::default();
        let ranked = top
            .into_iter()
            .filter_map(|(score, address)| {
                let (id, thread) = columns.get(&searcher, address)?;
                Some((id, thread, score))
            })
            .collect();
        Ok((ranked, total))
    }

    /// Of the messages `ids`, those that pass `filters` (all of them for `None`): each one's
    /// conversation and date.
    pub fn describe(
        &self,
        ids: &[i64],
        filters: Option<&Node>,
        folders: &dyn FolderResolver,
    ) -> Result<HashMap<i64, (i64, i64)>> {
        let searcher = self.reader.searcher();
        let terms: Vec<Term> = ids
            .iter()
            .map(|id| Term::from_field_u64(self.fields.id, u64_of(*id)))
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(TermSetQuery::new(terms)))];
        if let Some(filters) = filters {
            let mut analyzers = Analyzers::new();
            clauses.push((
                Occur::Must,
                build(filters, &self.fields, &mut analyzers, folders)?,
            ));
        }
        let found = searcher.search(&BooleanQuery::new(clauses), &DocSetCollector)?;
        let mut out = HashMap::new();
        let mut columns = IdColumns::default();
        for address in found {
            let segment = searcher.segment_reader(address.segment_ord);
            let fast = segment.fast_fields();
            let date = fast
                .i64("date")
                .ok()
                .and_then(|c| c.first(address.doc_id))
                .unwrap_or(0);
            if let Some((id, thread)) = columns.get(&searcher, address) {
                out.insert(id, (thread, date));
            }
        }
        Ok(out)
    }

    /// Highlighted snippets of `texts` for `query`: each one's fragment (at most `max_chars`)
    /// and the byte ranges in it to mark. A text without a match gives an empty fragment.
    pub fn snippets(
        &self,
        query: &Node,
        folders: &dyn FolderResolver,
        texts: &[&str],
        max_chars: usize,
    ) -> Result<Vec<Snippet>> {
        let mut analyzers = Analyzers::new();
        let built = build(query, &self.fields, &mut analyzers, folders)?;
        let searcher = self.reader.searcher();
        let mut generator =
            tantivy::snippet::SnippetGenerator::create(&searcher, &*built, self.fields.body)?;
        generator.set_max_num_chars(max_chars);
        Ok(texts
            .iter()
            .map(|text| {
                let snippet = generator.snippet(text);
                let ranges = snippet
                    .highlighted()
                    .iter()
                    .map(|r| (r.start, r.end))
                    .collect();
                (snippet.fragment().to_owned(), ranges)
            })
            .collect())
    }
}

/// The id and thread columns of each segment, opened once per search (opening them by name
/// for every hit was most of a query's time).
#[derive(Default)]
struct IdColumns {
    segments: HashMap<u32, Option<(U64Column, U64Column)>>,
}

type U64Column = tantivy::columnar::Column<u64>;

impl IdColumns {
    fn get(&mut self, searcher: &tantivy::Searcher, address: DocAddress) -> Option<(i64, i64)> {
        let columns = self.segments.entry(address.segment_ord).or_insert_with(|| {
            let fast = searcher.segment_reader(address.segment_ord).fast_fields();
            Some((fast.u64("id").ok()?, fast.u64("thread").ok()?))
        });
        let (ids, threads) = columns.as_ref()?;
        let id = ids.first(address.doc_id)?;
        let thread = threads.first(address.doc_id)?;
        Some((i64::try_from(id).ok()?, i64::try_from(thread).ok()?))
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// Adds, replaces and removes message documents; nothing is visible until [`Writer::commit`].
pub struct Writer {
    writer: IndexWriter,
    fields: Fields,
}

impl Writer {
    /// Adds `doc`, replacing any earlier version of the same message.
    pub fn upsert(&mut self, doc: &MessageDoc) -> Result<()> {
        let f = self.fields;
        self.remove(doc.id);
        let mut d = TantivyDocument::default();
        d.add_u64(f.id, u64_of(doc.id));
        d.add_u64(f.thread, u64_of(doc.thread));
        d.add_u64(f.account, u64_of(doc.account));
        d.add_i64(f.date, doc.date);
        for folder in &doc.folders {
            d.add_u64(f.folder, u64_of(*folder));
        }
        d.add_u64(f.unread, u64::from(doc.unread));
        d.add_u64(f.flagged, u64::from(doc.flagged));
        d.add_u64(f.attachment, u64::from(doc.has_attachment));
        d.add_text(f.subject, &doc.subject);
        d.add_text(f.subject_stem, &doc.subject);
        d.add_text(f.from, &doc.from);
        d.add_text(f.to, &doc.to);
        d.add_text(f.cc, &doc.cc);
        d.add_text(f.body, &doc.body);
        d.add_text(f.body_stem, &doc.body);
        for name in &doc.filenames {
            d.add_text(f.filename, name);
        }
        if !doc.attachment_text.is_empty() {
            d.add_text(f.attachment_text, &doc.attachment_text);
        }
        self.writer.add_document(d)?;
        Ok(())
    }

    /// Removes a message's document (if any).
    pub fn remove(&mut self, id: i64) {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.id, u64_of(id)));
    }

    /// Removes every document (a rebuild starts from nothing).
    pub fn clear(&mut self) -> Result<()> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes everything so far durable and visible (to readers that reload).
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit()?;
        Ok(())
    }
}

/// Messages ranked best first → one hit per conversation (its best message), at most `limit`.
pub fn group_by_thread(ranked: Vec<Ranked>, limit: usize) -> Vec<Hit> {
    let mut by_thread: HashMap<i64, usize> = HashMap::new();
    let mut hits: Vec<Hit> = Vec::new();
    for (id, thread, score) in ranked {
        match by_thread.get(&thread) {
            Some(&at) => {
                if let Some(hit) = hits.get_mut(at) {
                    hit.more_in_thread += 1;
                }
            }
            None => {
                by_thread.insert(thread, hits.len());
                hits.push(Hit {
                    id,
                    thread,
                    score,
                    more_in_thread: 0,
                });
            }
        }
    }
    hits.truncate(limit);
    hits
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The tantivy query for a parsed one.
fn build(
    node: &Node,
    f: &Fields,
    a: &mut Analyzers,
    folders: &dyn FolderResolver,
) -> Result<Box<dyn Query>> {
    Ok(match node {
        Node::And(items) if items.is_empty() => Box::new(AllQuery),
        Node::And(items) => {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let mut positive = false;
            for item in items {
                match item {
                    Node::Not(inner) => {
                        clauses.push((Occur::MustNot, build(inner, f, a, folders)?));
                    }
                    other => {
                        positive = true;
                        clauses.push((Occur::Must, build(other, f, a, folders)?));
                    }
                }
            }
            if !positive {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        Node::Or(items) => {
            let mut clauses = Vec::new();
            for item in items {
                clauses.push((Occur::Should, build(item, f, a, folders)?));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        Node::Not(inner) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
            (Occur::MustNot, build(inner, f, a, folders)?),
        ])),
        Node::Term {
            field,
            text,
            prefix,
        } => {
            let words = a.words(text);
            match words.as_slice() {
                [] => Box::new(AllQuery),
                [word] => word_query(*field, word, *prefix, f, a)?,
                _ => phrase_query(*field, &words, f),
            }
        }
        Node::Phrase { field, text } => {
            let words = a.words(text);
            match words.as_slice() {
                [] => Box::new(AllQuery),
                [word] => word_query(*field, word, false, f, a)?,
                _ => phrase_query(*field, &words, f),
            }
        }
        Node::Filter(filter) => filter_query(filter, f, folders)?,
    })
}

/// The text fields a term looks in, with their weights.
fn text_fields(field: TextField, f: &Fields) -> Vec<(Field, Option<Field>, f32)> {
    match field {
        TextField::Any => vec![
            (f.subject, Some(f.subject_stem), 2.0),
            (f.from, None, 1.5),
            (f.to, None, 1.0),
            (f.cc, None, 0.8),
            (f.body, Some(f.body_stem), 1.0),
            (f.filename, None, 1.0),
            (f.attachment_text, None, 0.6),
        ],
        TextField::From => vec![(f.from, None, 1.0)],
        TextField::To => vec![(f.to, None, 1.0)],
        TextField::Cc => vec![(f.cc, None, 1.0)],
        TextField::Subject => vec![(f.subject, Some(f.subject_stem), 1.0)],
        TextField::Filename => vec![(f.filename, None, 1.0)],
    }
}

fn word_query(
    field: TextField,
    word: &str,
    prefix: bool,
    f: &Fields,
    a: &mut Analyzers,
) -> Result<Box<dyn Query>> {
    let stems = a.stems_of(word);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (plain, stemmed, weight) in text_fields(field, f) {
        let exact: Box<dyn Query> = if prefix && word.chars().count() >= MIN_PREFIX {
            Box::new(RegexQuery::from_pattern(
                &format!("{}.*", regex_escape(word)),
                plain,
            )?)
        } else {
            Box::new(TermQuery::new(
                Term::from_field_text(plain, word),
                IndexRecordOption::WithFreqs,
            ))
        };
        clauses.push((Occur::Should, Box::new(BoostQuery::new(exact, weight))));
        if let Some(stem_field) = stemmed {
            for stem in &stems {
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(stem_field, stem),
                            IndexRecordOption::WithFreqs,
                        )),
                        weight * 0.7,
                    )),
                ));
            }
        }
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

fn phrase_query(field: TextField, words: &[String], f: &Fields) -> Box<dyn Query> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = text_fields(field, f)
        .into_iter()
        .map(|(plain, _, weight)| {
            let terms = words
                .iter()
                .map(|w| Term::from_field_text(plain, w))
                .collect();
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), weight))
                    as Box<dyn Query>,
            )
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

fn filter_query(
    filter: &Filter,
    f: &Fields,
    folders: &dyn FolderResolver,
) -> Result<Box<dyn Query>> {
    let flag = |field: Field, on: bool| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_u64(field, u64::from(on)),
            IndexRecordOption::Basic,
        ))
    };
    Ok(match filter {
        Filter::Unread(on) => flag(f.unread, *on),
        Filter::Flagged(on) => flag(f.flagged, *on),
        Filter::HasAttachment => flag(f.attachment, true),
        Filter::In(name) => {
            let ids = folders.folders(name);
            if ids.is_empty() {
                return Err(IndexError::Query(QueryError {
                    message: format!("There is no folder “{name}”"),
                    at: 0,
                }));
            }
            let clauses = ids
                .into_iter()
                .map(|id| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_u64(f.folder, u64_of(id)),
                            IndexRecordOption::Basic,
                        )) as Box<dyn Query>,
                    )
                })
                .collect();
            Box::new(BooleanQuery::new(clauses))
        }
        Filter::Before(t) => Box::new(RangeQuery::new(
            Bound::Unbounded,
            Bound::Excluded(Term::from_field_i64(f.date, *t)),
        )),
        Filter::After(t) => Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(f.date, *t)),
            Bound::Unbounded,
        )),
    })
}

fn regex_escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stems the `*_stem` fields held before [`StemTokenizer`]: each language's whole
    /// analyzer run over the text, every (position, stem) once.
    fn stems_by_whole_analyzers(text: &str) -> Vec<(usize, usize, usize, String)> {
        let mut out = Vec::new();
        for language in LANGUAGES {
            let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(Stemmer::new(language))
                .filter(AsciiFoldingFilter)
                .build();
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                let t = stream.token();
                out.push((t.position, t.offset_from, t.offset_to, t.text.clone()));
            }
        }
        out.sort_unstable_by(|a, b| (a.0, &a.3).cmp(&(b.0, &b.3)));
        out.dedup_by(|a, b| a.0 == b.0 && a.3 == b.3);
        out
    }

    fn stems_by_tokenizer(
        tokenizer: &mut StemTokenizer,
        text: &str,
    ) -> Vec<(usize, usize, usize, String)> {
        let mut out = Vec::new();
        let mut stream = tokenizer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            assert_eq!(t.position_length, 1);
            out.push((t.position, t.offset_from, t.offset_to, t.text.clone()));
        }
        out
    }

    #[test]
    fn the_stem_tokenizer_gives_what_four_whole_analyzers_gave() {
        let mut tokenizer = StemTokenizer::new();
        let long = "a".repeat(39);
        let too_long = "b".repeat(40);
        let texts = [
            "Invoices for the Rechnungen: facturas y FACTURAS, les factures du mois.".to_string(),
            "Müller's Übergrößen, Ça coûte 12,50 € — naïve café, niño, İstanbul ǅemal ß"
                .to_string(),
            format!("{long} {too_long} x1 2024-05-01 running runs RUNNING"),
            String::new(),
            "  ,,, ... !!!".to_string(),
            // Seen before: now from what the tokenizer remembers.
            "Invoices for the Rechnungen: facturas y FACTURAS, les factures du mois.".to_string(),
        ];
        for text in &texts {
            assert_eq!(
                stems_by_tokenizer(&mut tokenizer, text),
                stems_by_whole_analyzers(text),
                "{text}"
            );
        }
        // More distinct words than it remembers: it starts over and stays right.
        let many: String = (0..KNOWN_WORDS + 10)
            .map(|i| format!("word{i}s "))
            .collect();
        assert_eq!(
            stems_by_tokenizer(&mut tokenizer, &many),
            stems_by_whole_analyzers(&many)
        );
        assert!(tokenizer.known.len() <= KNOWN_WORDS);
        assert_eq!(
            stems_by_tokenizer(&mut tokenizer, &texts[0]),
            stems_by_whole_analyzers(&texts[0])
        );
        // A copy (one per segment tantivy writes) starts empty.
        assert!(tokenizer.clone().known.is_empty());
    }

    #[test]
    fn a_query_word_has_the_stems_the_index_holds() {
        let mut analyzers = Analyzers::new();
        let mut tokenizer = StemTokenizer::new();
        for word in ["invoices", "rechnungen", "facturas", "factures", "running"] {
            let indexed: Vec<String> = stems_by_tokenizer(&mut tokenizer, word)
                .into_iter()
                .map(|t| t.3)
                .collect();
            assert_eq!(analyzers.stems_of(word), indexed, "{word}");
        }
    }
}
