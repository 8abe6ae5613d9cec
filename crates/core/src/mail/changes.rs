//! The user's mail changes: read/unread, flag, archive, move and delete are applied to the
//! store at once (the UI never waits on the network), written to the activity log, and queued;
//! the sync engine sends the queue to the server before it reads the server.

use orbit_imap::Session;
use orbit_imap::mailbox;
use orbit_store::mail::{self as db, NewChange};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

/// A flag the user sets or clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailFlag {
    /// Read.
    Seen,
    /// Starred.
    Flagged,
}

impl MailFlag {
    fn imap(self) -> &'static str {
        match self {
            MailFlag::Seen => "\\Seen",
            MailFlag::Flagged => "\\Flagged",
        }
    }
}

impl std::str::FromStr for MailFlag {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "seen" | "read" => Ok(MailFlag::Seen),
            "flagged" | "star" | "starred" => Ok(MailFlag::Flagged),
            other => Err(Error::invalid(format!(
                "Unknown flag {other:?}: use seen or flagged"
            ))),
        }
    }
}

/// What the sync engine did with the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FlushReport {
    /// Changes the server now has.
    pub sent: usize,
    /// Changes dropped because their folder's UIDVALIDITY changed (the UIDs are void).
    pub voided: usize,
    /// Flag changes the server had changed meanwhile; both sides were kept.
    pub conflicts: usize,
}

impl Orbit {
    fn account_of(&self, message: i64) -> Result<i64> {
        self.store
            .read(|c| db::message(c, message))?
            .map(|m| m.account_id)
            .ok_or_else(|| Error::not_found(format!("There is no message {message}")))
    }

    /// Sets or clears a flag on messages, everywhere they are.
    pub fn mail_set_flags(
        &self,
        ids: &[i64],
        flag: MailFlag,
        on: bool,
        actor: Actor,
    ) -> Result<()> {
        let now = self.now_stamp();
        let mut accounts = Vec::new();
        let activity = self.store.write(|tx| -> Result<i64> {
            for id in ids {
                let account_id = self.account_of(*id)?;
                accounts.push(account_id);
                for (location, folder_id, uid, modseq, _) in db::locations_of(tx, *id)? {
                    db::set_location_flag(tx, location, flag.imap(), on)?;
                    let Some(folder) = db::folder(tx, folder_id)? else {
                        continue;
                    };
                    if uid == 0 {
                        continue; // not on the server yet (a pending move): its move carries it
                    }
                    db::queue_change(
                        tx,
                        &NewChange {
                            account_id,
                            kind: "flag",
                            folder_id,
                            uid,
                            uidvalidity: folder.cursor.uidvalidity,
                            flag: flag.imap(),
                            value: on,
                            dest_folder_id: 0,
                            modseq,
                            created_at: &now,
                        },
                    )?;
                }
            }
            let (action, verb) = match (flag, on) {
                (MailFlag::Seen, true) => ("mail.read", "Marked as read"),
                (MailFlag::Seen, false) => ("mail.unread", "Marked as unread"),
                (MailFlag::Flagged, true) => ("mail.flagged", "Flagged"),
                (MailFlag::Flagged, false) => ("mail.unflagged", "Unflagged"),
            };
            self.record(
                tx,
                &Record {
                    actor,
                    action,
                    target: target(ids),
                    summary: format!("{verb} {}", count(ids.len())),
                    details: json!({ "messages": ids, "flag": flag, "on": on }),
                },
            )
        })?;
        self.changed(activity, &accounts);
        Ok(())
    }

    /// Moves messages to a folder of the same account.
    pub fn mail_move(&self, ids: &[i64], dest_folder_id: i64, actor: Actor) -> Result<()> {
        let dest = self
            .store
            .read(|c| db::folder(c, dest_folder_id))?
            .ok_or_else(|| Error::not_found(format!("There is no folder {dest_folder_id}")))?;
        self.move_to(
            ids,
            &dest,
            actor,
            "mail.moved",
            &format!("Moved {} to {}", count(ids.len()), dest.name),
        )
    }

    /// Moves messages to their account's Archive folder.
    pub fn mail_archive(&self, ids: &[i64], actor: Actor) -> Result<()> {
        let dest = self.role_folder(ids, "archive")?;
        self.move_to(
            ids,
            &dest,
            actor,
            "mail.archived",
            &format!("Archived {}", count(ids.len())),
        )
    }

