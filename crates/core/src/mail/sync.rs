//! The IMAP sync engine: list folders, then for each folder SELECT, plan (see `plan`), and
//! execute: apply expunges and flag changes, fetch new mail, backfill older mail newest first,
//! each batch stored with its cursor in one transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use orbit_imap::Session;
use orbit_imap::mailbox::{self, FetchOutcome, HeaderSummary, Selected};
use orbit_store::mail::{self as db, Cursor, Flags, FolderRow};
use serde::Serialize;

use super::ingest::{self, Incoming, KnownCheck, Prepared, Stored};
use super::plan::{self, Refresh};
use crate::accounts::{AccountId, server};
use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

/// How to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Messages in the first round trip and transaction of a folder: small, so the newest
    /// mail is readable soon.
    pub batch_size: usize,
    /// The most messages in a later one. Later batches are sized from the bytes the
    /// previous one brought, to about 16 MiB, within 1..=`max_batch_size`: big
    /// batches when mail is small (fewer commits, each rewriting fewer index pages per
    /// message), small ones when it is big (bounded memory).
    pub max_batch_size: usize,
    /// Only mail newer than this many days is fetched (for huge mailboxes).
    pub window_days: Option<u32>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch_size: 200,
            max_batch_size: 1000,
            window_days: None,
        }
    }
}

/// About how many bytes of mail a batch after the first fetches (see
/// [`SyncOptions::max_batch_size`]).
const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// The size of the batch after one of `count` messages that came to `bytes`.
fn next_batch_size(count: usize, bytes: usize, max: usize) -> usize {
    let average = (bytes / count.max(1)).max(1);
    (BATCH_BYTES / average).clamp(1, max.max(1))
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The account.
    pub account_id: i64,
    /// Folders synced.
    pub folders: usize,
    /// Messages stored that we did not have.
    pub new_messages: usize,
    /// Messages we had that were found in another folder.
    pub new_locations: usize,
    /// Flag changes applied.
    pub flag_changes: usize,
    /// Messages removed because the server no longer has them.
    pub removed: usize,
    /// Folders whose UIDVALIDITY changed.
    pub resets: usize,
    /// New messages in the inbox.
    pub inbox_new: usize,
    /// Queued local changes the server now has.
    pub changes_sent: usize,
    /// Local flag changes the server had changed meanwhile (both sides kept).
    pub conflicts: usize,
    /// Drafts copied to the server's Drafts folder.
    pub drafts_saved: usize,
    /// Folders that failed, with why (the others still synced).
    pub errors: Vec<String>,
    /// How long the sync took (login excluded), in milliseconds.
    pub elapsed_ms: u64,
}

/// What the server offers.
#[derive(Debug, Clone)]
struct Extensions {
    qresync: bool,
    condstore: bool,
    caps: Vec<String>,
}

impl Orbit {
    /// The profile's blob store (raw messages, attachments, draft files).
    pub(crate) fn blobs(&self) -> orbit_store::BlobStore {
        orbit_store::BlobStore::new(self.data_dir.join("blobs"))
    }

    pub(crate) async fn imap_session(&self, id: AccountId) -> Result<(Session, Vec<String>)> {
        let row = self.account_row(id)?;
        let endpoint = row.fields.imap.as_ref().ok_or_else(|| {
            Error::invalid(format!(
                "Account {} has no IMAP server to sync",
                row.fields.name
            ))
        })?;
        let s = server(endpoint)?;
        let password = self.account_password(id)?;
        let mut session = orbit_imap::connect(&orbit_imap::ImapConfig {
            host: s.host,
            port: s.port,
            security: s.security,
            username: row.fields.username.clone(),
            password,
            timeout: self.net_timeout,
        })
        .await
        .map_err(|e| Error::new(crate::ErrorCode::Network, e.to_string()))?;
        let caps = mailbox::capabilities(&mut session).await.map_err(network)?;
        Ok((session, caps))
    }

    /// Syncs every folder of an account with its IMAP server.
    pub async fn sync_account(&self, id: AccountId, options: &SyncOptions) -> Result<SyncReport> {
        let (mut session, caps) = self.imap_session(id).await?;
        let qresync = mailbox::enable_qresync(&mut session, &caps)
            .await
            .map_err(network)?;
        let ext = Extensions {
            qresync,
            condstore: qresync || caps.iter().any(|c| c == "CONDSTORE"),
            caps,
        };
        let report = self.sync_session(id, &mut session, &ext, options).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
        report
    }

