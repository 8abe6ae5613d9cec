//! Sending: a composed message is built (MIME by lettre), queued in the outbox with an undo
//! window, then submitted over SMTP with retries, and a copy appended to the Sent folder. The
//! outbox is in SQLite, so it survives restarts and waits out a missing network.

use std::time::Duration;

use orbit_store::mail as db;
use orbit_store::outbox as ob;
use serde::Serialize;

use crate::accounts::{AccountId, server};
use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

/// Tries before a message that keeps failing for transient reasons is given up.
const MAX_ATTEMPTS: i64 = 8;

/// A file to attach (the SMTP adapter's own type: the core passes files through; an empty
/// `mime_type` is guessed from the name when the message is built).
pub use orbit_smtp::compose::OutgoingFile as ComposeFile;

/// A message the user wrote.
#[derive(Debug, Clone, Default)]
pub struct Compose {
    /// The sending account.
    pub account_id: i64,
    /// Recipients (`Name <address>` or addresses).
    pub to: Vec<String>,
    /// Copies.
    pub cc: Vec<String>,
    /// Blind copies.
    pub bcc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// The text.
    pub text: String,
    /// An HTML version of the same text.
    pub html: Option<String>,
    /// Attachments.
    pub files: Vec<ComposeFile>,
    /// The stored message this answers (its In-Reply-To and References follow from it).
    pub reply_to_message: Option<i64>,
    /// An invitation or an answer to one: its iTIP METHOD and iCalendar text.
    pub calendar: Option<(String, String)>,
}

/// A message built for the outbox, not yet in it (see [`Orbit::build_outgoing`]).
#[derive(Debug)]
pub(crate) struct Outgoing {
    account_id: i64,
    subject: String,
    message_id: String,
    recipients_json: String,
    built: orbit_smtp::compose::Built,
    send_after: i64,
    delay: Duration,
}

/// What taking a message back out of the outbox did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TakenBack {
    /// The outbox entry, now cancelled.
    pub item: OutboxItem,
    /// The draft it is again (none when it had failed: that draft exists already).
    pub draft: Option<super::drafts::Draft>,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    /// Id.
    pub id: i64,
    /// Sending account.
    pub account_id: i64,
    /// Message-ID.
    pub message_id: String,
    /// Subject.
    pub subject: String,
    /// Envelope recipients.
    pub recipients: Vec<String>,
    /// queued, sending, sent, failed or cancelled.
    pub state: String,
    /// Not sent before this (RFC 3339): the end of the undo window.
    pub send_after: String,
    /// Tries so far.
    pub attempts: i64,
    /// Next try (RFC 3339), while queued.
    pub next_attempt_at: String,
    /// Why the last try failed.
    pub last_error: String,
    /// The copy in Sent: "appended", "none" (no Sent folder), "failed", or "" (not yet).
    pub sent_copy: String,
    /// When it was queued.
    pub created_at: String,
}

/// What a pass over the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxReport {
    /// Messages submitted.
    pub sent: usize,
    /// Messages refused for good.
    pub failed: usize,
    /// Messages that will be tried again.
    pub retrying: usize,
    /// What went wrong, per message.
    pub errors: Vec<String>,
}

fn ms_to_stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn item(row: ob::OutboxRow) -> OutboxItem {
    OutboxItem {
        id: row.id,
        account_id: row.account_id,
        message_id: row.message_id,
        subject: row.subject,
        recipients: serde_json::from_str(&row.recipients).unwrap_or_default(),
        state: row.state,
        send_after: ms_to_stamp(row.send_after),
        attempts: row.attempts,
        next_attempt_at: ms_to_stamp(row.next_attempt_at),
        last_error: row.last_error,
        sent_copy: row.sent_copy,
        created_at: row.created_at,
    }
}