    /// Moves messages to Trash; messages already in Trash are deleted for good.
    pub fn mail_delete(&self, ids: &[i64], actor: Actor) -> Result<()> {
        let trash = self.role_folder(ids, "trash")?;
        let now = self.now_stamp();
        let mut accounts = Vec::new();
        let activity = self.store.write(|tx| -> Result<i64> {
            let mut from = Vec::new();
            for id in ids {
                let account_id = self.account_of(*id)?;
                accounts.push(account_id);
                for (location, folder_id, uid, modseq, _) in db::locations_of(tx, *id)? {
                    let Some(folder) = db::folder(tx, folder_id)? else {
                        continue;
                    };
                    if folder_id != trash.id {
                        from.push([*id, folder_id]);
                    }
                    if folder_id == trash.id {
                        if uid > 0 {
                            db::queue_change(
                                tx,
                                &change(account_id, "expunge", &folder, uid, modseq, 0, &now),
                            )?;
                        }
                        db::delete_location(tx, location)?;
                    } else if uid > 0 {
                        db::queue_change(
                            tx,
                            &change(account_id, "move", &folder, uid, modseq, trash.id, &now),
                        )?;
                        db::move_location(tx, location, trash.id)?;
                    } else {
                        db::move_location(tx, location, trash.id)?;
                    }
                }
            }
            self.record(
                tx,
                &Record {
                    actor,
                    action: "mail.deleted",
                    target: target(ids),
                    summary: format!("Deleted {}", count(ids.len())),
                    details: json!({ "messages": ids, "trash_folder": trash.id, "from": from }),
                },
            )
        })?;
        self.changed(activity, &accounts);
        Ok(())
    }

    fn role_folder(&self, ids: &[i64], role: &str) -> Result<db::FolderRow> {
        let first = ids
            .first()
            .ok_or_else(|| Error::invalid("No message given"))?;
        let account_id = self.account_of(*first)?;
        self.store
            .read(|c| db::folders(c, account_id))?
            .into_iter()
            .find(|f| f.role == role && f.present)
            .ok_or_else(|| Error::not_found(format!("This account has no {role} folder")))
    }

    fn move_to(
        &self,
        ids: &[i64],
        dest: &db::FolderRow,
        actor: Actor,
        action: &str,
        summary: &str,
    ) -> Result<()> {
        let now = self.now_stamp();
        let mut accounts = Vec::new();
        let activity = self.store.write(|tx| -> Result<i64> {
            // Where each message was, so the move can be undone from the log.
            let mut from = Vec::new();
            for id in ids {
                let account_id = self.account_of(*id)?;
                if account_id != dest.account_id {
                    return Err(Error::invalid("A message can only move within its own account"));
                }
                accounts.push(account_id);
                for (location, folder_id, uid, modseq, _) in db::locations_of(tx, *id)? {
                    if folder_id == dest.id {
                        continue;
                    }
                    from.push([*id, folder_id]);
                    let Some(folder) = db::folder(tx, folder_id)? else { continue };
                    if uid > 0 {
                        db::queue_change(tx, &change(account_id, "move", &folder, uid, modseq, dest.id, &now))?;
                    }
                    db::move_location(tx, location, dest.id)?;
                }
            }
            self.record(
                tx,
                &Record {
                    actor,
                    action,
                    target: target(ids),
                    summary: summary.to_owned(),
                    details: json!({ "messages": ids, "folder": dest.id, "folder_name": dest.name, "from": from }),
                },
            )
        })?;
        self.changed(activity, &accounts);
        Ok(())
    }

    fn changed(&self, activity: i64, accounts: &[i64]) {
        self.emit(Event::ActivityAdded { id: activity });
        let mut accounts = accounts.to_vec();
        accounts.sort_unstable();
        accounts.dedup();
        for account_id in accounts {
            self.emit(Event::MailChanged { account_id });
            self.emit(Event::ChangesQueued { account_id });
        }
    }

    /// How many changes of an account wait for the server.
    pub fn mail_pending(&self, account_id: i64) -> Result<usize> {
        Ok(self.store.read(|c| db::changes(c, account_id))?.len())
    }

    /// Removes a queued change (sent, or void).
    fn drop_change(&self, id: i64) -> Result<()> {
        Ok(self.store.write(|tx| db::delete_change(tx, id))?)
    }

    /// Records a failed attempt to send a queued change.
    fn note_change_failure(&self, id: i64, error: &str) -> Result<()> {
        Ok(self.store.write(|tx| db::change_failed(tx, id, error))?)
    }