    async fn sync_session(
        &self,
        id: AccountId,
        session: &mut Session,
        ext: &Extensions,
        options: &SyncOptions,
    ) -> Result<SyncReport> {
        let started = std::time::Instant::now();
        // The user's changes go first, so reading the server cannot undo them.
        let flushed = self
            .flush_changes(id.0, session, ext.condstore, &ext.caps)
            .await?;
        let listed = mailbox::list_folders(session).await.map_err(network)?;
        let names: Vec<String> = listed.iter().map(|f| f.name.clone()).collect();
        self.store.write(|tx| -> Result<()> {
            for folder in &listed {
                db::upsert_folder(
                    tx,
                    id.0,
                    &folder.name,
                    folder.delimiter.as_deref().unwrap_or("/"),
                    folder.role.map_or("", |r| r.as_str()),
                    folder.selectable,
                )?;
            }
            db::mark_absent(tx, id.0, &names)?;
            Ok(())
        })?;
        let folders = self.store.read(|c| db::folders(c, id.0))?;
        let mut report = SyncReport {
            account_id: id.0,
            changes_sent: flushed.sent,
            conflicts: flushed.conflicts,
            ..SyncReport::default()
        };
        // Drafts written here go to the server's Drafts folder before it is read.
        let uidplus = ext.caps.iter().any(|c| c == "UIDPLUS");
        match self.drafts_push(id, session, uidplus).await {
            Ok(n) => report.drafts_saved = n,
            Err(e) => report.errors.push(format!("Drafts: {}", e.message())),
        }
        for folder in folders.iter().filter(|f| f.selectable && f.present) {
            match self
                .sync_folder(session, folder, ext, options, &mut report)
                .await
            {
                Ok(()) => report.folders += 1,
                Err(e) => {
                    tracing::warn!(folder = %folder.name, error = %e, "folder sync failed");
                    report
                        .errors
                        .push(format!("{}: {}", folder.name, e.message()));
                    if e.code() == crate::ErrorCode::Network {
                        // The connection is likely gone; the next sync picks up from the cursors.
                        break;
                    }
                }
            }
        }
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if report.new_messages + report.removed + report.resets + report.new_locations > 0 {
            let activity = self.store.write(|tx| {
                self.record(
                    tx,
                    &Record {
                        actor: Actor::Sync,
                        action: "mail.synced",
                        target: format!("account:{id}"),
                        summary: format!(
                            "Synced mail: {} new, {} removed, {} flag changes",
                            report.new_messages, report.removed, report.flag_changes
                        ),
                        details: serde_json::to_value(&report).unwrap_or_default(),
                    },
                )
            })?;
            self.emit(Event::ActivityAdded { id: activity });
        }
        if report.new_messages
            + report.removed
            + report.flag_changes
            + report.new_locations
            + report.resets
            > 0
        {
            self.emit(Event::MailChanged { account_id: id.0 });
        }
        if report.inbox_new > 0 {
            self.emit(Event::MailArrived {
                account_id: id.0,
                count: report.inbox_new,
            });
        }
        Ok(report)
    }