/// A type for a file name, for attachments given without one.
fn guess_mime(filename: &str) -> &'static str {
    let lower = filename.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "txt" => "text/plain",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "zip" => "application/zip",
        "ics" => "text/calendar",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// Waiting time before try `attempt` (1-based): 30 s doubling, at most an hour.
fn backoff_ms(attempt: i64) -> i64 {
    let exp = u32::try_from(attempt.clamp(1, 8) - 1).unwrap_or(0);
    (30_000i64 << exp).min(3_600_000)
}

impl Orbit {
    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Builds `compose` and queues it; it goes after `delay` (the undo window) when the outbox
    /// is next processed ([`Orbit::outbox_process`]). Until then [`Orbit::outbox_cancel`] takes
    /// it back.
    pub fn mail_queue(&self, compose: &Compose, delay: Duration) -> Result<OutboxItem> {
        self.queue(compose, delay, None, None)
    }

    /// [`Orbit::mail_queue`], giving the message `message_id` (a draft's) and deleting draft
    /// `sent_draft` in the same transaction: a draft becomes an outgoing message exactly once.
    pub(crate) fn queue(
        &self,
        compose: &Compose,
        delay: Duration,
        message_id: Option<&str>,
        sent_draft: Option<i64>,
    ) -> Result<OutboxItem> {
        let built = self.build_outgoing(compose, delay, message_id)?;
        let (row, activity) = self.store.write(|tx| -> Result<_> {
            let (outbox_id, activity) =
                self.insert_outgoing(tx, &built, sent_draft, Actor::User)?;
            let row = ob::get(tx, outbox_id)?
                .ok_or_else(|| Error::internal("The queued message vanished"))?;
            Ok((row, activity))
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::OutboxChanged);
        Ok(item(row))
    }

    /// An outgoing message built and checked (account, addresses, MIME), nothing written yet:
    /// [`Orbit::insert_outgoing`] puts it in the outbox inside the caller's transaction, so a
    /// change and the mail that tells of it land together.
    pub(crate) fn build_outgoing(
        &self,
        compose: &Compose,
        delay: Duration,
        message_id: Option<&str>,
    ) -> Result<Outgoing> {
        let id = AccountId(compose.account_id);
        let account = self.account_row(id)?;
        if account.fields.smtp.is_none() {
            return Err(Error::invalid(format!(
                "Account {} has no SMTP server to send with",
                account.fields.name
            )));
        }
        let email = account.fields.email.clone();
        let domain = email
            .rsplit_once('@')
            .map_or("orbit.invalid", |(_, d)| d)
            .to_owned();
        let message_id = message_id.map_or_else(
            || format!("{}@{domain}", uuid::Uuid::new_v4()),
            str::to_owned,
        );
        let (in_reply_to, references) = match compose.reply_to_message {
            Some(parent) => {
                let row = self
                    .store
                    .read(|c| db::message(c, parent))?
                    .ok_or_else(|| Error::not_found(format!("There is no message {parent}")))?;
                let refs: Vec<String> = self
                    .store
                    .read(|c| db::message_refs(c, parent))?
                    .into_iter()
                    .chain(std::iter::once(row.message_id.clone()))
                    .collect();
                (Some(row.message_id), refs)
            }
            None => (None, Vec::new()),
        };
        let from = if account.fields.name.trim().is_empty() {
            email.clone()
        } else {
            format!(
                "{} <{email}>",
                account.fields.name.replace(['<', '>', '"'], "")
            )
        };
        let built = orbit_smtp::compose::build(&orbit_smtp::compose::Outgoing {
            from,
            to: compose.to.clone(),
            cc: compose.cc.clone(),
            bcc: compose.bcc.clone(),
            subject: compose.subject.clone(),
            text: compose.text.clone(),
            html: compose.html.clone(),
            files: compose
                .files
                .iter()
                .map(|f| ComposeFile {
                    filename: f.filename.clone(),
                    mime_type: if f.mime_type.is_empty() {
                        guess_mime(&f.filename).to_owned()
                    } else {
                        f.mime_type.clone()
                    },
                    data: f.data.clone(),
                })
                .collect(),
            message_id: message_id.clone(),
            in_reply_to,
            references,
            date: std::time::SystemTime::from(self.clock.now()),
            calendar: compose.calendar.clone(),
        })
        .map_err(Error::invalid)?;
        let send_after = self.now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        let recipients = serde_json::to_string(&built.recipients)
            .map_err(|e| Error::internal(format!("Cannot encode recipients: {e}")))?;
        Ok(Outgoing {
            account_id: compose.account_id,
            subject: compose.subject.clone(),
            message_id,
            recipients_json: recipients,
            built,
            send_after,
            delay,
        })
    }

    /// Puts a built message in the outbox (deleting draft `sent_draft`) inside `tx`, with its
    /// activity entry by `actor`; returns (outbox id, activity id). The caller emits
    /// `OutboxChanged` and `ActivityAdded` after committing.
    pub(crate) fn insert_outgoing(
        &self,
        tx: &rusqlite::Connection,
        outgoing: &Outgoing,
        sent_draft: Option<i64>,
        actor: Actor,
    ) -> Result<(i64, i64)> {
        let now = self.now_stamp();
        let built = &outgoing.built;
        let outbox_id = ob::insert(
            tx,
            &ob::NewOutgoing {
                account_id: outgoing.account_id,
                message_id: &outgoing.message_id,
                subject: &outgoing.subject,
                mail_from: &built.mail_from,
                recipients: &outgoing.recipients_json,
                raw: &built.raw,
                send_after: outgoing.send_after,
                now: &now,
            },
        )?;
        if let Some(draft) = sent_draft {
            orbit_store::drafts::delete(tx, draft)?;
            orbit_store::drafts::add_removal(tx, outgoing.account_id, &outgoing.message_id)?;
        }
        let activity = self.record(
            tx,
            &Record {
                actor,
                action: "mail.queued",
                target: format!("outbox:{outbox_id}"),
                summary: format!(
                    "Queued “{}” to {}",
                    outgoing.subject,
                    built.recipients.join(", ")
                ),
                details: serde_json::json!({
                    "message_id": outgoing.message_id,
                    "recipients": built.recipients,
                    "undo_ms": outgoing.delay.as_millis(),
                    "bytes": built.raw.len(),
                }),
            },
        )?;
        Ok((outbox_id, activity))
    }

    /// Everything in the outbox, newest first.
    pub fn outbox_list(&self) -> Result<Vec<OutboxItem>> {
        Ok(self.store.read(ob::list)?.into_iter().map(item).collect())
    }

    /// Takes a queued message back (the undo of a send, or "cancel" in the outbox): it will not
    /// be sent, and it is back in the drafts — recipients, text and attachments, under the same
    /// Message-ID — in the same transaction. A failed message (already back in the drafts) is
    /// only dismissed. Refused once it is being sent or sent.
    pub fn outbox_cancel(&self, id: i64) -> Result<TakenBack> {
        let now = self.now_stamp();
        let row = self
            .store
            .read(|c| ob::get(c, id))?
            .ok_or_else(|| Error::not_found(format!("There is no outbox message {id}")))?;
        // Read (and its attachments kept) before the transaction; used only if it was queued.
        let returned = if row.state == "queued" {
            self.returned_draft(&row)?
        } else {
            None
        };
        let (row, draft, activity) = self.store.write(|tx| -> Result<_> {
            let mut draft = None;
            if ob::transition(tx, id, "queued", "cancelled", &now)? {
                if let Some((fields, message_id)) = &returned {
                    draft = Some(orbit_store::drafts::insert(tx, message_id, fields, &now)?);
                }
            } else if !ob::transition(tx, id, "failed", "cancelled", &now)? {
                let state = ob::get(tx, id)?.map(|r| r.state).unwrap_or_default();
                return Err(Error::invalid(format!(
                    "“{}” cannot be taken back: it is {state}",
                    row.subject
                )));
            }
            let activity = self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "mail.send_cancelled",
                    target: format!("outbox:{id}"),
                    summary: if draft.is_some() {
                        format!("Took back “{}”; it is in the drafts", row.subject)
                    } else {
                        format!("Dismissed “{}”", row.subject)
                    },
                    details: serde_json::json!({ "message_id": row.message_id, "draft": draft }),
                },
            )?;
            let row = ob::get(tx, id)?.ok_or_else(|| Error::internal("outbox row vanished"))?;
            Ok((row, draft, activity))
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::OutboxChanged);
        let draft = draft.map(|d| self.draft_get(d)).transpose()?;
        Ok(TakenBack {
            item: item(row),
            draft,
        })
    }

