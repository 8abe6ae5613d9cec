//! Drafts: what the user is writing, saved locally as they type (each save one transaction:
//! a crash or a kill loses nothing that was saved), turned into an outgoing message by
//! [`Orbit::draft_send`], and started from a message by [`Orbit::mail_compose_template`]
//! (reply, reply all, forward: recipients, subject, quote and attachments).

use std::time::Duration;

use orbit_store::drafts::{self as dr, DraftFields, DraftRow};
use orbit_store::mail as db;
use serde::{Deserialize, Serialize};

use super::outbox::{Compose, ComposeFile, OutboxItem};
use crate::accounts::AccountId;
use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

/// A file attached to a draft, kept in the blob store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAttachment {
    /// File name.
    pub filename: String,
    /// `type/subtype`.
    pub mime_type: String,
    /// Bytes.
    pub size: i64,
    /// Blob key (SHA-256).
    pub blob: String,
}

/// What the compose view sends to save a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftInput {
    /// The draft to update; `None` creates one.
    pub id: Option<i64>,
    /// Sending account.
    pub account_id: i64,
    /// new, reply, reply_all or forward.
    #[serde(default = "new_kind")]
    pub kind: String,
    /// The message answered or forwarded.
    #[serde(default)]
    pub reply_to_message: Option<i64>,
    /// Recipients.
    #[serde(default)]
    pub to: Vec<String>,
    /// Copies.
    #[serde(default)]
    pub cc: Vec<String>,
    /// Blind copies.
    #[serde(default)]
    pub bcc: Vec<String>,
    /// Subject.
    #[serde(default)]
    pub subject: String,
    /// Text.
    #[serde(default)]
    pub body: String,
    /// Attachments.
    #[serde(default)]
    pub attachments: Vec<DraftAttachment>,
}

fn new_kind() -> String {
    "new".into()
}

/// A saved draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// Id.
    pub id: i64,
    /// Sending account.
    pub account_id: i64,
    /// The Message-ID it will be sent with.
    pub message_id: String,
    /// new, reply, reply_all or forward.
    pub kind: String,
    /// The message answered or forwarded.
    pub reply_to_message: Option<i64>,
    /// Recipients.
    pub to: Vec<String>,
    /// Copies.
    pub cc: Vec<String>,
    /// Blind copies.
    pub bcc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// Attachments.
    pub attachments: Vec<DraftAttachment>,
    /// Saves so far.
    pub version: i64,
    /// Why the last send failed, if it did.
    pub last_error: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

fn list_json(list: &[String]) -> Result<String> {
    let cleaned: Vec<&str> = list
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    serde_json::to_string(&cleaned)
        .map_err(|e| Error::internal(format!("Cannot encode a list: {e}")))
}

