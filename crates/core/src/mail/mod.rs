//! Mail: the IMAP sync engine (`sync`, planned by `plan`), storing messages (`ingest`), and
//! the queries the front doors show (folders with counts, a folder's messages, a message or
//! conversation).

mod changes;
mod drafts;
mod import;
mod ingest;
mod outbox;
pub mod plan;
mod prefs;
mod sync;

pub use changes::{FlushReport, MailFlag};
pub use drafts::{Draft, DraftAttachment, DraftInput};
pub use import::{ImportReport, LOCAL_EMAIL};
pub(crate) use outbox::Outgoing;
pub use outbox::{Compose, ComposeFile, OutboxItem, OutboxReport, TakenBack};
pub use prefs::{DEFAULT_UNDO_SECS, MAX_UNDO_SECS, MailPrefs};
pub use sync::{SyncOptions, SyncReport};

pub use orbit_mail::sanitize::link_target;
use std::time::Duration;

use orbit_store::mail as db;
use serde::Serialize;

use crate::accounts::AccountId;
use crate::{Error, Orbit, Result};

/// A folder as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Folder {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Name as the server spells it.
    pub name: String,
    /// Special use: inbox, sent, drafts, archive, trash, junk, all, flagged, or null.
    pub role: Option<String>,
    /// Messages.
    pub total: i64,
    /// Unread messages.
    pub unread: i64,
    /// Last complete sync (RFC 3339), or null.
    pub synced_at: Option<String>,
}

/// A message in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageSummary {
    /// Our id.
    pub id: i64,
    /// The Message-ID header (without <>).
    pub message_id: String,
    /// Conversation.
    pub thread_id: i64,
    /// Folder.
    pub folder_id: i64,
    /// Subject.
    pub subject: String,
    /// Sender (`Name <address>`, or the address).
    pub from: String,
    /// RFC 3339 UTC.
    pub date: String,
    /// First words.
    pub snippet: String,
    /// Flags: seen, flagged, answered, draft and keywords.
    pub flags: Vec<String>,
    /// Has attachments.
    pub has_attachments: bool,
}

/// An attachment as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentView {
    /// Its number in the message (for [`Orbit::mail_attachment`]).
    pub ordinal: i64,
    /// File name.
    pub filename: String,
    /// Content type.
    pub mime_type: String,
    /// Bytes.
    pub size: i64,
    /// Shown inside the body.
    pub inline: bool,
}

/// The type of a web font, from its first bytes (WOFF2, WOFF, TrueType, OpenType).
fn font_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes.get(..4)? {
        b"wOF2" => Some("font/woff2"),
        b"wOFF" => Some("font/woff"),
        [0, 1, 0, 0] | b"true" => Some("font/ttf"),
        b"OTTO" => Some("font/otf"),
        _ => None,
    }
}

/// Image types shown inline (SVG is a document, not shown).
const RASTER: [&str; 5] = [
    "image/png",
    "image/gif",
    "image/jpeg",
    "image/webp",
    "image/bmp",
];

/// The settings key of the senders whose remote content loads without asking.
const REMOTE_SENDERS: &str = "mail.remote_senders";

/// Inline (`cid:`) images are inlined up to this many bytes per message.
const MAX_INLINE_IMAGES: usize = 25 * 1024 * 1024;

/// A message made safe to show (see [`Orbit::mail_render`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedMessage {
    /// The message.
    pub id: i64,
    /// A complete HTML document with its own CSP, for a sandboxed iframe's `srcdoc`.
    pub html: String,
    /// Whether it came from the HTML body (else from the plain text).
    pub from_html: bool,
    /// Remote images, backgrounds and CSS `url()`s left out.
    pub blocked_remote: usize,
    /// Remote images fetched by the core and shown.
    pub remote_loaded: usize,
    /// Whether remote content was asked for (this once, or for the sender).
    pub remote_allowed: bool,
    /// The sender's address (for "always load from …").
    pub sender: String,
}

/// A whole message as shown (plain text; the HTML is kept for the safe viewer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Our id.
    pub id: i64,
    /// The account it belongs to.
    pub account_id: i64,
    /// Message-ID.
    pub message_id: String,
    /// Conversation.
    pub thread_id: i64,
    /// Subject.
    pub subject: String,
    /// Sender.
    pub from: String,
    /// To, Cc, Bcc, Reply-To.
    pub recipients: serde_json::Value,
    /// RFC 3339 UTC.
    pub date: String,
    /// Readable plain text.
    pub text: String,
    /// Whether an HTML body exists.
    pub has_html: bool,
    /// Attachments.
    pub attachments: Vec<AttachmentView>,
    /// Folders it is in.
    pub folders: Vec<String>,
}