    /// Sends a waiting message at the next pass instead of after its backoff. A failed one is
    /// back in the drafts already (sending it from there cannot make a second copy go).
    pub fn outbox_retry(&self, id: i64) -> Result<OutboxItem> {
        let now = self.now_stamp();
        let at = self.now_ms();
        let row = self.store.write(|tx| -> Result<_> {
            if !ob::requeue(tx, id, at, &now)? {
                let state = ob::get(tx, id)?.map(|r| r.state);
                return Err(match state {
                    None => Error::not_found(format!("There is no outbox message {id}")),
                    Some(state) if state == "failed" => Error::invalid(format!(
                        "Outbox message {id} failed and is back in your drafts: send it from there"
                    )),
                    Some(state) => Error::invalid(format!(
                        "Outbox message {id} is {state}; only waiting messages can be retried"
                    )),
                });
            }
            ob::get(tx, id)?.ok_or_else(|| Error::internal("outbox row vanished"))
        })?;
        self.emit(Event::OutboxChanged);
        Ok(item(row))
    }

    /// Sends every queued message whose time has come: SMTP submission, then a copy in the
    /// Sent folder. A refusal (5xx) fails the message with the server's reason; anything else
    /// is tried again later, with backoff.
    pub async fn outbox_process(&self) -> Result<OutboxReport> {
        let now_ms = self.now_ms();
        let stale = ms_to_stamp(now_ms - 10 * 60 * 1000);
        if !self.store.read(ob::has_work)? {
            return Ok(OutboxReport::default());
        }
        let due = self.store.write(|tx| -> Result<_> {
            // A send cut off by a crash long ago goes again: sending twice beats losing mail.
            ob::recover_sending(tx, &stale)?;
            Ok(ob::due(tx, now_ms)?)
        })?;
        let mut report = OutboxReport::default();
        for row in due {
            let now = self.now_stamp();
            // Claim it: the undo (or another process) may have been first.
            if !self.store.write(|tx| {
                Ok::<_, Error>(ob::transition(tx, row.id, "queued", "sending", &now)?)
            })? {
                continue;
            }
            self.emit(Event::OutboxChanged);
            let outcome = self.submit(&row).await;
            let now = self.now_stamp();
            let (action, summary, result) = match &outcome {
                Ok(()) => {
                    self.store
                        .write(|tx| Ok::<_, Error>(ob::record_sent(tx, row.id, &now)?))?;
                    report.sent += 1;
                    ("mail.sent", format!("Sent “{}”", row.subject), "sent")
                }
                Err(orbit_smtp::SendFailure::Permanent(reason)) => {
                    // Refused for good: back to the drafts, with the reason, to fix and resend.
                    let returned = self.returned_draft(&row)?;
                    self.store.write(|tx| {
                        ob::record_failure(tx, row.id, "failed", 0, reason, &now)?;
                        if let Some((fields, message_id)) = &returned {
                            let draft = orbit_store::drafts::insert(tx, message_id, fields, &now)?;
                            orbit_store::drafts::set_error(tx, draft, reason)?;
                        }
                        Ok::<_, Error>(())
                    })?;
                    report.failed += 1;
                    report.errors.push(format!("{}: {reason}", row.subject));
                    (
                        "mail.send_failed",
                        format!("Could not send “{}”: {reason}", row.subject),
                        "failed",
                    )
                }
                Err(orbit_smtp::SendFailure::Transient(reason)) => {
                    let attempt = row.attempts + 1;
                    let give_up = attempt >= MAX_ATTEMPTS;
                    let next = self.now_ms() + backoff_ms(attempt);
                    // Given up: back to the drafts too, so nothing waits where no one looks.
                    let returned = if give_up {
                        self.returned_draft(&row)?
                    } else {
                        None
                    };
                    self.store.write(|tx| {
                        ob::record_failure(
                            tx,
                            row.id,
                            if give_up { "failed" } else { "queued" },
                            next,
                            reason,
                            &now,
                        )?;
                        if let Some((fields, message_id)) = &returned {
                            let draft = orbit_store::drafts::insert(tx, message_id, fields, &now)?;
                            orbit_store::drafts::set_error(tx, draft, reason)?;
                        }
                        Ok::<_, Error>(())
                    })?;
                    report.errors.push(format!("{}: {reason}", row.subject));
                    if give_up {
                        report.failed += 1;
                        (
                            "mail.send_failed",
                            format!(
                                "Gave up sending “{}” after {attempt} tries: {reason}",
                                row.subject
                            ),
                            "failed",
                        )
                    } else {
                        report.retrying += 1;
                        (
                            "mail.send_retry",
                            format!(
                                "Sending “{}” failed; trying again at {}",
                                row.subject,
                                ms_to_stamp(next)
                            ),
                            "retrying",
                        )
                    }
                }
            };
            let activity = self.store.write(|tx| {
                self.record(
                    tx,
                    &Record {
                        actor: Actor::Sync,
                        action,
                        target: format!("outbox:{}", row.id),
                        summary,
                        details: serde_json::json!({
                            "message_id": row.message_id,
                            "result": result,
                        }),
                    },
                )
            })?;
            self.emit(Event::ActivityAdded { id: activity });
            if outcome.is_ok() {
                let copy = self.save_sent_copy(&row).await;
                self.store
                    .write(|tx| Ok::<_, Error>(ob::set_sent_copy(tx, row.id, copy)?))?;
            }
            self.emit(Event::OutboxChanged);
        }
        Ok(report)
    }

