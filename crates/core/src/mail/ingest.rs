//! Storing one message: parse it, recognise it by Message-ID (the same message in another
//! folder only gains a location), put it in its conversation, keep its raw bytes (in the
//! batch's pack), record its attachments by content (SHA-256 of the decoded bytes), and place
//! it in its folder.
//!
//! An attachment's bytes are stored once, in the raw copy of the message that carries it:
//! they are decoded again when read (`Orbit::blob_bytes`), never written a second time. The
//! same file in many messages is one content address.
//!
//! Two steps, so the heavy half runs off the writer's thread (see `sync`): [`prepare`] parses
//! a batch and writes its bytes to a pack, flushed to disk; [`store`] then does the SQL inside
//! the batch's transaction.

use orbit_mail::{ParsedMessage, thread::subject_fallback_allowed};
use orbit_store::mail::{self as db, Flags};
use orbit_store::{BlobBatch, BlobStore, Packed, Store};
use rusqlite::Connection;

use crate::{Error, Result};

/// A message to store in a folder.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub account_id: i64,
    pub folder_id: i64,
    pub uid: u32,
    pub modseq: u64,
    pub flags: Flags,
    pub internal_date: Option<i64>,
    pub raw: &'a [u8],
    /// `raw` parsed, and where its bytes went.
    pub prepared: &'a Prepared,
}

/// A message parsed, with its raw bytes already in a flushed pack.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The parse; attachments keep their names and types, not their bytes (see
    /// [`Prepared::unwritten`]).
    pub parsed: ParsedMessage,
    /// The Message-ID it is known by.
    pub key: String,
    /// Where its raw bytes were written; `None` when the message was already stored (or
    /// not written yet: [`store`] writes it then).
    pub raw_at: Option<Packed>,
    /// Per attachment (in order): its content address and size.
    pub attachments: Vec<PreparedAttachment>,
    /// The raw message's size in bytes (kept when the bytes are released).
    pub size: usize,
}

/// An attachment of a [`Prepared`] message.
#[derive(Debug)]
pub(crate) struct PreparedAttachment {
    /// SHA-256 of its decoded bytes.
    pub key: String,
    /// Decoded size in bytes.
    pub size: usize,
}

impl Prepared {
    /// `raw` parsed, nothing written yet. The attachments' decoded bytes are hashed and then
    /// dropped: they stay in the raw copy, decoded again when read.
    pub(crate) fn unwritten(raw: &[u8], mut parsed: ParsedMessage) -> Self {
        let attachments = parsed
            .attachments
            .iter_mut()
            .map(|a| {
                let prepared = PreparedAttachment {
                    key: BlobStore::key(&a.data),
                    size: a.data.len(),
                };
                a.data = Vec::new();
                prepared
            })
            .collect();
        Self {
            key: message_key(&parsed, raw),
            attachments,
            parsed,
            raw_at: None,
            size: raw.len(),
        }
    }

    /// Frees the raw message (`raw`, its copy) once [`prepare`] wrote it to its pack, so a
    /// batch waiting for the writer holds only what the writer reads. When it was not
    /// written, it is kept: [`store`] may still need to write it.
    pub(crate) fn release_written(&self, raw: &mut Vec<u8>) {
        if self.raw_at.is_some() {
            *raw = Vec::new();
        }
    }
}

/// Whether [`prepare`] asks the store which of the messages it has already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KnownCheck {
    /// Ask: the raw bytes of a message the store has are not written again.
    Ask,
    /// The caller asked already (a sync fetches whole only the messages whose Message-ID the
    /// store did not have, or any message of an account that had none): every message is
    /// written. One that turns out to be known after all (the same message twice in one
    /// sync) leaves its bytes unreferenced, as a failed batch does.
    Done,
}