    /// Sends the account's queued changes to the server, oldest first. A change whose UIDs
    /// are void (UIDVALIDITY changed) is dropped; a flag change the server changed meanwhile
    /// (UNCHANGEDSINCE failed) is sent again as a plain +FLAGS/-FLAGS, which keeps the server's
    /// other change and adds the user's.
    pub(crate) async fn flush_changes(
        &self,
        account_id: i64,
        session: &mut Session,
        condstore: bool,
        caps: &[String],
    ) -> Result<FlushReport> {
        let mut report = FlushReport::default();
        let queued = self.store.read(|c| db::changes(c, account_id))?;
        let has_move = caps.iter().any(|c| c == "MOVE");
        let has_uidplus = caps.iter().any(|c| c == "UIDPLUS");
        let mut selected: Option<i64> = None;
        // UIDs this flush already changed: their MODSEQ moved because of us, not another client.
        let mut touched: std::collections::BTreeSet<(i64, u32)> = std::collections::BTreeSet::new();
        for change in queued {
            let Some(folder) = self.store.read(|c| db::folder(c, change.folder_id))? else {
                self.drop_change(change.id)?;
                continue;
            };
            if folder.cursor.uidvalidity != change.uidvalidity {
                self.drop_change(change.id)?;
                report.voided += 1;
                continue;
            }
            if selected != Some(folder.id) {
                let now = mailbox::select(session, &folder.name, None, condstore)
                    .await
                    .map_err(net)?;
                if now.uidvalidity != change.uidvalidity {
                    self.drop_change(change.id)?;
                    report.voided += 1;
                    selected = None;
                    continue;
                }
                selected = Some(folder.id);
            }
            let outcome = match change.kind.as_str() {
                "flag" => {
                    let ours = !touched.insert((folder.id, change.uid));
                    let unchanged =
                        (condstore && change.modseq > 0 && !ours).then_some(change.modseq);
                    let modified = mailbox::store_flags(
                        session,
                        &[change.uid],
                        change.value,
                        &[&change.flag],
                        unchanged,
                    )
                    .await
                    .map_err(net)?;
                    if !modified.is_empty() {
                        report.conflicts += 1;
                        mailbox::store_flags(
                            session,
                            &[change.uid],
                            change.value,
                            &[&change.flag],
                            None,
                        )
                        .await
                        .map_err(net)?;
                    }
                    Ok(())
                }
                "move" => {
                    let dest = self.store.read(|c| db::folder(c, change.dest_folder_id))?;
                    match dest {
                        Some(dest) => {
                            mailbox::move_messages(
                                session,
                                &[change.uid],
                                &dest.name,
                                has_move,
                                has_uidplus,
                            )
                            .await
                        }
                        None => Ok(()),
                    }
                }
                "expunge" => mailbox::expunge_messages(session, &[change.uid], has_uidplus).await,
                _ => Ok(()),
            };
            match outcome {
                Ok(()) => {
                    self.drop_change(change.id)?;
                    report.sent += 1;
                }
                Err(e) if e.kind() == orbit_net::FailureKind::Protocol && change.attempts >= 4 => {
                    // The server keeps refusing it: stop retrying, and say so in the log.
                    tracing::warn!(change = change.id, error = %e, "dropping a change the server refuses");
                    let activity = self.store.write(|tx| -> Result<i64> {
                        db::delete_change(tx, change.id)?;
                        self.record(
                            tx,
                            &Record {
                                actor: Actor::Sync,
                                action: "mail.change_refused",
                                target: format!("folder:{}", folder.id),
                                summary: format!("The server refused a change ({}) in {}", change.kind, folder.name),
                                details: json!({ "kind": change.kind, "uid": change.uid, "error": e.to_string() }),
                            },
                        )
                    })?;
                    self.emit(Event::ActivityAdded { id: activity });
                }
                Err(e) if e.kind() == orbit_net::FailureKind::Protocol => {
                    self.note_change_failure(change.id, &e.to_string())?;
                }
                Err(e) => {
                    self.note_change_failure(change.id, &e.to_string())?;
                    return Err(net(e));
                }
            }
        }
        Ok(report)
    }
}

fn change<'a>(
    account_id: i64,
    kind: &'a str,
    folder: &db::FolderRow,
    uid: u32,
    modseq: u64,
    dest_folder_id: i64,
    now: &'a str,
) -> NewChange<'a> {
    NewChange {
        account_id,
        kind,
        folder_id: folder.id,
        uid,
        uidvalidity: folder.cursor.uidvalidity,
        flag: "",
        value: false,
        dest_folder_id,
        modseq,
        created_at: now,
    }
}

fn target(ids: &[i64]) -> String {
    match ids {
        [one] => format!("message:{one}"),
        _ => String::new(),
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 message".to_owned()
    } else {
        format!("{n} messages")
    }
}

fn net(err: orbit_net::NetError) -> Error {
    Error::new(crate::ErrorCode::Network, err.to_string())
}