    async fn sync_folder(
        &self,
        session: &mut Session,
        folder: &FolderRow,
        ext: &Extensions,
        options: &SyncOptions,
        report: &mut SyncReport,
    ) -> Result<()> {
        let mut cursor = folder.cursor.clone();
        let qresync_params = (ext.qresync && cursor.uidvalidity > 0 && cursor.highestmodseq > 0)
            .then_some((cursor.uidvalidity, cursor.highestmodseq));
        let selected = mailbox::select(session, &folder.name, qresync_params, ext.condstore)
            .await
            .map_err(network)?;
        let decision =
            plan::after_select(&cursor, &selected, qresync_params.is_some(), ext.condstore);
        let selected_modseq = selected.highestmodseq.unwrap_or(0);

        if decision.reset {
            let removed = self.store.write(|tx| -> Result<usize> {
                Ok(db::reset_folder(tx, folder.id, selected.uidvalidity)?)
            })?;
            tracing::info!(folder = %folder.name, removed, "UIDVALIDITY changed; folder reset");
            report.resets += 1;
            report.removed += removed;
            cursor = Cursor {
                uidvalidity: selected.uidvalidity,
                ..Cursor::default()
            };
        } else if cursor.uidvalidity == 0 {
            cursor.uidvalidity = selected.uidvalidity;
        }

        // Expunges and flag changes of what we have. The new HIGHESTMODSEQ is written in the
        // same transaction that applies them, never before.
        match decision.refresh {
            Refresh::Nothing => {}
            Refresh::FromSelect => {
                let vanished: Vec<u32> = selected.vanished.iter().copied().collect();
                self.apply_refresh(
                    folder,
                    &mut cursor,
                    &vanished,
                    &selected.changed,
                    selected_modseq,
                    report,
                )?;
            }
            Refresh::ChangedSince(modseq) => {
                let range = format!("1:{}", cursor.last_uid);
                let changed = mailbox::fetch_flags(session, &range, Some(modseq), false)
                    .await
                    .map_err(network)?;
                let gone = self
                    .list_missing(session, folder, &cursor, &selected)
                    .await?;
                self.apply_refresh(
                    folder,
                    &mut cursor,
                    &gone,
                    &changed.items,
                    selected_modseq,
                    report,
                )?;
            }
            Refresh::Everything => {
                let range = format!("1:{}", cursor.last_uid);
                let all = mailbox::fetch_flags(session, &range, None, false)
                    .await
                    .map_err(network)?;
                let gone = self
                    .list_missing(session, folder, &cursor, &selected)
                    .await?;
                self.apply_refresh(
                    folder,
                    &mut cursor,
                    &gone,
                    &all.items,
                    selected_modseq,
                    report,
                )?;
            }
        }

        // New mail above the stored range, oldest first so the cursor stays contiguous.
        if decision.look_for_new {
            let found = mailbox::uid_search(session, &format!("UID {}:*", cursor.last_uid + 1))
                .await
                .map_err(network)?;
            let fresh = plan::new_uids(&found, cursor.last_uid);
            let (stored, after) = self
                .fetch_and_store_all(
                    session,
                    folder,
                    &fresh,
                    ext,
                    options,
                    cursor,
                    plan::after_new_batch,
                )
                .await?;
            cursor = after;
            report.new_messages += stored.0;
            report.new_locations += stored.1;
            if folder.role == "inbox" {
                report.inbox_new += stored.0;
            }
        }

        // The first sync and the backfill: newest first, so recent mail is readable at once.
        if !cursor.backfill_done {
            let criteria = match (cursor.last_uid, options.window_days) {
                (0, None) => "ALL".to_owned(),
                (0, Some(days)) => format!("SINCE {}", since(days)),
                (_, None) if cursor.low_uid > 1 => format!("UID 1:{}", cursor.low_uid - 1),
                (_, Some(days)) if cursor.low_uid > 1 => {
                    format!("UID 1:{} SINCE {}", cursor.low_uid - 1, since(days))
                }
                _ => String::new(),
            };
            let older = if criteria.is_empty() {
                Vec::new()
            } else {
                let found = mailbox::uid_search(session, &criteria)
                    .await
                    .map_err(network)?;
                plan::backfill_uids(&found, &cursor)
            };
            let (stored, after) = self
                .fetch_and_store_all(
                    session,
                    folder,
                    &older,
                    ext,
                    options,
                    cursor,
                    plan::after_backfill_batch,
                )
                .await?;
            cursor = after;
            report.new_messages += stored.0;
            report.new_locations += stored.1;
            if cursor.last_uid == 0 {
                // An empty folder: everything up to UIDNEXT is known to be absent.
                cursor.last_uid = selected.uidnext.saturating_sub(1);
                cursor.low_uid = 1;
            }
            cursor.backfill_done = true;
            if cursor.highestmodseq == 0 {
                cursor.highestmodseq = selected_modseq;
            }
        }

        cursor.uidnext = selected.uidnext;
        cursor.synced_at = self.now_stamp();
        self.store
            .write(|tx| -> Result<()> { Ok(db::set_cursor(tx, folder.id, &cursor)?) })?;
        Ok(())
    }

    /// Stored UIDs the server no longer lists (a complete `UID SEARCH ALL`; nothing is removed
    /// if the listing fails or cannot be complete).
    async fn list_missing(
        &self,
        session: &mut Session,
        folder: &FolderRow,
        cursor: &Cursor,
        selected: &Selected,
    ) -> Result<Vec<u32>> {
        let listed: BTreeSet<u32> = mailbox::uid_search(session, "ALL")
            .await
            .map_err(network)?
            .into_iter()
            .collect();
        let stored: BTreeSet<u32> = self
            .store
            .read(|c| db::locations(c, folder.id))?
            .into_iter()
            .map(|l| l.uid)
            .collect();
        Ok(plan::missing(
            &stored,
            &listed,
            selected.exists,
            cursor.last_uid,
        ))
    }

    fn apply_refresh(
        &self,
        folder: &FolderRow,
        cursor: &mut Cursor,
        gone: &[u32],
        remote: &[mailbox::RemoteFlags],
        modseq: u64,
        report: &mut SyncReport,
    ) -> Result<()> {
        if gone.is_empty() && remote.is_empty() {
            // Nothing vanished or changed: only the cursor moves (no need to read the folder).
            if modseq > cursor.highestmodseq {
                let mut next = cursor.clone();
                next.highestmodseq = modseq;
                self.store
                    .write(|tx| -> Result<()> { Ok(db::set_cursor(tx, folder.id, &next)?) })?;
                *cursor = next;
            }
            return Ok(());
        }
        let stored: BTreeMap<u32, Flags> = self
            .store
            .read(|c| db::locations(c, folder.id))?
            .into_iter()
            .map(|l| (l.uid, l.flags))
            .collect();
        let pending: BTreeSet<u32> = self
            .store
            .read(|c| db::pending_flag_uids(c, folder.id))?
            .into_iter()
            .collect();
        // A flag change of the user's that could not be sent yet wins over the server's.
        let changes: Vec<_> = plan::flag_changes(&stored, remote)
            .into_iter()
            .filter(|(uid, _, _)| !pending.contains(uid))
            .collect();
        let mut next = cursor.clone();
        if modseq > 0 {
            next.highestmodseq = next.highestmodseq.max(modseq);
        }
        let (removed, changed) = self.store.write(|tx| -> Result<(usize, usize)> {
            let removed = db::remove_uids(tx, folder.id, gone)?;
            let mut changed = 0;
            for (uid, flags, modseq) in &changes {
                if db::set_flags(tx, folder.id, *uid, *modseq, flags)? {
                    changed += 1;
                }
            }
            db::set_cursor(tx, folder.id, &next)?;
            Ok((removed, changed))
        })?;
        *cursor = next;
        report.removed += removed;
        report.flag_changes += changed;
        Ok(())
    }