/// Parses `raws` (on every core), hashes their attachments there, and writes the raw bytes
/// of the messages the store does not have yet to one pack, flushed to disk before this
/// returns. Nothing refers to the pack until [`store`] commits; bytes written for a batch
/// that then fails are unreferenced garbage, never a dangling reference.
pub(crate) fn prepare(
    store: &Store,
    blobs: &BlobStore,
    account_id: i64,
    raws: &[&[u8]],
    check: KnownCheck,
) -> Result<Vec<Prepared>> {
    let mut prepared = on_every_core(raws, |raw| Prepared::unwritten(raw, orbit_mail::parse(raw)));
    // What the store already has (read without blocking the writer).
    let known_messages = match check {
        KnownCheck::Ask => store.read(|c| -> Result<Vec<bool>> {
            prepared
                .iter()
                .map(|p| Ok(db::message_by_message_id(c, account_id, &p.key)?.is_some()))
                .collect()
        })?,
        KnownCheck::Done => vec![false; prepared.len()],
    };
    let blob_error =
        |e: std::io::Error| Error::internal(format!("Cannot write to the blob store: {e}"));
    let mut batch = blobs.batch();
    for ((p, raw), known) in prepared.iter_mut().zip(raws).zip(known_messages) {
        if !known {
            p.raw_at = Some(batch.put_packed(raw).map_err(blob_error)?);
        }
    }
    batch.sync().map_err(blob_error)?;
    Ok(prepared)
}

/// What storing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// A message we did not have.
    New(i64),
    /// A message we had, now also in this folder.
    Known(i64),
}

/// `messages.recipients`: `{"bcc":[…],"cc":[…],"reply_to":[…],"to":[…]}` of
/// `{"email","name"}`, serialized straight from the parse.
#[derive(serde::Serialize)]
struct StoredRecipients<'a> {
    bcc: Vec<StoredAddress<'a>>,
    cc: Vec<StoredAddress<'a>>,
    reply_to: Vec<StoredAddress<'a>>,
    to: Vec<StoredAddress<'a>>,
}

#[derive(serde::Serialize)]
struct StoredAddress<'a> {
    email: &'a str,
    name: &'a str,
}

fn addresses(list: &[orbit_mail::Address]) -> Vec<StoredAddress<'_>> {
    list.iter()
        .map(|a| StoredAddress {
            email: &a.email,
            name: a.name.as_deref().unwrap_or(""),
        })
        .collect()
}

fn participants(parsed: &ParsedMessage) -> Vec<String> {
    let mut all: Vec<String> = parsed
        .from
        .iter()
        .chain(parsed.to.iter())
        .chain(parsed.cc.iter())
        .map(|a| a.email.to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// `work` over every raw message, spread over the machine's cores (parsing is most of a
/// sync's CPU time). The results come back in the order of `raws`.
fn on_every_core<T: Send>(raws: &[&[u8]], work: impl Fn(&[u8]) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4);
    if threads < 2 || raws.len() < 8 {
        return raws.iter().map(|r| work(r)).collect();
    }
    let chunk = raws.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = raws
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|r| work(r)).collect::<Vec<_>>()))
            .collect();
        let mut all = Vec::with_capacity(raws.len());
        for (worker, part) in workers.into_iter().zip(raws.chunks(chunk)) {
            // `work` (a parse) never panics; should a thread fail anyway, do it here.
            match worker.join() {
                Ok(done) => all.extend(done),
                Err(_) => all.extend(part.iter().map(|r| work(r))),
            }
        }
        all
    })
}

/// The Message-ID a message is known by.
pub(crate) fn message_key(parsed: &ParsedMessage, raw: &[u8]) -> String {
    parsed
        .message_id
        .clone()
        .filter(|id| !id.trim().is_empty())
        .unwrap_or_else(|| orbit_mail::synthetic_message_id(raw))
}

