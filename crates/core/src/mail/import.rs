//! Import without a server: Maildir folders, mbox files and `.eml` files (or a folder of
//! them) go into the local account "On this computer", which also holds the bundled sample
//! workspace. Re-importing the same mail adds nothing: messages are recognised by Message-ID.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use orbit_store::mail::{self as db, Flags};
use orbit_store::{AccountWrite, accounts};
use serde::Serialize;
use serde_json::json;

use super::ingest::{self, Incoming, KnownCheck, Stored};
use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

/// The address of the local account (never a real mailbox).
pub const LOCAL_EMAIL: &str = "local@orbit.invalid";

/// The sample workspace: a small realistic mailbox bundled with Orbit.
const SAMPLE_MBOX: &[u8] = include_bytes!("../../assets/sample.mbox");

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The local account.
    pub account_id: i64,
    /// Messages read.
    pub read: usize,
    /// Messages stored that were not there yet.
    pub imported: usize,
    /// Messages already there (same Message-ID in the same folder).
    pub duplicates: usize,
    /// Files or messages that could not be read, with why.
    pub errors: Vec<String>,
}

/// One message found in a source.
struct Found {
    folder: String,
    raw: Vec<u8>,
    flags: Flags,
    date: Option<i64>,
}

const BATCH: usize = 500;