    /// A draft holding what a refused message said (recipients, subject, text, attachments),
    /// under the same Message-ID.
    fn returned_draft(
        &self,
        row: &ob::OutboxRow,
    ) -> Result<Option<(orbit_store::drafts::DraftFields, String)>> {
        let Some(raw) = self.store.read(|c| ob::raw(c, row.id))? else {
            return Ok(None);
        };
        let parsed = orbit_mail::parse(&raw);
        let show = |list: &[orbit_mail::Address]| -> Vec<String> {
            list.iter()
                .map(
                    |a| match a.name.as_deref().filter(|n| !n.trim().is_empty()) {
                        Some(name) => {
                            format!("{} <{}>", name.replace(['<', '>', '"'], ""), a.email)
                        }
                        None => a.email.clone(),
                    },
                )
                .collect()
        };
        let to = show(&parsed.to);
        let cc = show(&parsed.cc);
        let envelope: Vec<String> = serde_json::from_str(&row.recipients).unwrap_or_default();
        let bcc: Vec<String> = envelope
            .into_iter()
            .filter(|r| {
                !parsed
                    .to
                    .iter()
                    .chain(&parsed.cc)
                    .any(|a| a.email.eq_ignore_ascii_case(r))
            })
            .collect();
        let blobs = self.blobs();
        let mut attachments = Vec::new();
        for a in parsed.attachments.iter().filter(|a| !a.inline) {
            let key = blobs
                .put(&a.data)
                .map_err(|e| Error::internal(format!("Cannot keep an attachment: {e}")))?;
            attachments.push(super::drafts::DraftAttachment {
                filename: a.filename.clone().unwrap_or_else(|| "attachment".into()),
                mime_type: a.mime_type.clone(),
                size: i64::try_from(a.data.len()).unwrap_or(i64::MAX),
                blob: key,
            });
        }
        // A reply stays a reply to the message it answers, when that is still here.
        let parent = match parsed.in_reply_to.first() {
            Some(parent) => self
                .store
                .read(|c| db::message_by_message_id(c, row.account_id, parent))?,
            None => None,
        };
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        Ok(Some((
            orbit_store::drafts::DraftFields {
                account_id: row.account_id,
                kind: if parent.is_some() { "reply" } else { "new" }.into(),
                reply_to_message: parent,
                to: json(&to),
                cc: json(&cc),
                bcc: json(&bcc),
                subject: parsed.subject.clone(),
                body: parsed.text.clone(),
                attachments: serde_json::to_string(&attachments).unwrap_or_else(|_| "[]".into()),
            },
            row.message_id.clone(),
        )))
    }