/// Puts a new message into a conversation: the one any of its references (or messages
/// referring to it) belong to, merging conversations it links; else, for a reply or forward,
/// a same-subject conversation it plausibly belongs to (shared participants, close in time);
/// else a new one.
///
/// `refs` are the message's references and its own id, last; `found` the conversation each
/// is known in.
fn thread_for(
    conn: &Connection,
    account_id: i64,
    parsed: &ParsedMessage,
    date: i64,
    refs: &[String],
    found: &[Option<i64>],
) -> Result<i64> {
    let mut known: Vec<i64> = found.iter().flatten().copied().collect();
    known.sort_unstable();
    known.dedup();
    // Only ids no conversation knows yet are added: after a merge, all the others are in
    // the kept conversation already.
    let unknown: Vec<String> = refs
        .iter()
        .zip(found)
        .filter(|(_, thread)| thread.is_none())
        .map(|(r, _)| r.clone())
        .collect();
    let subject_key = orbit_mail::normalize_subject(&parsed.subject);
    // The conversation it joins, and what every conversation now in it knew (people, newest
    // date): those its references name, merged into the oldest; else a same-subject one.
    let (existing, joined): (Option<i64>, Vec<db::ThreadFacts>) =
        if let Some(keep) = known.first().copied() {
            let mut facts = Vec::with_capacity(known.len());
            for id in &known {
                facts.extend(db::thread_facts(conn, *id)?);
            }
            db::merge_threads(conn, keep, &known)?;
            (Some(keep), facts)
        } else if orbit_mail::is_reply_or_forward(&parsed.subject) && !subject_key.is_empty() {
            let sender = parsed.from.as_ref().map(|a| a.email.to_lowercase());
            let found = db::threads_by_subject(conn, account_id, &subject_key)?
                .into_iter()
                .find(|t| {
                    subject_fallback_allowed(
                        &parsed.subject,
                        sender.as_deref(),
                        Some(date),
                        &t.participants,
                        Some(t.last_date),
                    )
                });
            (found.as_ref().map(|t| t.id), found.into_iter().collect())
        } else {
            (None, Vec::new())
        };
    let Some(thread) = existing else {
        // A new conversation, created with what it knows.
        let mut people = participants(parsed);
        people.truncate(200);
        let thread = db::create_thread(conn, account_id, &subject_key, &people, date)?;
        db::add_refs(conn, account_id, thread, &unknown)?;
        return Ok(thread);
    };
    db::add_refs(conn, account_id, thread, &unknown)?;
    let mut people = participants(parsed);
    // One conversation joined by a message that brings no one new and nothing newer (the
    // usual case: a first sync fetches newest first) is left as it is. Its people are stored
    // sorted; one not found there (or a list stored unsorted) only means a rewrite.
    if let [only] = joined.as_slice()
        && date <= only.last_date
        && people
            .iter()
            .all(|p| only.participants.binary_search(p).is_ok())
    {
        return Ok(thread);
    }
    let mut last = date;
    for facts in joined {
        people.extend(facts.participants);
        last = last.max(facts.last_date);
    }
    people.sort();
    people.dedup();
    people.truncate(200);
    db::update_thread(conn, thread, &people, last)?;
    Ok(thread)
}

/// Whether a local (UID-less) message with the same Message-ID already sits in the folder,
/// so a re-import adds nothing.
pub(crate) fn already_in_folder(conn: &Connection, incoming: &Incoming<'_>) -> Result<bool> {
    let key = &incoming.prepared.key;
    let Some(message) = db::message_by_message_id(conn, incoming.account_id, key)? else {
        return Ok(false);
    };
    Ok(db::locations_of(conn, message)?
        .iter()
        .any(|(_, folder, _, _, _)| *folder == incoming.folder_id))
}