    /// Fetches a batch. Messages we already have (by Message-ID) only gain a location: their
    /// bodies are not downloaded again.
    async fn fetch_batch(
        &self,
        session: &mut Session,
        folder: &FolderRow,
        batch: &[u32],
        ext: &Extensions,
        next: Cursor,
        nothing_known: bool,
    ) -> Result<Fetched> {
        let mut known: Vec<(HeaderSummary, i64)> = Vec::new();
        let mut unknown: Vec<u32> = Vec::new();
        let mut summaries_vanished = BTreeSet::new();
        if nothing_known {
            // An account without mail yet (the first folder of a first sync): every message
            // is new, so skip the round trip that asks for Message-IDs.
            unknown = batch.to_vec();
        } else {
            let summaries: FetchOutcome<HeaderSummary> =
                mailbox::fetch_summaries(session, batch, ext.condstore)
                    .await
                    .map_err(network)?;
            summaries_vanished = summaries.vanished;
            self.store.read(|c| -> Result<()> {
                for summary in summaries.items {
                    let parsed = orbit_mail::parse(&summary.message_id_header);
                    let existing = match parsed.message_id.as_deref().filter(|id| !id.is_empty()) {
                        Some(id) => db::message_by_message_id(c, folder.account_id, id)?,
                        None => None,
                    };
                    match existing {
                        Some(message) => known.push((summary, message)),
                        None => unknown.push(summary.uid),
                    }
                }
                Ok(())
            })?;
        }
        let fetched = mailbox::fetch_messages(session, &unknown, ext.condstore)
            .await
            .map_err(network)?;
        // Messages the server reported expunged meanwhile (VANISHED during these commands) are
        // not stored: they no longer exist.
        let gone: BTreeSet<u32> = summaries_vanished
            .union(&fetched.vanished)
            .copied()
            .collect();
        known.retain(|(summary, _)| !gone.contains(&summary.uid));
        let mut items = fetched.items;
        items.retain(|m| !gone.contains(&m.uid));
        let count = items.len();
        let bytes = items.iter().map(|m| m.raw.len()).sum();
        // Parsed and written to a pack on blocking threads while the next batch is fetched
        // and the one before is committed.
        let store = Arc::clone(&self.store);
        let blobs = self.blobs();
        let account_id = folder.account_id;
        let parsing = tokio::task::spawn_blocking(move || {
            let raws: Vec<&[u8]> = items.iter().map(|m| m.raw.as_slice()).collect();
            let prepared = ingest::prepare(&store, &blobs, account_id, &raws, KnownCheck::Done);
            // What is on disk already is not kept while the batch waits for the writer.
            if let Ok(prepared) = &prepared {
                for (item, p) in items.iter_mut().zip(prepared) {
                    p.release_written(&mut item.raw);
                }
            }
            (items, prepared)
        });
        Ok(Fetched {
            known,
            parsing,
            count,
            bytes,
            next,
            now: self.now_stamp(),
        })
    }