impl Orbit {
    /// The local account, created on first use with Inbox, Archive and Trash folders.
    pub fn local_account(&self) -> Result<i64> {
        if let Some(existing) = self
            .store
            .read(accounts::list)?
            .into_iter()
            .find(|a| a.fields.email == LOCAL_EMAIL)
        {
            return Ok(existing.id);
        }
        let now = self.now_stamp();
        let (id, activity) = self.store.write(|tx| -> Result<(i64, i64)> {
            let id = accounts::insert(
                tx,
                &AccountWrite {
                    name: "On this computer".into(),
                    email: LOCAL_EMAIL.into(),
                    username: String::new(),
                    imap: None,
                    smtp: None,
                    caldav_url: None,
                },
                &now,
            )?;
            for (name, role) in [
                ("Inbox", "inbox"),
                ("Archive", "archive"),
                ("Trash", "trash"),
            ] {
                db::upsert_folder(tx, id, name, "/", role, true)?;
            }
            let activity = self.record(
                tx,
                &Record {
                    actor: Actor::System,
                    action: "account.added",
                    target: format!("account:{id}"),
                    summary: "Created the local account for imported mail".into(),
                    details: json!({ "email": LOCAL_EMAIL }),
                },
            )?;
            Ok((id, activity))
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::AccountsChanged);
        Ok(id)
    }

    /// Imports a Maildir, an mbox file, an `.eml` file, or a folder of them. `folder` names
    /// the local folder to import into; by default each source gets a folder named after it.
    pub fn mail_import(&self, path: &Path, folder: Option<&str>) -> Result<ImportReport> {
        if !path.exists() {
            return Err(Error::not_found(format!(
                "There is no file or folder {}",
                path.display()
            )));
        }
        let mut found = Vec::new();
        let mut errors = Vec::new();
        collect(path, folder, &mut found, &mut errors, 0);
        let mut report = self.store_found(
            found,
            "mail.imported",
            &format!("Imported mail from {}", path.display()),
        )?;
        report.errors.extend(errors);
        Ok(report)
    }

    /// Opens the bundled sample workspace (into the local account's Inbox).
    pub fn mail_import_sample(&self) -> Result<ImportReport> {
        let mut found = Vec::new();
        let mut errors = Vec::new();
        read_mbox_bytes(SAMPLE_MBOX, "Inbox", &mut found, &mut errors);
        let mut report =
            self.store_found(found, "mail.sample_opened", "Opened the sample workspace")?;
        report.errors.extend(errors);
        tracing::info!(
            imported = report.imported,
            duplicates = report.duplicates,
            errors = report.errors.len(),
            "sample workspace opened"
        );
        Ok(report)
    }

    fn store_found(&self, found: Vec<Found>, action: &str, summary: &str) -> Result<ImportReport> {
        let account_id = self.local_account()?;
        let blobs = self.blobs();
        let mut report = ImportReport {
            account_id,
            read: found.len(),
            ..ImportReport::default()
        };
        for batch in found.chunks(BATCH) {
            let now = self.now_stamp();
            let mut blob_batch = blobs.batch();
            let raws: Vec<&[u8]> = batch.iter().map(|m| m.raw.as_slice()).collect();
            let prepared =
                ingest::prepare(&self.store, &blobs, account_id, &raws, KnownCheck::Ask)?;
            let (imported, duplicates) = self.store.write(|tx| -> Result<(usize, usize)> {
                let mut imported = 0;
                let mut duplicates = 0;
                for (message, prepared) in batch.iter().zip(&prepared) {
                    let folder_id = db::upsert_folder_keep_role(tx, account_id, &message.folder)?;
                    let incoming = Incoming {
                        account_id,
                        folder_id,
                        uid: 0,
                        modseq: 0,
                        flags: message.flags.clone(),
                        internal_date: message.date,
                        raw: &message.raw,
                        prepared,
                    };
                    if ingest::already_in_folder(tx, &incoming)? {
                        duplicates += 1;
                        continue;
                    }
                    match ingest::store(tx, &mut blob_batch, &incoming, &now)? {
                        Stored::New(_) => imported += 1,
                        Stored::Known(_) => duplicates += 1,
                    }
                }
                std::mem::replace(&mut blob_batch, blobs.batch())
                    .sync()
                    .map_err(|e| Error::internal(format!("Cannot write to the blob store: {e}")))?;
                Ok((imported, duplicates))
            })?;
            report.imported += imported;
            report.duplicates += duplicates;
        }
        let activity = self.store.write(|tx| {
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action,
                    target: format!("account:{account_id}"),
                    summary: format!(
                        "{summary}: {} new, {} already there",
                        report.imported, report.duplicates
                    ),
                    details: serde_json::to_value(&report).unwrap_or_default(),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::MailChanged { account_id });
        Ok(report)
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .or_else(|| path.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Imported".into())
}

fn is_maildir(path: &Path) -> bool {
    path.join("cur").is_dir() && path.join("new").is_dir()
}

/// Walks `path` (depth-limited), collecting messages.
fn collect(
    path: &Path,
    folder: Option<&str>,
    found: &mut Vec<Found>,
    errors: &mut Vec<String>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    if path.is_dir() {
        if is_maildir(path) {
            read_maildir(
                path,
                folder.map_or_else(|| stem(path), str::to_owned),
                found,
                errors,
            );
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(dir) => dir.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                errors.push(format!("{}: {e}", path.display()));
                return;
            }
        };
        entries.sort();
        for entry in entries {
            let name = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') && !is_maildir(&entry) {
                continue;
            }
            collect(&entry, folder, found, errors, depth + 1);
        }
        return;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            errors.push(format!("{}: {e}", path.display()));
            return;
        }
    };
    let target = folder.map_or_else(|| stem(path), str::to_owned);
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let named_message = matches!(extension.as_str(), "eml" | "msg" | "mime");
    if bytes.starts_with(b"From ") && !named_message {
        read_mbox_bytes(&bytes, &target, found, errors);
    } else if named_message || looks_like_message(&bytes) {
        let target = folder.map_or_else(|| "Imported".to_owned(), str::to_owned);
        found.push(Found {
            folder: target,
            raw: bytes,
            flags: Flags::default(),
            date: None,
        });
    }
}

/// Whether a file without a mail extension starts like an RFC 5322 message (a header line),
/// so stray files in a folder (READMEs, licences) are skipped rather than imported as mail.
fn looks_like_message(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or_default();
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    first.iter().position(|b| *b == b':').is_some_and(|colon| {
        colon > 0
            && first
                .get(..colon)
                .is_some_and(|name| name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'))
    })
}

fn read_mbox_bytes(bytes: &[u8], folder: &str, found: &mut Vec<Found>, errors: &mut Vec<String>) {
    for message in mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(bytes)) {
        match message {
            Ok(message) => {
                let date = i64::try_from(message.internal_date())
                    .ok()
                    .filter(|d| *d > 0);
                found.push(Found {
                    folder: folder.to_owned(),
                    raw: message.unwrap_contents(),
                    flags: Flags::default(),
                    date,
                });
            }
            Err(e) => errors.push(format!("{folder}: {e}")),
        }
    }
}

fn read_maildir(path: &Path, folder: String, found: &mut Vec<Found>, errors: &mut Vec<String>) {
    let messages = match mail_parser::mailbox::maildir::MessageIterator::new(path) {
        Ok(iter) => iter,
        Err(e) => {
            errors.push(format!("{}: {e}", path.display()));
            return;
        }
    };
    for message in messages {
        match message {
            Ok(message) => {
                use mail_parser::mailbox::maildir::Flag;
                let mut flags = Flags::default();
                for flag in message.flags() {
                    match flag {
                        Flag::Seen => flags.seen = true,
                        Flag::Flagged => flags.flagged = true,
                        Flag::Replied => flags.answered = true,
                        Flag::Draft => flags.draft = true,
                        Flag::Passed => flags.keywords.push("$Forwarded".into()),
                        Flag::Trashed => {}
                    }
                }
                let date = i64::try_from(message.internal_date())
                    .ok()
                    .filter(|d| *d > 0);
                found.push(Found {
                    folder: folder.clone(),
                    raw: message.contents().to_vec(),
                    flags,
                    date,
                });
            }
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
}