    async fn submit(
        &self,
        row: &ob::OutboxRow,
    ) -> std::result::Result<(), orbit_smtp::SendFailure> {
        use orbit_smtp::SendFailure;
        let id = AccountId(row.account_id);
        let account = self
            .account_row(id)
            .map_err(|e| SendFailure::Permanent(e.message().to_owned()))?;
        let endpoint = account.fields.smtp.as_ref().ok_or_else(|| {
            SendFailure::Permanent(format!(
                "Account {} has no SMTP server",
                account.fields.name
            ))
        })?;
        let s = server(endpoint).map_err(|e| SendFailure::Permanent(e.message().to_owned()))?;
        let password = self
            .account_password(id)
            .map_err(|e| SendFailure::Transient(e.message().to_owned()))?;
        let raw = self
            .store
            .read(|c| ob::raw(c, row.id))
            .map_err(|e| SendFailure::Transient(e.to_string()))?
            .ok_or_else(|| SendFailure::Permanent("The queued message vanished".into()))?;
        let recipients: Vec<String> = serde_json::from_str(&row.recipients).unwrap_or_default();
        orbit_smtp::send(
            &orbit_smtp::SmtpConfig {
                host: s.host,
                port: s.port,
                security: s.security,
                username: account.fields.username.clone(),
                password,
                timeout: self.net_timeout,
            },
            &row.mail_from,
            &recipients,
            &raw,
        )
        .await
    }

    /// Appends the sent message to the account's Sent folder (read), when it has one.
    async fn save_sent_copy(&self, row: &ob::OutboxRow) -> &'static str {
        let id = AccountId(row.account_id);
        let Ok(folders) = self.store.read(|c| db::folders(c, row.account_id)) else {
            return "failed";
        };
        if self.server_saves_sent(id).unwrap_or(false) {
            // The server files it itself (Gmail and others): a copy would be a duplicate.
            return "none";
        }
        let Some(sent) = folders.into_iter().find(|f| f.role == "sent" && f.present) else {
            return "none";
        };
        let Ok(Some(raw)) = self.store.read(|c| ob::raw(c, row.id)) else {
            return "failed";
        };
        let appended = async {
            let (mut session, _) = self.imap_session(id).await?;
            let result = session
                .append(&sent.name, Some("(\\Seen)"), None, &raw)
                .await
                .map_err(|e| Error::new(crate::ErrorCode::Network, e.to_string()));
            let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
            result
        }
        .await;
        match appended {
            Ok(()) => "appended",
            Err(e) => {
                tracing::warn!(outbox = row.id, error = %e, "could not save the sent copy");
                "failed"
            }
        }
    }
}