    /// Fetches and stores `uids` in batches (sized as [`SyncOptions`] says), in order, each
    /// with its cursor (`next_cursor` of the batch) in the same transaction: a writer thread
    /// stores each parsed batch, together with those parsed behind it (see `store_run`),
    /// while the next one is fetched; when a fetch fails, the batches before it are still
    /// stored. Returns (new messages, new locations) and the cursor after the last batch.
    #[allow(clippy::too_many_arguments)]
    async fn fetch_and_store_all(
        &self,
        session: &mut Session,
        folder: &FolderRow,
        uids: &[u32],
        ext: &Extensions,
        options: &SyncOptions,
        mut cursor: Cursor,
        next_cursor: impl Fn(&Cursor, &[u32]) -> Cursor,
    ) -> Result<((usize, usize), Cursor)> {
        if uids.is_empty() {
            return Ok(((0, 0), cursor));
        }
        // Two batches in flight at most: one being stored, one waiting.
        let (to_writer, mut batches) = tokio::sync::mpsc::channel::<Fetched>(1);
        let store = Arc::clone(&self.store);
        let blobs = self.blobs();
        let target = folder.clone();
        let runtime = tokio::runtime::Handle::current();
        let writer = tokio::task::spawn_blocking(move || -> Result<(usize, usize)> {
            let mut totals = (0, 0);
            let mut next = None;
            loop {
                let fetched = match next.take() {
                    Some(fetched) => fetched,
                    None => match batches.blocking_recv() {
                        Some(fetched) => fetched,
                        None => break,
                    },
                };
                let first = Parsed::wait(&runtime, fetched)?;
                let stored = store_run(
                    &runtime,
                    &store,
                    &blobs,
                    &target,
                    first,
                    &mut batches,
                    &mut next,
                )?;
                totals.0 += stored.0;
                totals.1 += stored.1;
            }
            Ok(totals)
        });
        let nothing_known = !self
            .store
            .read(|c| db::account_has_messages(c, folder.account_id))?;
        let mut failed = None;
        let mut size = options.batch_size.max(1);
        let mut rest = uids;
        while !rest.is_empty() {
            let (batch, after) = rest.split_at(size.min(rest.len()));
            rest = after;
            let next = next_cursor(&cursor, batch);
            match self
                .fetch_batch(session, folder, batch, ext, next.clone(), nothing_known)
                .await
            {
                Ok(fetched) => {
                    // Only new messages are downloaded whole; a batch of known ones says
                    // nothing about sizes.
                    if fetched.count > 0 {
                        size =
                            next_batch_size(fetched.count, fetched.bytes, options.max_batch_size);
                    }
                    if to_writer.send(fetched).await.is_err() {
                        // The writer stopped on an error, which it returns below.
                        break;
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            cursor = next;
        }
        drop(to_writer);
        let stored = writer
            .await
            .map_err(|e| Error::internal(format!("Storing fetched mail failed: {e}")))??;
        match failed {
            Some(e) => Err(e),
            None => Ok((stored, cursor)),
        }
    }
}

/// A fetched batch on its way to the store.
struct Fetched {
    /// Messages we already had, with their id.
    known: Vec<(HeaderSummary, i64)>,
    /// The new messages, parsed and their bytes written (see `ingest::prepare`).
    parsing: tokio::task::JoinHandle<(Vec<mailbox::FetchedMessage>, Result<Vec<Prepared>>)>,
    /// How many messages were downloaded, and their bytes.
    count: usize,
    bytes: usize,
    /// The folder's cursor once this batch is stored.
    next: Cursor,
    /// When it was fetched (RFC 3339).
    now: String,
}

/// A fetched batch whose parse is done.
struct Parsed {
    known: Vec<(HeaderSummary, i64)>,
    parsed: (Vec<mailbox::FetchedMessage>, Result<Vec<Prepared>>),
    next: Cursor,
    now: String,
}

impl Parsed {
    /// `fetched` once its parse is done.
    fn wait(runtime: &tokio::runtime::Handle, fetched: Fetched) -> Result<Self> {
        let parsed = runtime
            .block_on(fetched.parsing)
            .map_err(|e| Error::internal(format!("Parsing fetched mail failed: {e}")))?;
        Ok(Self {
            known: fetched.known,
            parsed,
            next: fetched.next,
            now: fetched.now,
        })
    }
}

/// The most messages one transaction of a sync stores, over several batches.
const RUN_MESSAGES: usize = 4000;
/// How long one transaction of a sync may stay open taking more batches.
const RUN_TIME: Duration = Duration::from_millis(400);

/// Stores `first`, and after it the batches already fetched and parsed (at most
/// [`RUN_MESSAGES`] messages, for at most [`RUN_TIME`]), in one transaction with the
/// folder's cursor after the last of them. Fewer, bigger commits rewrite the pages of the
/// Message-ID indexes (written at random places) fewer times; a batch still on its way ends
/// the run rather than keep the transaction open, and is left in `next`. Returns (new
/// messages, new locations of known messages). Runs on a blocking thread.
fn store_run(
    runtime: &tokio::runtime::Handle,
    store: &orbit_store::Store,
    blobs: &orbit_store::BlobStore,
    folder: &FolderRow,
    first: Parsed,
    batches: &mut tokio::sync::mpsc::Receiver<Fetched>,
    next: &mut Option<Fetched>,
) -> Result<(usize, usize)> {
    let started = std::time::Instant::now();
    let mut batch = blobs.batch();
    store.write(|tx| -> Result<(usize, usize)> {
        let mut totals = (0, 0);
        let mut stored_messages = 0;
        let mut current = first;
        loop {
            stored_messages += current.parsed.0.len() + current.known.len();
            let stored = store_parsed(tx, &mut batch, folder, current)?;
            totals.0 += stored.0;
            totals.1 += stored.1;
            if stored_messages >= RUN_MESSAGES || started.elapsed() >= RUN_TIME {
                break;
            }
            // Only a batch that is here and parsed joins the run.
            let Ok(fetched) = batches.try_recv() else {
                break;
            };
            if !fetched.parsing.is_finished() {
                *next = Some(fetched);
                break;
            }
            current = Parsed::wait(runtime, fetched)?;
        }
        // Bytes `prepare` did not write (rare) reach the disk before the run commits.
        std::mem::replace(&mut batch, blobs.batch())
            .sync()
            .map_err(|e| Error::internal(format!("Cannot write to the blob store: {e}")))?;
        Ok(totals)
    })
}

/// Stores one parsed batch and moves the folder's cursor past it, inside the caller's
/// transaction. Returns (new messages, new locations of known messages).
fn store_parsed(
    tx: &rusqlite::Transaction<'_>,
    batch: &mut orbit_store::BlobBatch<'_>,
    folder: &FolderRow,
    parsed: Parsed,
) -> Result<(usize, usize)> {
    let Parsed {
        known,
        parsed: (items, prepared),
        next,
        now,
    } = parsed;
    let prepared = prepared?;
    let mut new = 0;
    let mut located = known.len();
    for (summary, message) in &known {
        db::put_location(
            tx,
            *message,
            folder.id,
            summary.uid,
            summary.modseq.unwrap_or(0),
            0,
            &Flags::from_imap(&summary.flags),
        )?;
    }
    for (message, prepared) in items.iter().zip(&prepared) {
        let stored = ingest::store(
            tx,
            batch,
            &Incoming {
                account_id: folder.account_id,
                folder_id: folder.id,
                uid: message.uid,
                modseq: message.modseq.unwrap_or(0),
                flags: Flags::from_imap(&message.flags),
                internal_date: message.internal_date,
                raw: &message.raw,
                prepared,
            },
            &now,
        )?;
        match stored {
            Stored::New(_) => new += 1,
            Stored::Known(_) => located += 1,
        }
    }
    // Messages expunged between the listing and the fetch are simply absent: the cursor
    // still moves past them, as they no longer exist.
    db::set_cursor(tx, folder.id, &next)?;
    Ok((new, located))
}

fn network(err: orbit_net::NetError) -> Error {
    Error::new(crate::ErrorCode::Network, err.to_string())
}

/// An IMAP date (`1-Jan-2026`) `days` ago.
fn since(days: u32) -> String {
    let at = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    at.format("%-d-%b-%Y").to_string()
}

/// How long one IDLE lasts before it is renewed (servers may drop it after 30 minutes).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);

/// The longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

impl Orbit {
    /// Keeps an account in sync until `stop` turns true: a full sync, then IDLE on the inbox,
    /// and again whenever the server reports a change (or the IDLE is renewed). Failures are
    /// logged and retried with exponential backoff (1 s doubling to 5 min); this never gives
    /// up on its own. `on_sync` sees every report.
    pub async fn watch_account(
        &self,
        id: AccountId,
        options: &SyncOptions,
        mut stop: tokio::sync::watch::Receiver<bool>,
        kick: Option<std::sync::Arc<tokio::sync::Notify>>,
        mut on_sync: impl FnMut(&SyncReport),
    ) -> Result<()> {
        let mut backoff = Duration::from_secs(1);
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            match self
                .watch_connection(
                    id,
                    options,
                    &mut stop,
                    kick.as_deref(),
                    &mut on_sync,
                    &mut backoff,
                )
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) if e.code() != crate::ErrorCode::Network => {
                    tracing::warn!(error = %e, "sync failed; retrying in {:?}", backoff);
                }
                Err(e) => {
                    tracing::info!(error = %e, "connection lost; reconnecting in {:?}", backoff)
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                _ = stop.changed() => return Ok(()),
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    async fn watch_connection(
        &self,
        id: AccountId,
        options: &SyncOptions,
        stop: &mut tokio::sync::watch::Receiver<bool>,
        kick: Option<&tokio::sync::Notify>,
        on_sync: &mut impl FnMut(&SyncReport),
        backoff: &mut Duration,
    ) -> Result<()> {
        let (mut session, caps) = self.imap_session(id).await?;
        let qresync = mailbox::enable_qresync(&mut session, &caps)
            .await
            .map_err(network)?;
        let can_idle = caps.iter().any(|c| c == "IDLE");
        let ext = Extensions {
            qresync,
            condstore: qresync || caps.iter().any(|c| c == "CONDSTORE"),
            caps,
        };
        // Set when the inbox had moved on between the sync and IDLE: synced once more at once.
        let mut caught_gap = false;
        loop {
            let report = self.sync_session(id, &mut session, &ext, options).await?;
            *backoff = Duration::from_secs(1);
            on_sync(&report);
            if !report.errors.is_empty() && report.folders == 0 {
                return Err(Error::new(
                    crate::ErrorCode::Network,
                    report.errors.join("; "),
                ));
            }
            let inbox = self
                .store
                .read(|c| db::folders(c, id.0))?
                .into_iter()
                .find(|f| f.role == "inbox");
            // IDLE ends when the user stops the watcher, or when a local change wants to be sent
            // now (a kick); after a kick the loop syncs at once.
            let stopped = async {
                let mut rx = stop.clone();
                let wait_stop = async {
                    while !*rx.borrow() {
                        if rx.changed().await.is_err() {
                            break;
                        }
                    }
                };
                match kick {
                    Some(kick) => tokio::select! {
                        () = wait_stop => {}
                        () = kick.notified() => {}
                    },
                    None => wait_stop.await,
                }
            };
            match (can_idle, inbox) {
                (true, Some(inbox)) => {
                    let selected = mailbox::select(&mut session, &inbox.name, None, false)
                        .await
                        .map_err(network)?;
                    // Mail that arrived after the sync and before IDLE is announced by nothing
                    // IDLE would see: the inbox's state says so, and the loop syncs again first
                    // (once; a server whose counters never settle still gets its IDLE).
                    let moved_on = (selected.uidnext != 0
                        && selected.uidnext > inbox.cursor.uidnext)
                        || (inbox.cursor.uidvalidity != 0
                            && selected.uidvalidity != inbox.cursor.uidvalidity)
                        || selected.highestmodseq.is_some_and(|m| {
                            inbox.cursor.highestmodseq > 0 && m > inbox.cursor.highestmodseq
                        });
                    if moved_on && !caught_gap {
                        caught_gap = true;
                        continue;
                    }
                    caught_gap = false;
                    let (back, outcome) = mailbox::idle(session, IDLE_RENEW, stopped)
                        .await
                        .map_err(network)?;
                    session = back;
                    if outcome == mailbox::IdleOutcome::Stopped && *stop.borrow() {
                        let _ =
                            tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
                        return Ok(());
                    }
                }
                _ => {
                    // No IDLE: poll every two minutes.
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(120)) => {}
                        () = stopped => {
                            if *stop.borrow() {
                                let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
                                return Ok(());
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{OpenOptions, SystemClock};

    fn open(dir: &std::path::Path) -> Orbit {
        Orbit::open(OpenOptions::for_test(dir, Arc::new(SystemClock))).unwrap()
    }

    /// A folder with messages at UIDs 1..=3 and a cursor at HIGHESTMODSEQ 10.
    fn folder_with_mail(orbit: &Orbit) -> FolderRow {
        let account = orbit.local_account().unwrap();
        let folder_id = orbit
            .store
            .write(|tx| -> Result<i64> {
                let id = db::upsert_folder(tx, account, "INBOX", "/", "inbox", true)?;
                db::set_cursor(
                    tx,
                    id,
                    &Cursor {
                        uidvalidity: 5,
                        uidnext: 4,
                        highestmodseq: 10,
                        last_uid: 3,
                        low_uid: 1,
                        backfill_done: true,
                        synced_at: String::new(),
                    },
                )?;
                let blobs = orbit.blobs();
                let mut batch = blobs.batch();
                for uid in 1..=3u32 {
                    let raw = format!(
                        "Message-ID: <v{uid}@example.com>\r\nSubject: {uid}\r\n\r\nbody\r\n"
                    );
                    ingest::store(
                        tx,
                        &mut batch,
                        &Incoming {
                            account_id: account,
                            folder_id: id,
                            uid,
                            modseq: 10,
                            flags: Flags::default(),
                            internal_date: None,
                            raw: raw.as_bytes(),
                            prepared: &ingest::Prepared::unwritten(
                                raw.as_bytes(),
                                orbit_mail::parse(raw.as_bytes()),
                            ),
                        },
                        "2026-11-26T00:00:00.000Z",
                    )?;
                }
                Ok(id)
            })
            .unwrap();
        orbit
            .store
            .read(|c| db::folder(c, folder_id))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn batches_already_parsed_join_one_commit_and_one_still_parsing_waits() {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        let folder = folder_with_mail(&orbit);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let batch = |uids: std::ops::RangeInclusive<u32>,
                     gate: Option<std::sync::mpsc::Receiver<()>>| {
            let items: Vec<mailbox::FetchedMessage> = uids
                .clone()
                .map(|uid| mailbox::FetchedMessage {
                    uid,
                    flags: Vec::new(),
                    modseq: Some(11),
                    internal_date: None,
                    raw: format!(
                        "Message-ID: <run{uid}@example.com>\r\nSubject: {uid}\r\n\r\nbody\r\n"
                    )
                    .into_bytes(),
                })
                .collect();
            let parsing = runtime.spawn_blocking(move || {
                if let Some(gate) = gate {
                    let _ = gate.recv();
                }
                let prepared = items
                    .iter()
                    .map(|m| Prepared::unwritten(&m.raw, orbit_mail::parse(&m.raw)))
                    .collect();
                (items, Ok(prepared))
            });
            Fetched {
                known: Vec::new(),
                parsing,
                count: 2,
                bytes: 0,
                next: Cursor {
                    last_uid: *uids.end(),
                    ..folder.cursor.clone()
                },
                now: "2026-11-27T00:00:00.000Z".into(),
            }
        };
        let (release, gate) = std::sync::mpsc::channel();
        let (first, second, third, waiting) = (
            batch(4..=5, None),
            batch(6..=7, None),
            batch(8..=9, None),
            batch(10..=11, Some(gate)),
        );
        while ![&first, &second, &third]
            .iter()
            .all(|b| b.parsing.is_finished())
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        let (to_writer, mut batches) = tokio::sync::mpsc::channel(8);
        for b in [second, third, waiting] {
            to_writer.try_send(b).unwrap();
        }
        let first = Parsed::wait(runtime.handle(), first).unwrap();
        let blobs = orbit.blobs();
        let mut next = None;
        let stored = store_run(
            runtime.handle(),
            &orbit.store,
            &blobs,
            &folder,
            first,
            &mut batches,
            &mut next,
        )
        .unwrap();
        // The three parsed batches went in together, with the cursor after the last one.
        assert_eq!(stored, (6, 0));
        let cursor = orbit
            .store
            .read(|c| db::folder(c, folder.id))
            .unwrap()
            .unwrap()
            .cursor;
        assert_eq!(cursor.last_uid, 9);
        // The one still being parsed ended the run and waits for the next.
        let waiting = next.expect("the batch still parsing is kept for the next run");
        assert_eq!(waiting.next.last_uid, 11);
        release.send(()).unwrap();
        drop(runtime.block_on(waiting.parsing));
    }

    #[test]
    fn later_batches_are_sized_to_the_mail_they_bring() {
        // Small mail: as many as allowed (fewer commits).
        assert_eq!(next_batch_size(200, 200 * 4_000, 1000), 1000);
        assert_eq!(next_batch_size(200, 200 * 28_000, 1000), 599);
        // Big mail: about 16 MiB per batch.
        assert_eq!(next_batch_size(200, 200 * 1024 * 1024, 1000), 16);
        // Huge mail: one at a time.
        assert_eq!(next_batch_size(3, 3 * 100 * 1024 * 1024, 1000), 1);
        assert_eq!(next_batch_size(3, 3 * 20 * 1024 * 1024, 1000), 1);
        // A fixed size is a ceiling.
        assert_eq!(next_batch_size(10, 10 * 500, 10), 10);
        // Nothing downloaded (never asked): no division by zero.
        assert_eq!(next_batch_size(0, 0, 1000), 1000);
    }

    #[test]
    fn vanished_is_applied_before_highestmodseq_advances() {
        let dir = tempfile::tempdir().unwrap();
        let orbit = open(dir.path());
        let folder = folder_with_mail(&orbit);
        // Make applying the VANISHED set fail half-way (as a crash or a full disk would).
        // TEMP triggers are per connection: install it on the writer itself.
        orbit
            .store
            .write(|tx| -> Result<()> {
                tx.execute_batch(
                    "CREATE TEMP TRIGGER fail_delete BEFORE DELETE ON main.message_locations
                     WHEN old.uid = 3 BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;",
                )
                .map_err(|e| Error::internal(e.to_string()))
            })
            .unwrap();
        let mut cursor = folder.cursor.clone();
        let mut report = SyncReport::default();
        let result = orbit.apply_refresh(&folder, &mut cursor, &[2, 3], &[], 20, &mut report);
        assert!(result.is_err(), "applying the VANISHED set failed");
        let stored = orbit
            .store
            .read(|c| db::folder(c, folder.id))
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.cursor.highestmodseq, 10,
            "HIGHESTMODSEQ did not advance past expunges that were not applied"
        );
        assert_eq!(
            orbit
                .store
                .read(|c| db::locations(c, folder.id))
                .unwrap()
                .len(),
            3,
            "and nothing was half-removed"
        );
        assert_eq!(
            cursor.highestmodseq, 10,
            "the in-memory cursor did not advance either"
        );

        // Once applying works, both land together.
        orbit
            .store
            .write(|tx| -> Result<()> {
                tx.execute_batch("DROP TRIGGER temp.fail_delete")
                    .map_err(|e| Error::internal(e.to_string()))
            })
            .unwrap();
        orbit
            .apply_refresh(&folder, &mut cursor, &[2, 3], &[], 20, &mut report)
            .unwrap();
        let stored = orbit
            .store
            .read(|c| db::folder(c, folder.id))
            .unwrap()
            .unwrap();
        assert_eq!(stored.cursor.highestmodseq, 20);
        assert_eq!(
            orbit
                .store
                .read(|c| db::locations(c, folder.id))
                .unwrap()
                .len(),
            1
        );
    }
}