pub(crate) fn sender(name: &str, email: &str) -> String {
    if name.is_empty() {
        email.to_owned()
    } else {
        format!("{name} <{email}>")
    }
}

pub(crate) fn date(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(crate::stamp)
        .unwrap_or_default()
}

fn flag_names(flags: &db::Flags) -> Vec<String> {
    let mut names = Vec::new();
    for (on, name) in [
        (flags.seen, "seen"),
        (flags.flagged, "flagged"),
        (flags.answered, "answered"),
        (flags.draft, "draft"),
    ] {
        if on {
            names.push(name.to_owned());
        }
    }
    names.extend(flags.keywords.iter().cloned());
    names
}

impl Orbit {
    /// Folders of an account (or of every account) with message and unread counts.
    pub fn mail_folders(&self, account: Option<AccountId>) -> Result<Vec<Folder>> {
        let accounts: Vec<i64> = match account {
            Some(id) => vec![self.account_row(id)?.id],
            None => self.account_list()?.into_iter().map(|a| a.id.0).collect(),
        };
        self.store.read(|c| -> Result<Vec<Folder>> {
            let mut out = Vec::new();
            for account_id in accounts {
                let counts: std::collections::BTreeMap<i64, (i64, i64)> =
                    db::folder_counts(c, account_id)?
                        .into_iter()
                        .map(|(id, total, unread)| (id, (total, unread)))
                        .collect();
                for f in db::folders(c, account_id)?
                    .into_iter()
                    .filter(|f| f.present)
                {
                    let (total, unread) = counts.get(&f.id).copied().unwrap_or_default();
                    out.push(Folder {
                        id: f.id,
                        account_id,
                        role: (!f.role.is_empty()).then(|| f.role.clone()),
                        synced_at: (!f.cursor.synced_at.is_empty())
                            .then(|| f.cursor.synced_at.clone()),
                        name: f.name,
                        total,
                        unread,
                    });
                }
            }
            Ok(out)
        })
    }

    /// Finds a folder by id, or by name or role within an account (or the first account).
    pub fn mail_folder(&self, account: Option<AccountId>, spec: &str) -> Result<Folder> {
        let folders = self.mail_folders(account)?;
        let wanted = spec.trim();
        folders
            .iter()
            .find(|f| wanted.parse::<i64>().ok() == Some(f.id))
            .or_else(|| folders.iter().find(|f| f.name == wanted))
            .or_else(|| folders.iter().find(|f| f.name.eq_ignore_ascii_case(wanted)))
            .or_else(|| {
                folders
                    .iter()
                    .find(|f| f.role.as_deref() == Some(&wanted.to_ascii_lowercase()))
            })
            .cloned()
            .ok_or_else(|| Error::not_found(format!("There is no folder {wanted:?}")))
    }