fn draft(row: DraftRow) -> Draft {
    let f = row.fields;
    Draft {
        id: row.id,
        account_id: f.account_id,
        message_id: row.message_id,
        kind: f.kind,
        reply_to_message: f.reply_to_message,
        to: serde_json::from_str(&f.to).unwrap_or_default(),
        cc: serde_json::from_str(&f.cc).unwrap_or_default(),
        bcc: serde_json::from_str(&f.bcc).unwrap_or_default(),
        subject: f.subject,
        body: f.body,
        attachments: serde_json::from_str(&f.attachments).unwrap_or_default(),
        version: row.version,
        last_error: row.last_error,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// "Name <address>", or the address alone.
fn mailbox(name: &str, email: &str) -> String {
    let name = name.trim().replace(['<', '>', '"'], "");
    if name.is_empty() || name.eq_ignore_ascii_case(email) {
        email.to_owned()
    } else if name.contains([',', ';', '@', '.']) {
        format!("\"{name}\" <{email}>")
    } else {
        format!("{name} <{email}>")
    }
}

/// The address inside "Name <address>" (lower case).
fn address_of(entry: &str) -> String {
    let e = entry.trim();
    let inner = match (e.rfind('<'), e.rfind('>')) {
        (Some(a), Some(b)) if a < b => e.get(a + 1..b).unwrap_or(e),
        _ => e,
    };
    inner.trim().to_lowercase()
}

fn prefixed(subject: &str, prefix: &str, known: &[&str]) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    if known.iter().any(|p| lower.starts_with(p)) {
        s.to_owned()
    } else {
        format!("{prefix} {s}")
    }
}

fn network(e: orbit_net::NetError) -> Error {
    Error::new(crate::ErrorCode::Network, e.to_string())
}

/// Removes the copies of draft `message_id` from `folder` (all, or all but the newest), by UID.
/// Without UIDPLUS nothing is removed: a plain EXPUNGE could take others' deletions with it.
async fn remove_copies(
    session: &mut orbit_imap::Session,
    folder: &str,
    message_id: &str,
    keep_newest: bool,
    uidplus: bool,
) -> Result<()> {
    use orbit_imap::mailbox;
    if !uidplus {
        return Ok(());
    }
    mailbox::select(session, folder, None, false)
        .await
        .map_err(network)?;
    let found = mailbox::uid_search(session, &format!("HEADER Message-ID \"<{message_id}>\""))
        .await
        .map_err(network)?;
    let newest = found.iter().copied().max();
    let doomed: Vec<u32> = found
        .into_iter()
        .filter(|u| !(keep_newest && Some(*u) == newest))
        .collect();
    if doomed.is_empty() {
        return Ok(());
    }
    let set = mailbox::uid_set(&doomed);
    mailbox::run(
        session,
        &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"),
    )
    .await
    .map_err(network)?;
    mailbox::run(session, &format!("UID EXPUNGE {set}"))
        .await
        .map_err(network)?;
    Ok(())
}

impl Orbit {
    fn draft_fields(&self, input: &DraftInput) -> Result<DraftFields> {
        if !["new", "reply", "reply_all", "forward"].contains(&input.kind.as_str()) {
            return Err(Error::invalid(format!(
                "Unknown kind of draft: {}",
                input.kind
            )));
        }
        Ok(DraftFields {
            account_id: input.account_id,
            kind: input.kind.clone(),
            reply_to_message: input.reply_to_message,
            to: list_json(&input.to)?,
            cc: list_json(&input.cc)?,
            bcc: list_json(&input.bcc)?,
            subject: input.subject.clone(),
            body: input.body.clone(),
            attachments: serde_json::to_string(&input.attachments)
                .map_err(|e| Error::internal(format!("Cannot encode attachments: {e}")))?,
        })
    }

    /// Saves a draft (creates it when `input.id` is `None`) in one transaction.
    pub fn draft_save(&self, input: &DraftInput) -> Result<Draft> {
        self.draft_save_by(input, Actor::User)
    }

    /// [`Orbit::draft_save`] on behalf of `actor` (the assistant writes drafts too).
    pub(crate) fn draft_save_by(&self, input: &DraftInput, actor: Actor) -> Result<Draft> {
        let account = self.account_row(AccountId(input.account_id))?;
        let fields = self.draft_fields(input)?;
        let now = self.now_stamp();
        let (row, activity) = self.store.write(|tx| -> Result<_> {
            match input.id {
                Some(id) => {
                    if !dr::update(tx, id, &fields, &now)? {
                        return Err(Error::not_found(format!("There is no draft {id}")));
                    }
                    let row = dr::get(tx, id)?.ok_or_else(|| Error::internal("draft vanished"))?;
                    Ok((row, None))
                }
                None => {
                    let domain = account
                        .fields
                        .email
                        .rsplit_once('@')
                        .map_or("orbit.invalid", |(_, d)| d)
                        .to_owned();
                    let message_id = format!("{}@{domain}", uuid::Uuid::new_v4());
                    let id = dr::insert(tx, &message_id, &fields, &now)?;
                    let activity = self.record(
                        tx,
                        &Record {
                            actor,
                            action: "mail.draft_created",
                            target: format!("draft:{id}"),
                            summary: format!(
                                "Started a draft{}",
                                if input.subject.is_empty() {
                                    String::new()
                                } else {
                                    format!(": “{}”", input.subject)
                                }
                            ),
                            details: serde_json::json!({ "kind": input.kind }),
                        },
                    )?;
                    let row = dr::get(tx, id)?.ok_or_else(|| Error::internal("draft vanished"))?;
                    Ok((row, Some(activity)))
                }
            }
        })?;
        if let Some(activity) = activity {
            self.emit(Event::ActivityAdded { id: activity });
        }
        Ok(draft(row))
    }

    /// Adds a file to a draft (its bytes go to the blob store first, durably).
    pub fn draft_attach(
        &self,
        id: i64,
        filename: &str,
        mime_type: &str,
        data: &[u8],
    ) -> Result<Draft> {
        let blobs = self.blobs();
        let key = blobs
            .put(data)
            .map_err(|e| Error::internal(format!("Cannot store the attachment: {e}")))?;
        let mut current = self.draft_get(id)?;
        current.attachments.push(DraftAttachment {
            filename: filename.to_owned(),
            mime_type: mime_type.to_owned(),
            size: i64::try_from(data.len()).unwrap_or(i64::MAX),
            blob: key,
        });
        self.draft_save(&DraftInput {
            id: Some(id),
            account_id: current.account_id,
            kind: current.kind,
            reply_to_message: current.reply_to_message,
            to: current.to,
            cc: current.cc,
            bcc: current.bcc,
            subject: current.subject,
            body: current.body,
            attachments: current.attachments,
        })
    }

    /// One draft.
    pub fn draft_get(&self, id: i64) -> Result<Draft> {
        self.store
            .read(|c| dr::get(c, id))?
            .map(draft)
            .ok_or_else(|| Error::not_found(format!("There is no draft {id}")))
    }

    /// Drafts, most recently edited first.
    pub fn draft_list(&self, account: Option<AccountId>) -> Result<Vec<Draft>> {
        Ok(self
            .store
            .read(|c| dr::list(c, account.map(|a| a.0)))?
            .into_iter()
            .map(draft)
            .collect())
    }

    /// Discards a draft.
    pub fn draft_delete(&self, id: i64) -> Result<()> {
        let activity = self.store.write(|tx| -> Result<_> {
            let row = dr::get(tx, id)?
                .ok_or_else(|| Error::not_found(format!("There is no draft {id}")))?;
            dr::delete(tx, id)?;
            dr::add_removal(tx, row.fields.account_id, &row.message_id)?;
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "mail.draft_discarded",
                    target: format!("draft:{id}"),
                    summary: format!("Discarded the draft “{}”", row.fields.subject),
                    details: serde_json::json!({}),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        Ok(())
    }

    /// Sends a draft: it becomes an outgoing message (with the draft's Message-ID) and leaves
    /// the drafts in the same transaction. `delay` is the undo window.
    pub fn draft_send(&self, id: i64, delay: Duration) -> Result<OutboxItem> {
        let d = self.draft_get(id)?;
        let mut files = Vec::with_capacity(d.attachments.len());
        for a in &d.attachments {
            files.push(ComposeFile {
                filename: a.filename.clone(),
                mime_type: a.mime_type.clone(),
                data: self.blob_bytes(&a.blob)?,
            });
        }
        let compose = Compose {
            account_id: d.account_id,
            to: d.to.clone(),
            cc: d.cc.clone(),
            bcc: d.bcc.clone(),
            subject: d.subject.clone(),
            text: d.body.clone(),
            // Plain text plus an HTML alternative of the same words.
            html: Some(orbit_mail::sanitize::outgoing_html(&d.body)),
            files,
            reply_to_message: d.reply_to_message,
            calendar: None,
        };
        match self.queue(&compose, delay, Some(&d.message_id), Some(id)) {
            Ok(item) => Ok(item),
            Err(e) => {
                let message = e.message().to_owned();
                self.store
                    .write(|tx| Ok::<_, Error>(dr::set_error(tx, id, &message)?))?;
                Err(e)
            }
        }
    }

    /// A draft started from message `message`: `kind` is reply, reply_all or forward. Replies
    /// go to Reply-To (else From); reply all adds the other To and Cc addresses; the user's own
    /// address is left out and no one appears twice. The text quotes the message under an
    /// "On …, … wrote:" line; a forward carries its attachments. Nothing is saved yet.
    pub fn mail_compose_template(
        &self,
        account_id: i64,
        kind: &str,
        message: i64,
    ) -> Result<DraftInput> {
        let account = self.account_row(AccountId(account_id))?;
        let row = self
            .store
            .read(|c| db::message(c, message))?
            .ok_or_else(|| Error::not_found(format!("There is no message {message}")))?;
        let recipients: serde_json::Value =
            serde_json::from_str(&row.recipients).unwrap_or_default();
        let people = |key: &str| -> Vec<String> {
            recipients
                .get(key)
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|p| {
                    let email = p.get("email")?.as_str()?.trim();
                    (!email.is_empty()).then(|| {
                        mailbox(p.get("name").and_then(|n| n.as_str()).unwrap_or(""), email)
                    })
                })
                .collect()
        };
        let me: Vec<String> = [
            account.fields.email.to_lowercase(),
            account.fields.username.to_lowercase(),
        ]
        .into_iter()
        .filter(|a| a.contains('@'))
        .collect();
        let sender = mailbox(&row.from_name, &row.from_email);
        let date = chrono::DateTime::from_timestamp(row.date, 0)
            .map(|d| d.format("%a, %-d %b %Y at %H:%M UTC").to_string())
            .unwrap_or_default();
        let mut seen: Vec<String> = me.clone();
        let mut take = |list: Vec<String>| -> Vec<String> {
            list.into_iter()
                .filter(|entry| {
                    let address = address_of(entry);
                    if address.is_empty() || seen.contains(&address) {
                        false
                    } else {
                        seen.push(address);
                        true
                    }
                })
                .collect()
        };
        let mut input = DraftInput {
            id: None,
            account_id,
            kind: kind.to_owned(),
            reply_to_message: Some(message),
            ..DraftInput::default()
        };
        match kind {
            "reply" | "reply_all" => {
                let reply_to = people("reply_to");
                let primary = if reply_to.is_empty() {
                    vec![sender.clone()]
                } else {
                    reply_to
                };
                let mut to = take(primary.clone());
                if to.is_empty() {
                    // Answering one's own message: it goes to the people it went to.
                    to = take(people("to"));
                }
                if kind == "reply_all" {
                    to.extend(take(people("to")));
                    input.cc = take(people("cc"));
                }
                input.to = to;
                input.subject = prefixed(&row.subject, "Re:", &["re:", "aw:", "sv:"]);
                let quoted: String = row
                    .body_text
                    .lines()
                    .map(|l| {
                        if l.starts_with('>') {
                            format!(">{l}\n")
                        } else {
                            format!("> {l}\n")
                        }
                    })
                    .collect();
                input.body = format!("\n\nOn {date}, {sender} wrote:\n{quoted}");
            }
            "forward" => {
                input.subject = prefixed(&row.subject, "Fwd:", &["fwd:", "fw:", "wg:"]);
                let to_line = people("to").join(", ");
                input.body = format!(
                    "\n\n---------- Forwarded message ----------\nFrom: {sender}\nDate: {date}\nSubject: {}\nTo: {to_line}\n\n{}",
                    row.subject, row.body_text
                );
                input.attachments = self
                    .store
                    .read(|c| db::attachments(c, message))?
                    .into_iter()
                    .filter(|a| !a.4)
                    .map(
                        |(_, filename, mime_type, _, _, size, blob)| DraftAttachment {
                            filename,
                            mime_type,
                            size,
                            blob,
                        },
                    )
                    .collect();
            }
            other => {
                return Err(Error::invalid(format!(
                    "A draft can start as reply, reply_all or forward, not {other}"
                )));
            }
        }
        Ok(input)
    }

    /// Brings the server's Drafts folder up to date: each draft changed since its last copy is
    /// appended (flags `\Draft \Seen`, the draft's own Message-ID) and its older copies are
    /// removed by UID (UID EXPUNGE, never a plain EXPUNGE); copies of drafts sent or discarded
    /// go too. A draft without any recipient waits (a message needs one). Returns the copies
    /// written.
    pub(crate) async fn drafts_push(
        &self,
        account: AccountId,
        session: &mut orbit_imap::Session,
        uidplus: bool,
    ) -> Result<usize> {
        let folder = self
            .store
            .read(|c| db::folders(c, account.0))?
            .into_iter()
            .find(|f| f.role == "drafts" && f.present && f.selectable);
        let Some(folder) = folder else {
            return Ok(0);
        };
        let pending = self.store.read(|c| dr::unsynced(c, account.0))?;
        let removals = self.store.read(|c| dr::removals(c, account.0))?;
        if pending.is_empty() && removals.is_empty() {
            return Ok(0);
        }
        let account_row = self.account_row(account)?;
        let email = account_row.fields.email.clone();
        let mut written = 0;
        for d in pending {
            let draft = draft(d);
            if draft.to.len() + draft.cc.len() + draft.bcc.len() == 0 {
                continue;
            }
            let mut files = Vec::new();
            for a in &draft.attachments {
                files.push(orbit_smtp::compose::OutgoingFile {
                    filename: a.filename.clone(),
                    mime_type: a.mime_type.clone(),
                    data: self.blob_bytes(&a.blob)?,
                });
            }
            let built = orbit_smtp::compose::build(&orbit_smtp::compose::Outgoing {
                from: email.clone(),
                to: draft.to.clone(),
                cc: draft.cc.clone(),
                bcc: draft.bcc.clone(),
                subject: draft.subject.clone(),
                text: draft.body.clone(),
                html: None,
                files,
                message_id: draft.message_id.clone(),
                in_reply_to: None,
                references: Vec::new(),
                date: std::time::SystemTime::from(self.clock.now()),
                calendar: None,
            });
            let Ok(built) = built else {
                continue;
            };
            session
                .append(&folder.name, Some("(\\Draft \\Seen)"), None, &built.raw)
                .await
                .map_err(|e| Error::new(crate::ErrorCode::Network, e.to_string()))?;
            // The newest copy stays; older ones go.
            remove_copies(session, &folder.name, &draft.message_id, true, uidplus).await?;
            let (id, version) = (draft.id, draft.version);
            self.store
                .write(|tx| Ok::<_, Error>(dr::set_synced(tx, id, version)?))?;
            written += 1;
        }
        for message_id in removals {
            remove_copies(session, &folder.name, &message_id, false, uidplus).await?;
            self.store
                .write(|tx| Ok::<_, Error>(dr::removal_done(tx, account.0, &message_id)?))?;
        }
        Ok(written)
    }
}