/// Stores `incoming` inside the caller's transaction. Bytes [`prepare`] did not write go to
/// `blobs`, which the caller flushes before committing.
pub(crate) fn store(
    conn: &Connection,
    blobs: &mut BlobBatch<'_>,
    incoming: &Incoming<'_>,
    now: &str,
) -> Result<Stored> {
    let prepared = incoming.prepared;
    let parsed = &prepared.parsed;
    let key = &prepared.key;
    let date = parsed.date.or(incoming.internal_date).unwrap_or(0);
    let mut refs = orbit_mail::reference_chain(parsed);
    refs.push(key.clone());
    let found = db::ref_threads(conn, incoming.account_id, &refs)?;
    // Every stored message's own id is known to a conversation (`thread_for` adds it, and
    // conversation ids are only ever merged, never forgotten), so a message whose id no
    // conversation knows is new without asking `messages`.
    let existing = if found.last().is_some_and(Option::is_some) {
        db::message_by_message_id(conn, incoming.account_id, key)?
    } else {
        None
    };
    if let Some(existing) = existing {
        db::put_location(
            conn,
            existing,
            incoming.folder_id,
            incoming.uid,
            incoming.modseq,
            date,
            &incoming.flags,
        )?;
        return Ok(Stored::Known(existing));
    }
    let blob_error =
        |e: std::io::Error| Error::internal(format!("Cannot write to the blob store: {e}"));
    let raw = match &prepared.raw_at {
        Some(at) => at.clone(),
        None => blobs.put_packed(incoming.raw).map_err(blob_error)?,
    };
    let thread = thread_for(conn, incoming.account_id, parsed, date, &refs, &found)?;
    let recipients = serde_json::to_string(&StoredRecipients {
        bcc: addresses(&parsed.bcc),
        cc: addresses(&parsed.cc),
        reply_to: addresses(&parsed.reply_to),
        to: addresses(&parsed.to),
    })
    .unwrap_or_else(|_| "{}".into());
    let refs = serde_json::to_string(&parsed.references).unwrap_or_else(|_| "[]".into());
    let defects = serde_json::to_string(&parsed.defects).unwrap_or_else(|_| "[]".into());
    let (from_name, from_email) = parsed
        .from
        .as_ref()
        .map(|a| (a.name.clone().unwrap_or_default(), a.email.clone()))
        .unwrap_or_default();
    let message = db::insert_message(
        conn,
        &db::NewMessage {
            account_id: incoming.account_id,
            message_id: key,
            thread_id: thread,
            subject: &parsed.subject,
            from_name: &from_name,
            from_email: &from_email,
            recipients: &recipients,
            date,
            snippet: &parsed.snippet,
            body_text: &parsed.text,
            has_html: parsed.html.as_deref().is_some_and(|h| !h.trim().is_empty()),
            has_attachments: parsed.attachments.iter().any(|a| !a.inline),
            size: i64::try_from(prepared.size).unwrap_or(i64::MAX),
            raw_blob: "",
            raw_pack: &raw.pack,
            raw_offset: i64::try_from(raw.offset).unwrap_or(i64::MAX),
            in_reply_to: parsed.in_reply_to.first().map(String::as_str).unwrap_or(""),
            refs: &refs,
            defects: &defects,
            created_at: now,
        },
    )?;
    // By content address: the bytes are in the raw copy just stored (see the module's doc).
    for (ordinal, (attachment, prepared)) in parsed
        .attachments
        .iter()
        .zip(&prepared.attachments)
        .enumerate()
    {
        let blob = &prepared.key;
        let size = i64::try_from(prepared.size).unwrap_or(i64::MAX);
        db::insert_attachment(
            conn,
            message,
            i64::try_from(ordinal).unwrap_or(i64::MAX),
            attachment.filename.as_deref().unwrap_or(""),
            &attachment.mime_type,
            attachment.content_id.as_deref().unwrap_or(""),
            attachment.inline,
            size,
            blob,
        )?;
    }
    db::place_new_message(
        conn,
        message,
        incoming.folder_id,
        incoming.uid,
        incoming.modseq,
        date,
        &incoming.flags,
    )?;
    Ok(Stored::New(message))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{OpenOptions, Orbit, SystemClock};

    fn open(dir: &std::path::Path) -> Orbit {
        Orbit::open(OpenOptions::for_test(dir, Arc::new(SystemClock))).unwrap()
    }

    /// Stores one message (UID `uid`) in a fresh folder of the local account; returns its
    /// conversation.
    fn put(orbit: &Orbit, uid: u32, raw: &str) -> i64 {
        let raw = raw.replace('\n', "\r\n");
        let prepared = Prepared::unwritten(raw.as_bytes(), orbit_mail::parse(raw.as_bytes()));
        let id = store_new(orbit, uid, raw.as_bytes(), &prepared);
        column_by_id(orbit, id, "thread_id")
    }

    /// Stores `raw`, as `prepared`, (UID `uid`) in the local account's inbox; returns the new
    /// message's id.
    fn store_new(orbit: &Orbit, uid: u32, raw: &[u8], prepared: &Prepared) -> i64 {
        let account = orbit.local_account().unwrap();
        orbit
            .store
            .write(|tx| -> Result<i64> {
                let folder = db::upsert_folder(tx, account, "INBOX", "/", "inbox", true)?;
                let blobs = orbit.blobs();
                let mut batch = blobs.batch();
                let stored = store(
                    tx,
                    &mut batch,
                    &Incoming {
                        account_id: account,
                        folder_id: folder,
                        uid,
                        modseq: 0,
                        flags: Flags::default(),
                        internal_date: None,
                        raw,
                        prepared,
                    },
                    "2026-11-27T00:00:00Z",
                )?;
                batch.sync().unwrap();
                let Stored::New(id) = stored else {
                    panic!("stored twice")
                };
                Ok(id)
            })
            .unwrap()
    }

    fn column_by_id<T: rusqlite::types::FromSql>(orbit: &Orbit, id: i64, column: &str) -> T {
        let sql = format!("SELECT {column} FROM messages WHERE id = ?1");
        rows(orbit, &sql, [id]).into_iter().next().unwrap()
    }

    /// A fresh profile holding `raw` (UID 1): its directory (kept while the test runs), the
    /// profile, and the message's conversation.
    fn one_message(raw: &str) -> (tempfile::TempDir, Orbit, i64) {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        let thread = put(&orbit, 1, raw);
        (dir, orbit, thread)
    }

    /// The first column of every row `sql` answers.
    fn rows<T: rusqlite::types::FromSql>(
        orbit: &Orbit,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Vec<T> {
        orbit
            .store
            .read(|c| {
                c.prepare(sql)
                    .and_then(|mut s| {
                        s.query_map(params, |r| r.get(0))?
                            .collect::<rusqlite::Result<Vec<T>>>()
                    })
                    .map_err(|e| orbit_store::StoreError::from_sqlite(e, "rows"))
            })
            .unwrap()
    }

    /// `column` of the message in conversation `thread` (it has one).
    fn column_of<T: rusqlite::types::FromSql>(orbit: &Orbit, thread: i64, column: &str) -> T {
        let sql = format!("SELECT {column} FROM messages WHERE thread_id = ?1");
        rows(orbit, &sql, [thread]).into_iter().next().unwrap()
    }

    fn facts(orbit: &Orbit, thread: i64) -> db::ThreadFacts {
        orbit
            .store
            .read(|c| db::thread_facts(c, thread))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn an_html_body_is_read_from_the_raw_message_and_its_loss_leaves_the_text() {
        let (dir, orbit, thread) = one_message(
            "Message-ID: <h@x>\nFrom: Ann <ann@x.org>\nTo: bob@x.org\nSubject: Rich\nDate: Mon, 2 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nplain words\n--b\nContent-Type: text/html\n\n<p><b>bold words</b></p>\n--b--\n",
        );
        let id: i64 = column_of(&orbit, thread, "id");
        assert!(orbit.mail_show(id).unwrap().has_html);
        let shown = orbit.mail_render(id, false).unwrap();
        assert!(shown.from_html, "{}", shown.html);
        assert!(shown.html.contains("<b>bold words</b>"), "{}", shown.html);

        // The raw copy is lost (a damaged disk): the stored text is shown, not an error.
        for pack in std::fs::read_dir(dir.path().join("blobs").join("packs")).unwrap() {
            std::fs::write(pack.unwrap().path(), b"").unwrap();
        }
        let shown = orbit.mail_render(id, false).unwrap();
        assert!(!shown.from_html);
        assert!(shown.html.contains("plain words"), "{}", shown.html);
    }

    #[test]
    fn bytes_released_after_prepare_are_stored_whole_with_their_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        let account = orbit.local_account().unwrap();
        let raw = "Message-ID: <att@x>\r\nFrom: Ann <ann@x.org>\r\nTo: bob@x.org\r\nSubject: Figures\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: text/csv; name=figures.csv\r\nContent-Disposition: attachment; filename=figures.csv\r\nContent-Transfer-Encoding: base64\r\n\r\nYSxiCjEsMgo=\r\n--b--\r\n";
        let prepared = prepare(
            &orbit.store,
            &orbit.blobs(),
            account,
            &[raw.as_bytes()],
            KnownCheck::Ask,
        )
        .unwrap();
        let mut copy = raw.as_bytes().to_vec();
        let p = prepared.first().unwrap();
        p.release_written(&mut copy);
        assert!(copy.is_empty(), "the raw copy is freed once written");
        assert!(p.parsed.attachments.iter().all(|a| a.data.is_empty()));
        let id = store_new(&orbit, 1, &copy, p);
        assert_eq!(orbit.mail_raw(id).unwrap(), raw.as_bytes());
        let shown = orbit.mail_show(id).unwrap();
        assert_eq!(shown.attachments.len(), 1);
        let (view, bytes) = orbit.mail_attachment(id, 0).unwrap();
        assert_eq!(bytes, b"a,b\n1,2\n");
        assert_eq!((view.size, view.filename.as_str()), (8, "figures.csv"));
    }

    /// A message with `figures.csv` (given base64-encoded) and an inline logo.
    fn with_attachment(id: &str, encoded: &str) -> String {
        format!(
            "Message-ID: <{id}>\nFrom: Ann <ann@x.org>\nTo: bob@x.org\nSubject: Figures {id}\nDate: Mon, 2 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>see <img src=\"cid:logo@x\"></p>\n--b\nContent-Type: text/csv; name=figures.csv\nContent-Disposition: attachment; filename=figures.csv\nContent-Transfer-Encoding: base64\n\n{encoded}\n--b\nContent-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n"
        )
    }

    #[test]
    fn attachment_bytes_live_only_in_the_raw_copy_and_are_read_back_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        // The same file in two messages, encoded with different line breaks.
        let first = put(&orbit, 1, &with_attachment("one@x", "YSxiCjEsMgozLDQK"));
        let second = put(&orbit, 2, &with_attachment("two@x", "YSxiCjEs\nMgozLDQK"));
        let (first, second): (i64, i64) = (
            column_of(&orbit, first, "id"),
            column_of(&orbit, second, "id"),
        );

        // Nothing but the two raw copies was written.
        let packs: u64 = std::fs::read_dir(dir.path().join("blobs").join("packs"))
            .unwrap()
            .map(|p| p.unwrap().metadata().unwrap().len())
            .sum();
        let raws: Vec<i64> = rows(&orbit, "SELECT size FROM messages ORDER BY id", []);
        assert_eq!(packs, u64::try_from(raws.iter().sum::<i64>()).unwrap());
        assert!(rows::<String>(&orbit, "SELECT key FROM packed_blobs", []).is_empty());
        // One content address for both.
        let keys: Vec<String> = rows(
            &orbit,
            "SELECT DISTINCT blob FROM attachments WHERE ordinal = 0",
            [],
        );
        assert_eq!(keys, [BlobStore::key(b"a,b\n1,2\n3,4\n")]);

        for id in [first, second] {
            let (view, bytes) = orbit.mail_attachment(id, 0).unwrap();
            assert_eq!((view.filename.as_str(), view.size), ("figures.csv", 12));
            assert_eq!(bytes, b"a,b\n1,2\n3,4\n");
        }
        let rendered = orbit.mail_render(first, false).unwrap();
        assert!(
            rendered.html.contains("data:image/png;base64,iVBORw0KGgo="),
            "the cid: image comes from the same parse: {}",
            rendered.html
        );
        // By content: once the first carrier is gone, the other still gives the bytes.
        orbit
            .store
            .write(|tx| -> Result<usize> {
                Ok(tx
                    .execute("DELETE FROM messages WHERE id = ?1", [first])
                    .unwrap())
            })
            .unwrap();
        assert_eq!(orbit.blob_bytes(&keys[0]).unwrap(), b"a,b\n1,2\n3,4\n");
        // A lost raw copy is an error that says so, not empty bytes.
        for pack in std::fs::read_dir(dir.path().join("blobs").join("packs")).unwrap() {
            std::fs::write(pack.unwrap().path(), b"").unwrap();
        }
        let lost = orbit.mail_attachment(second, 0).unwrap_err();
        assert!(lost.message().contains("damaged"), "{lost:?}");
    }

    #[test]
    fn attachments_an_earlier_version_packed_are_still_read_from_their_pack() {
        let (_dir, orbit, thread) = one_message(&with_attachment("old@x", "YSxiCjEsMgozLDQK"));
        let id: i64 = column_of(&orbit, thread, "id");
        let key = BlobStore::key(b"a,b\n1,2\n3,4\n");
        let blobs = orbit.blobs();
        let mut batch = blobs.batch();
        let at = batch.put_packed(b"as packed before").unwrap();
        batch.sync().unwrap();
        orbit
            .store
            .write(|tx| -> Result<usize> {
                Ok(tx
                    .execute(
                        "INSERT INTO packed_blobs (key, pack, offset, size) VALUES (?1, ?2, ?3, 16)",
                        rusqlite::params![key, at.pack, i64::try_from(at.offset).unwrap()],
                    )
                    .unwrap())
            })
            .unwrap();
        assert_eq!(orbit.mail_attachment(id, 0).unwrap().1, b"as packed before");
    }

    #[test]
    fn recipients_are_stored_as_the_json_readers_expect() {
        let (_dir, orbit, thread) = one_message(
            "Message-ID: <r@x>\nFrom: Ann <ann@x.org>\nTo: Bob <bob@x.org>, cy@x.org\nCc: \"Dee, D.\" <dee@x.org>\nReply-To: list@x.org\nSubject: Hi\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\nhi\n",
        );
        let stored: String = column_of(&orbit, thread, "recipients");
        assert_eq!(
            stored,
            r#"{"bcc":[],"cc":[{"email":"dee@x.org","name":"Dee, D."}],"reply_to":[{"email":"list@x.org","name":""}],"to":[{"email":"bob@x.org","name":"Bob"},{"email":"cy@x.org","name":""}]}"#
        );
    }

    fn refs_of(orbit: &Orbit, thread: i64) -> Vec<String> {
        rows(
            orbit,
            "SELECT ref FROM thread_refs WHERE thread_id = ?1 ORDER BY ref",
            [thread],
        )
    }

    #[test]
    fn a_message_linking_two_conversations_merges_them_and_each_id_is_known_once() {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        // The start of a conversation, and a reply to a message we never saw (a broken chain).
        let first = put(
            &orbit,
            1,
            "Message-ID: <a@x>\nFrom: Ann <ann@x.org>\nTo: bob@x.org\nSubject: Plans\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\nhi\n",
        );
        let orphan = put(
            &orbit,
            2,
            "Message-ID: <c@x>\nIn-Reply-To: <b@x>\nReferences: <b@x>\nFrom: Cy <cy@x.org>\nTo: ann@x.org\nSubject: Re: Plans\nDate: Wed, 4 Nov 2026 10:00:00 +0000\n\nyes\n",
        );
        assert_ne!(first, orphan, "nothing links them yet");
        // A new conversation is created knowing its people and date.
        let new = facts(&orbit, first);
        assert_eq!(new.participants, ["ann@x.org", "bob@x.org"]);
        assert_eq!(new.last_date, 1_793_613_600);
        // Cy's reply is not Ann's conversation yet (it names none of its messages); the
        // message it answers, when it arrives, links the two.
        let missing = put(
            &orbit,
            3,
            "Message-ID: <b@x>\nIn-Reply-To: <a@x>\nReferences: <a@x>\nFrom: Bob <bob@x.org>\nTo: ann@x.org, cy@x.org\nSubject: Re: Plans\nDate: Tue, 3 Nov 2026 10:00:00 +0000\n\nok\n",
        );
        assert_eq!(
            missing,
            first.min(orphan),
            "merged into the older conversation"
        );
        let threads: Vec<i64> = rows(&orbit, "SELECT DISTINCT thread_id FROM messages", []);
        assert_eq!(threads, [missing], "one conversation");
        assert_eq!(refs_of(&orbit, missing), ["a@x", "b@x", "c@x"]);
        let merged = facts(&orbit, missing);
        assert_eq!(merged.participants, ["ann@x.org", "bob@x.org", "cy@x.org"]);
        assert_eq!(merged.last_date, 1_793_786_400, "the newest date (Cy's)");
    }

    /// A reply that brings a new person or a newer date updates its conversation; an older
    /// one between people it knows (a first sync fetches newest first) writes nothing to it.
    #[test]
    fn a_reply_updates_its_conversation_only_when_it_brings_something_new() {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        // Counts updates of conversations on the writer's connection (a temporary trigger).
        orbit
            .store
            .write(|tx| {
                tx.execute_batch(
                    "CREATE TEMP TABLE thread_writes (id INTEGER);
                     CREATE TEMP TRIGGER count_thread_writes AFTER UPDATE ON main.threads
                     BEGIN INSERT INTO thread_writes VALUES (new.id); END;",
                )
                .map_err(|e| crate::Error::internal(e.to_string()))
            })
            .unwrap();
        let writes = |orbit: &Orbit| -> i64 {
            orbit
                .store
                .write(|tx| {
                    tx.query_row("SELECT count(*) FROM temp.thread_writes", [], |r| r.get(0))
                        .map_err(|e| crate::Error::internal(e.to_string()))
                })
                .unwrap()
        };
        let newest = put(
            &orbit,
            3,
            "Message-ID: <n3@x>\nIn-Reply-To: <n2@x>\nReferences: <n1@x> <n2@x>\nFrom: Ann <ann@x.org>\nTo: bob@x.org\nSubject: Re: Plans\nDate: Thu, 5 Nov 2026 10:00:00 +0000\n\nlast\n",
        );
        let older = put(
            &orbit,
            2,
            "Message-ID: <n2@x>\nIn-Reply-To: <n1@x>\nReferences: <n1@x>\nFrom: Bob <bob@x.org>\nTo: ann@x.org\nSubject: Re: Plans\nDate: Wed, 4 Nov 2026 10:00:00 +0000\n\nok\n",
        );
        assert_eq!(older, newest);
        assert_eq!(
            writes(&orbit),
            0,
            "nothing new: the conversation is left as it was"
        );
        let with_cy = put(
            &orbit,
            1,
            "Message-ID: <n1@x>\nFrom: Ann <ann@x.org>\nTo: bob@x.org, cy@x.org\nSubject: Plans\nDate: Tue, 3 Nov 2026 10:00:00 +0000\n\nhi\n",
        );
        assert_eq!(with_cy, newest);
        assert_eq!(writes(&orbit), 1, "Cy is new to it");
        let later = put(
            &orbit,
            4,
            "Message-ID: <n4@x>\nIn-Reply-To: <n3@x>\nReferences: <n1@x> <n2@x> <n3@x>\nFrom: Bob <bob@x.org>\nTo: ann@x.org\nSubject: Re: Plans\nDate: Fri, 6 Nov 2026 10:00:00 +0000\n\nlater\n",
        );
        assert_eq!(later, newest);
        assert_eq!(writes(&orbit), 2, "a newer date");
        let facts = facts(&orbit, newest);
        assert_eq!(facts.participants, ["ann@x.org", "bob@x.org", "cy@x.org"]);
        assert_eq!(facts.last_date, 1_793_959_200, "Bob's last reply");
    }

    #[test]
    fn an_unrelated_reply_with_the_same_subject_starts_its_own_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        let ann = put(
            &orbit,
            1,
            "Message-ID: <h1@x>\nFrom: ann@x.org\nTo: bob@x.org\nSubject: Re: hello\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\nhi\n",
        );
        let stranger = put(
            &orbit,
            2,
            "Message-ID: <h2@y>\nFrom: zed@y.org\nTo: yan@y.org\nSubject: Re: hello\nDate: Mon, 2 Nov 2026 11:00:00 +0000\n\nhi\n",
        );
        assert_ne!(ann, stranger);
        let bob = put(
            &orbit,
            3,
            "Message-ID: <h3@x>\nFrom: bob@x.org\nTo: ann@x.org\nSubject: Re: hello\nDate: Mon, 2 Nov 2026 12:00:00 +0000\n\nhello back\n",
        );
        assert_eq!(
            bob, ann,
            "the same people, close in time: the subject fallback joins it"
        );
        assert_eq!(refs_of(&orbit, ann), ["h1@x", "h3@x"]);
        assert_eq!(refs_of(&orbit, stranger), ["h2@y"]);
    }
}