    /// A page of a folder's messages, newest first.
    pub fn mail_list(
        &self,
        folder_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<MessageSummary>> {
        let rows = self
            .store
            .read(|c| db::list_folder(c, folder_id, limit.clamp(1, 10_000), offset))?;
        Ok(rows
            .into_iter()
            .map(|r| MessageSummary {
                id: r.id,
                message_id: r.message_id,
                thread_id: r.thread_id,
                folder_id: r.folder_id,
                subject: r.subject,
                from: sender(&r.from_name, &r.from_email),
                date: date(r.date),
                snippet: r.snippet,
                flags: flag_names(&r.flags),
                has_attachments: r.has_attachments,
            })
            .collect())
    }

    /// One message.
    pub fn mail_show(&self, id: i64) -> Result<Message> {
        self.store.read(|c| -> Result<Message> {
            let row = db::message(c, id)?
                .ok_or_else(|| Error::not_found(format!("There is no message {id}")))?;
            let attachments = db::attachments(c, id)?
                .into_iter()
                .map(
                    |(ordinal, filename, mime_type, _, inline, size, _)| AttachmentView {
                        ordinal,
                        filename,
                        mime_type,
                        size,
                        inline,
                    },
                )
                .collect();
            let mut folders: Vec<String> = db::message_locations(c, id)?
                .into_iter()
                .filter_map(|(folder, _)| db::folder(c, folder).ok().flatten().map(|f| f.name))
                .collect();
            folders.sort();
            Ok(Message {
                id: row.id,
                account_id: row.account_id,
                message_id: row.message_id,
                thread_id: row.thread_id,
                subject: row.subject,
                from: sender(&row.from_name, &row.from_email),
                recipients: serde_json::from_str(&row.recipients).unwrap_or_default(),
                date: date(row.date),
                text: row.body_text,
                has_html: row.has_html,
                attachments,
                folders,
            })
        })
    }

    /// Addresses for autocomplete: people in the user's mail whose name or address contains
    /// `query`, most frequent first, as `Name <address>`.
    pub fn mail_contacts(&self, query: &str, limit: u32) -> Result<Vec<String>> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .read(|c| db::contacts(c, query, limit.clamp(1, 50)))?
            .into_iter()
            .map(|(name, email)| {
                let name = name.trim().replace(['<', '>', '"'], "");
                if name.is_empty() || name.eq_ignore_ascii_case(&email) {
                    email
                } else {
                    format!("{name} <{email}>")
                }
            })
            .collect())
    }

    /// The bytes of a blob (an attachment's content, by its SHA-256).
    pub(crate) fn blob_bytes(&self, key: &str) -> Result<Vec<u8>> {
        self.attachment_bytes(key, None)
    }

    /// The bytes of blob `key`: from its pack when an earlier version packed it, else its
    /// file (drafts' attachments, mail stored before packs), else decoded again from the raw
    /// copy of a message that carries it, `carrier` (message, ordinal) first when given.
    fn attachment_bytes(&self, key: &str, carrier: Option<(i64, i64)>) -> Result<Vec<u8>> {
        let blobs = self.blobs();
        let unreadable =
            |e: std::io::Error| Error::internal(format!("Cannot read blob {key}: {e}"));
        if let Some((pack, offset, len)) = self.store.read(|c| db::packed_blob(c, key))? {
            return blobs
                .get_packed(
                    &pack,
                    u64::try_from(offset).unwrap_or(u64::MAX),
                    u64::try_from(len).unwrap_or(0),
                )
                .map_err(unreadable);
        }
        match blobs.get(key) {
            Ok(bytes) => return Ok(bytes),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(unreadable(e)),
            Err(_) => {}
        }
        let mut carriers = self.store.read(|c| db::attachment_carriers(c, key))?;
        if let Some(first) = carrier {
            carriers.retain(|c| *c != first);
            carriers.insert(0, first);
        }
        let mut failed = None;
        for (message, ordinal) in carriers {
            match self.decode_attachment(message, ordinal, key) {
                Ok(bytes) => return Ok(bytes),
                Err(e) => failed = Some(e),
            }
        }
        Err(failed.unwrap_or_else(|| Error::not_found(format!("There is no blob {key}"))))
    }

    /// Attachment `ordinal` of `message`, decoded again from the message's raw copy.
    fn decode_attachment(&self, message: i64, ordinal: i64, key: &str) -> Result<Vec<u8>> {
        let raw = self.raw_of(&self.message_row(message)?)?;
        let data = usize::try_from(ordinal)
            .ok()
            .and_then(|i| orbit_mail::parse(&raw).attachments.into_iter().nth(i))
            .map(|a| a.data)
            .ok_or_else(|| {
                Error::internal(format!(
                    "Message {message} has no attachment {ordinal} any more (its raw copy \
                     parses differently)"
                ))
            })?;
        if orbit_store::BlobStore::key(&data) != key {
            // Only a change in the parser does this; the part is still the one asked for.
            tracing::warn!(
                message,
                ordinal,
                "an attachment decodes differently from when it was stored"
            );
        }
        Ok(data)
    }

    /// A message's raw bytes as received (RFC 5322), e.g. to save it as `.eml`.
    pub fn mail_raw(&self, id: i64) -> Result<Vec<u8>> {
        self.raw_of(&self.message_row(id)?)
    }

    fn message_row(&self, id: i64) -> Result<db::MessageRow> {
        self.store
            .read(|c| db::message(c, id))?
            .ok_or_else(|| Error::not_found(format!("There is no message {id}")))
    }

    /// The HTML body of a message that has one, parsed again from its raw copy (the store
    /// keeps only the text). `None` when there is none, or when the raw copy cannot be read:
    /// then the reader gets the stored text and the failure is logged.
    pub(crate) fn html_of(&self, row: &db::MessageRow) -> Option<String> {
        self.html_parse(row).and_then(|parsed| parsed.html)
    }

    /// [`Orbit::html_of`] with the rest of the parse (its attachments' bytes, for `cid:`).
    fn html_parse(&self, row: &db::MessageRow) -> Option<orbit_mail::ParsedMessage> {
        if !row.has_html {
            return None;
        }
        match self.raw_of(row) {
            Ok(raw) => Some(orbit_mail::parse(&raw)).filter(|p| {
                p.html
                    .as_deref()
                    .is_some_and(|html| !html.trim().is_empty())
            }),
            Err(e) => {
                tracing::warn!(message = row.id, error = %e, "HTML body unreadable; showing the text");
                None
            }
        }
    }

    fn raw_of(&self, row: &db::MessageRow) -> Result<Vec<u8>> {
        let id = row.id;
        let blobs = self.blobs();
        let read = if row.raw_pack.is_empty() {
            blobs.get(&row.raw_blob)
        } else {
            blobs.get_packed(
                &row.raw_pack,
                u64::try_from(row.raw_offset).unwrap_or(u64::MAX),
                u64::try_from(row.size).unwrap_or(0),
            )
        };
        read.map_err(|e| {
            Error::internal(format!(
                "Cannot read message {id} from the blob store (the local copy is damaged; \
                 re-sync the account to fetch it again): {e}"
            ))
        })
    }

    /// A message made safe to show: the complete document for the reading pane's sandboxed
    /// iframe (see `orbit_mail::sanitize`), from its HTML body when it has one, else from its
    /// text. Its own `cid:` images are inlined; remote content is left out and counted (see
    /// [`Orbit::mail_render_remote`] to load it).
    pub fn mail_render(&self, id: i64, dark: bool) -> Result<RenderedMessage> {
        let row = self.message_row(id)?;
        let parsed = self.html_parse(&row);
        self.render(row, parsed, dark, &std::collections::HashMap::new(), false)
    }

    /// [`Orbit::mail_render`] with the message's remote images and web fonts (from `src`,
    /// `srcset`, `poster`, backgrounds and style sheets) fetched by the core (no cookies, no
    /// Referer; raster images and fonts only, at most 40 of 5 MB each) and inlined — when `load` is
    /// true or the sender is on the user's allow-list ([`Orbit::mail_allow_remote`]).
    pub async fn mail_render_remote(
        &self,
        id: i64,
        dark: bool,
        load: bool,
    ) -> Result<RenderedMessage> {
        let row = self.message_row(id)?;
        let allowed = load
            || self
                .mail_remote_senders()?
                .contains(&row.from_email.to_lowercase());
        let parsed = self.html_parse(&row);
        let Some(source) = parsed
            .as_ref()
            .and_then(|p| p.html.as_deref())
            .filter(|_| allowed)
        else {
            return self.render(row, parsed, dark, &std::collections::HashMap::new(), false);
        };
        let urls: Vec<String> = orbit_mail::sanitize::remote_urls(source)
            .into_iter()
            .take(40)
            .collect();
        let fetcher =
            orbit_net::fetch::RemoteFetcher::new(Duration::from_secs(10), 5 * 1024 * 1024)
                .map_err(|e| Error::new(crate::ErrorCode::Network, e.to_string()))?;
        let mut fetched = std::collections::HashMap::new();
        let mut tasks = tokio::task::JoinSet::new();
        for url in urls {
            let fetcher = fetcher.clone();
            tasks.spawn(async move {
                let result = fetcher.get(&url).await;
                (url, result)
            });
        }
        while let Some(done) = tasks.join_next().await {
            let Ok((url, result)) = done else { continue };
            match result {
                Ok(f) if RASTER.contains(&f.content_type.as_str()) => {
                    fetched.insert(
                        url,
                        orbit_mail::sanitize::data_uri(&f.content_type, &f.bytes),
                    );
                }
                Ok(f) => match font_type(&f.bytes) {
                    // Fonts are told by their bytes: servers label them every which way.
                    Some(kind) => {
                        fetched.insert(url, orbit_mail::sanitize::data_uri(kind, &f.bytes));
                    }
                    None => tracing::debug!(
                        %url, kind = %f.content_type,
                        "remote content that is neither an image nor a font: left out"
                    ),
                },
                Err(e) => tracing::debug!(%url, error = %e, "remote content not loaded"),
            }
        }
        self.render(row, parsed, dark, &fetched, true)
    }

    /// `row` made safe to show, from the HTML body of `parsed` (its raw copy parsed again, see
    /// [`Orbit::html_parse`]) or else its text.
    fn render(
        &self,
        row: db::MessageRow,
        parsed: Option<orbit_mail::ParsedMessage>,
        dark: bool,
        remote: &std::collections::HashMap<String, String>,
        remote_allowed: bool,
    ) -> Result<RenderedMessage> {
        let id = row.id;
        let Some((html, parts)) = parsed.and_then(|p| Some((p.html?, p.attachments))) else {
            let body = orbit_mail::sanitize::text_to_html(&row.body_text);
            return Ok(RenderedMessage {
                id,
                html: orbit_mail::sanitize::render_document(&body, dark),
                from_html: false,
                blocked_remote: 0,
                remote_loaded: 0,
                remote_allowed,
                sender: row.from_email,
            });
        };
        let attachments = self.store.read(|c| db::attachments(c, id))?;
        let mut cids = std::collections::HashMap::new();
        let mut inlined = 0usize;
        for (ordinal, _, mime_type, content_id, _, size, _) in attachments {
            let image = RASTER.contains(&mime_type.as_str());
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if content_id.is_empty() || !image || inlined.saturating_add(size) > MAX_INLINE_IMAGES {
                continue;
            }
            // From the parse at hand: the bytes live in the raw copy it was parsed from.
            match parts
                .iter()
                .find(|p| p.content_id.as_deref() == Some(content_id.as_str()))
            {
                Some(part) => {
                    inlined += part.data.len();
                    cids.insert(
                        content_id,
                        orbit_mail::sanitize::data_uri(&mime_type, &part.data),
                    );
                }
                None => tracing::warn!(message = id, ordinal, "inline image not in the message"),
            }
        }
        let safe = orbit_mail::sanitize::sanitize_with(
            &html,
            &orbit_mail::sanitize::Resources {
                cids,
                remote: remote.clone(),
            },
        );
        Ok(RenderedMessage {
            id,
            html: orbit_mail::sanitize::render_document(&safe.html, dark),
            from_html: true,
            blocked_remote: safe.blocked_remote,
            remote_loaded: remote.len(),
            remote_allowed,
            sender: row.from_email,
        })
    }

    /// Senders whose remote content loads without asking (lower-case addresses).
    pub fn mail_remote_senders(&self) -> Result<Vec<String>> {
        Ok(self
            .store
            .read(|c| orbit_store::settings::get(c, REMOTE_SENDERS))?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default())
    }

    /// Always (or no longer) load remote content in mail from `sender`.
    pub fn mail_allow_remote(&self, sender: &str, allow: bool) -> Result<Vec<String>> {
        let sender = sender.trim().to_lowercase();
        if !sender.contains('@') {
            return Err(Error::invalid(format!("{sender} is not a mail address")));
        }
        let now = self.now_stamp();
        let (list, activity) = self.store.write(|tx| -> Result<_> {
            let mut list: Vec<String> = orbit_store::settings::get(tx, REMOTE_SENDERS)?
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default();
            list.retain(|s| s != &sender);
            if allow {
                list.push(sender.clone());
            }
            list.sort();
            let value = serde_json::to_string(&list)
                .map_err(|e| Error::internal(format!("Cannot encode the sender list: {e}")))?;
            orbit_store::settings::set(tx, REMOTE_SENDERS, &value, &now)?;
            let activity = self.record(
                tx,
                &crate::activity::Record {
                    actor: crate::activity::Actor::User,
                    action: if allow {
                        "mail.remote_allowed"
                    } else {
                        "mail.remote_blocked"
                    },
                    target: format!("sender:{sender}"),
                    summary: if allow {
                        format!("Always load remote content from {sender}")
                    } else {
                        format!("Stopped loading remote content from {sender}")
                    },
                    details: serde_json::json!({}),
                },
            )?;
            Ok((list, activity))
        })?;
        self.emit(crate::Event::ActivityAdded { id: activity });
        Ok(list)
    }

    /// The bytes of attachment `ordinal` of message `id`, with its description.
    pub fn mail_attachment(&self, id: i64, ordinal: i64) -> Result<(AttachmentView, Vec<u8>)> {
        let row = self
            .store
            .read(|c| db::attachments(c, id))?
            .into_iter()
            .find(|a| a.0 == ordinal)
            .ok_or_else(|| Error::not_found(format!("Message {id} has no attachment {ordinal}")))?;
        let (ordinal, filename, mime_type, _, inline, size, key) = row;
        let bytes = self.attachment_bytes(&key, Some((id, ordinal)))?;
        Ok((
            AttachmentView {
                ordinal,
                filename,
                mime_type,
                size,
                inline,
            },
            bytes,
        ))
    }

    /// The messages of a conversation, oldest first.
    pub fn mail_thread(&self, thread_id: i64) -> Result<Vec<Message>> {
        let ids: Vec<i64> = self
            .store
            .read(|c| db::thread_messages(c, thread_id))?
            .into_iter()
            .map(|m| m.id)
            .collect();
        ids.into_iter().map(|id| self.mail_show(id)).collect()
    }
}
