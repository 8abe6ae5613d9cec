//! Calendars: CalDAV sync into the store (plan, then execute, as for mail) and the
//! occurrences of the stored events in a range.
//!
//! Per calendar: with a sync token, only what changed since (RFC 6578); a token the server
//! refuses means a clean full re-sync; a server that refuses sync-collection is synced by
//! comparing ETags. Changed items are fetched with multiget and stored as the server sent
//! them; an item that cannot be read is kept and reported, and the sync goes on. Each
//! calendar's items and its token are written in one transaction.

mod edit;
mod free;
mod invite;
mod reminders;
mod tell;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use orbit_dav::{CalendarServer, Changes, DavConfig, Listed};
use orbit_store::calendar as db;
use serde::Serialize;

use crate::activity::{Actor, Record};
use crate::{AccountId, Error, ErrorCode, Event, Orbit, Result};

pub use edit::EventDraft;
pub(crate) use edit::{new_uid, remove_item};
pub use free::free_slots;
pub use invite::{InvitationOutcome, InvitationView};
pub use orbit_cal::Scope;
pub use reminders::{Reminder, local_zone};
pub use tell::{Invited, Told};

impl std::fmt::Debug for ParsedItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParsedItems")
    }
}

/// Parsed calendar items by id, with the version they were parsed at: the calendar view
/// expands the same objects again and again, and parsing is most of the cost.
#[derive(Default)]
pub(crate) struct ParsedItems {
    #[allow(clippy::type_complexity)]
    items: std::sync::Mutex<HashMap<i64, (i64, Arc<orbit_cal::CalendarObject>)>>,
    /// The last answer and the store's fingerprint when it was made.
    #[allow(clippy::type_complexity)]
    last: std::sync::Mutex<Option<(String, Vec<(i64, Arc<orbit_cal::CalendarObject>)>)>>,
}

/// Items fetched per multiget.
const FETCH_BATCH: usize = 100;

/// A calendar as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarView {
    /// Id.
    pub id: i64,
    /// Its account.
    pub account_id: i64,
    /// Display name.
    pub name: String,
    /// Colour, or "" when the server has none.
    pub colour: String,
    /// Items stored.
    pub items: i64,
    /// RFC 3339 of the last complete sync, or "".
    pub synced_at: String,
}

/// What a calendar sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CalendarSyncReport {
    /// The account.
    pub account_id: i64,
    /// Calendars synced.
    pub calendars: usize,
    /// Items stored new or changed.
    pub changed: usize,
    /// Items removed.
    pub removed: usize,
    /// Calendars synced again from scratch (their token was refused).
    pub full_resyncs: usize,
    /// Items kept but unreadable: `href: why`.
    pub unreadable: Vec<String>,
    /// Local changes that reached the server.
    pub pushed: usize,
    /// Local changes that met a change made elsewhere (both sides kept).
    pub conflicts: usize,
    /// How long it took, from the first request to the last write.
    pub elapsed_ms: u64,
}

/// What an import added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarImport {
    /// The calendar.
    pub calendar_id: i64,
    /// The UID of the event added.
    pub uid: String,
    /// Its resource.
    pub href: String,
}

/// An occurrence as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OccurrenceView {
    /// The calendar.
    pub calendar_id: i64,
    /// The event's UID.
    pub uid: String,
    /// Its summary.
    pub summary: String,
    /// RFC 3339 UTC, or `YYYY-MM-DD` all day.
    pub start: String,
    /// The same (exclusive end for all-day).
    pub end: String,
    /// A whole-day event.
    pub all_day: bool,
    /// This occurrence was changed on its own.
    pub is_override: bool,
    /// From a recurring event.
    pub recurring: bool,
    /// Which occurrence of a recurring event this is (pass it back to move or delete just it);
    /// `None` for a single event.
    pub recurrence_id: Option<String>,
    /// Where.
    pub location: String,
    /// Other people are invited.
    pub invited: bool,
    /// When its reminders are due (RFC 3339 UTC).
    pub alarms: Vec<String>,
}

/// What to do with one calendar, from the local ETags and the server's listing of everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemPlan {
    /// New or changed on the server: fetch.
    pub fetch: Vec<String>,
    /// No longer on the server: remove.
    pub remove: Vec<String>,
}

/// Plans a full comparison (no sync token): fetch what is new or has another ETag, remove what
/// the server no longer lists. `remote` must be a complete listing.
pub fn plan_full(local: &[(String, String)], remote: &[Listed]) -> ItemPlan {
    let known: HashMap<&str, &str> = local
        .iter()
        .map(|(h, e)| (h.as_str(), e.as_str()))
        .collect();
    let listed: HashSet<&str> = remote.iter().map(|l| l.href.as_str()).collect();
    ItemPlan {
        fetch: remote
            .iter()
            .filter(|l| {
                known.get(l.href.as_str()) != Some(&l.etag.as_deref().unwrap_or(""))
                    || l.etag.is_none()
            })
            .map(|l| l.href.clone())
            .collect(),
        remove: local
            .iter()
            .filter(|(h, _)| !listed.contains(h.as_str()))
            .map(|(h, _)| h.clone())
            .collect(),
    }
}

/// Plans a delta (a sync token was accepted): fetch what changed unless the stored copy is
/// already at that ETag, remove what was deleted.
pub fn plan_delta(local: &[(String, String)], changed: &[Listed], deleted: &[String]) -> ItemPlan {
    let known: HashMap<&str, &str> = local
        .iter()
        .map(|(h, e)| (h.as_str(), e.as_str()))
        .collect();
    ItemPlan {
        fetch: changed
            .iter()
            .filter(|l| {
                l.etag.is_none()
                    || known.get(l.href.as_str()) != Some(&l.etag.as_deref().unwrap_or(""))
            })
            .map(|l| l.href.clone())
            .collect(),
        remove: deleted
            .iter()
            .filter(|h| known.contains_key(h.as_str()))
            .cloned()
            .collect(),
    }
}

/// A copy of an edited event under a new UID, kept when the server's version changed too.
fn conflict_copy(ics: &str) -> (String, String) {
    let new_uid = format!("{}-conflict", uuid::Uuid::new_v4());
    let mut out = String::with_capacity(ics.len() + 40);
    for line in ics.split_inclusive('\n') {
        if line.starts_with("UID:") {
            out.push_str(&format!("UID:{new_uid}\r\n"));
        } else if let Some(rest) = line.strip_prefix("SUMMARY:") {
            out.push_str(&format!("SUMMARY:{} (edited here)\r\n", rest.trim_end()));
        } else {
            out.push_str(line);
        }
    }
    (new_uid, out)
}

fn network(e: orbit_net::NetError) -> Error {
    Error::new(ErrorCode::Network, e.to_string())
}

impl Orbit {
    fn dav_server(&self, id: AccountId) -> Result<CalendarServer> {
        let row = self.account_row(id)?;
        let url = row.fields.caldav_url.clone().ok_or_else(|| {
            Error::invalid(format!("Account {} has no CalDAV server", row.fields.name))
        })?;
        CalendarServer::new(&DavConfig {
            url,
            username: row.fields.username.clone(),
            password: self.account_password(id)?,
            timeout: self.net_timeout,
        })
        .map_err(network)
    }

    /// Every calendar stored.
    pub fn calendar_list(&self) -> Result<Vec<CalendarView>> {
        Ok(self
            .store
            .read(|c| db::calendars(c, None))?
            .into_iter()
            .filter(|c| c.present)
            .map(|c| CalendarView {
                id: c.id,
                account_id: c.account_id,
                name: c.name,
                colour: c.colour,
                items: c.items,
                synced_at: c.synced_at,
            })
            .collect())
    }

    /// Syncs every calendar of an account with its CalDAV server.
    pub async fn calendar_sync(&self, id: AccountId) -> Result<CalendarSyncReport> {
        // A sync asked for while another runs waits for it, then looks again (it may bring
        // what the other's listing was too early for).
        let _one_at_a_time = self.calendar_sync.lock().await;
        let mut server = self.dav_server(id)?;
        let started = std::time::Instant::now();
        // The home set found last time, kept with the server URL it was found on (a whole URL
        // when that server's /.well-known/caldav sent discovery to another one).
        let home_key = format!("caldav.home.{}", id.0);
        let url = self.account_row(id)?.fields.caldav_url.unwrap_or_default();
        let known_home = self
            .store
            .read(|c| orbit_store::settings::get(c, &home_key))?
            .and_then(|v| v.strip_prefix(&format!("{url}\n")).map(str::to_owned));
        let (home, remote) = server
            .calendars_at(known_home.as_deref())
            .await
            .map_err(network)?;
        let mut report = CalendarSyncReport {
            account_id: id.0,
            ..CalendarSyncReport::default()
        };
        let now = self.now_stamp();
        let ids = self.store.write(|tx| -> Result<Vec<i64>> {
            let mut ids = Vec::new();
            for c in &remote {
                ids.push(db::upsert_calendar(
                    tx,
                    id.0,
                    &c.href,
                    c.name.as_deref().unwrap_or(""),
                    c.colour.as_deref().unwrap_or(""),
                )?);
            }
            // The listing succeeded: calendars it lacks are gone (their items stay, hidden).
            db::mark_absent(tx, id.0, &ids)?;
            if known_home.as_deref() != Some(home.as_str()) {
                orbit_store::settings::set(tx, &home_key, &format!("{url}\n{home}"), &now)?;
            }
            Ok(ids)
        })?;
        for calendar_id in ids {
            self.sync_calendar(&server, calendar_id, &mut report)
                .await?;
            report.calendars += 1;
        }
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let summary = format!(
            "Synced calendars: {} changed, {} removed{}",
            report.changed,
            report.removed,
            if report.unreadable.is_empty() {
                String::new()
            } else {
                format!(", {} unreadable kept", report.unreadable.len())
            }
        );
        let activity = self.store.write(|tx| {
            self.record(
                tx,
                &Record {
                    actor: Actor::Sync,
                    action: "calendar.synced",
                    target: format!("account:{}", id.0),
                    summary,
                    details: serde_json::to_value(&report).unwrap_or_default(),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::CalendarChanged);
        Ok(report)
    }

    /// Adds an event (an iCalendar text holding one UID) to a calendar: stored at once, sent
    /// to the server at the next sync.
    pub fn calendar_import(&self, calendar_id: i64, text: &str) -> Result<CalendarImport> {
        self.calendar_add_text(calendar_id, text, Actor::User)
    }

    pub(crate) fn calendar_add_text(
        &self,
        calendar_id: i64,
        text: &str,
        actor: Actor,
    ) -> Result<CalendarImport> {
        let object = orbit_cal::parse(text).map_err(|e| Error::invalid(e.message))?;
        let title = object
            .events
            .first()
            .map_or(String::new(), |e| e.summary.clone());
        let calendar = self
            .store
            .read(|c| db::calendar(c, calendar_id))?
            .filter(|c| c.present)
            .ok_or_else(|| Error::not_found(format!("There is no calendar {calendar_id}")))?;
        self.calendar_store_text(
            calendar_id,
            text,
            actor,
            "calendar.event_added",
            format!("Added “{title}” to {}", calendar.name),
        )
    }

    /// Stores a new item (one UID) with its queued creation and its activity entry.
    pub(crate) fn calendar_store_new(
        &self,
        calendar_id: i64,
        uid: &str,
        text: &str,
        actor: Actor,
        action: &'static str,
        summary: String,
    ) -> Result<CalendarImport> {
        let added = self.calendar_store_text(calendar_id, text, actor, action, summary)?;
        if added.uid != uid {
            return Err(Error::internal("the stored item has another UID"));
        }
        Ok(added)
    }

    fn calendar_store_text(
        &self,
        calendar_id: i64,
        text: &str,
        actor: Actor,
        action: &'static str,
        summary: String,
    ) -> Result<CalendarImport> {
        let object = orbit_cal::parse(text).map_err(|e| Error::invalid(e.message))?;
        let mut uids: Vec<&str> = object.events.iter().map(|e| e.uid.as_str()).collect();
        uids.sort_unstable();
        uids.dedup();
        let uid = match uids.as_slice() {
            [one] if !one.is_empty() => (*one).to_owned(),
            [] | [_] => {
                return Err(Error::invalid(
                    "The calendar data holds no event with a UID",
                ));
            }
            many => {
                return Err(Error::invalid(format!(
                    "The calendar data holds {} events; import them one file at a time",
                    many.len()
                )));
            }
        };
        let calendar = self
            .store
            .read(|c| db::calendar(c, calendar_id))?
            .filter(|c| c.present)
            .ok_or_else(|| Error::not_found(format!("There is no calendar {calendar_id}")))?;
        if self.store.read(|c| db::item_by_uid(c, &uid))?.is_some() {
            return Err(Error::invalid(format!(
                "An event with UID {uid} is already there"
            )));
        }
        let href = format!(
            "{}/{}.ics",
            calendar.href.trim_end_matches('/'),
            uuid::Uuid::new_v4()
        );
        let ics = object.to_ics();
        let now = self.now_stamp();
        let activity = self.store.write(|tx| -> Result<i64> {
            db::upsert_item(
                tx,
                calendar_id,
                &db::NewItem {
                    href: &href,
                    etag: "",
                    uid: &uid,
                    ics: &ics,
                    parse_error: "",
                },
                &now,
            )?;
            db::queue_change(tx, calendar_id, &href, "create", &ics, "", &now)?;
            self.record(
                tx,
                &Record {
                    actor,
                    action,
                    target: format!("calendar:{calendar_id}"),
                    summary,
                    details: serde_json::json!({ "uid": uid }),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::CalendarChanged);
        self.emit(Event::CalendarQueued);
        Ok(CalendarImport {
            calendar_id,
            uid,
            href,
        })
    }

    /// `(calendar id, href, etag)` of the event with `uid`.
    fn calendar_item(&self, uid: &str) -> Result<(i64, String, String)> {
        self.store
            .read(|c| db::item_by_uid(c, uid))?
            .map(|(calendar_id, href, etag, _)| (calendar_id, href, etag))
            .ok_or_else(|| Error::not_found(format!("There is no event with UID {uid}")))
    }

    /// Replaces an event (by UID) with new iCalendar text: at once here, at the next sync on
    /// the server (only if nobody changed it there meanwhile; otherwise both are kept).
    pub fn calendar_replace(&self, uid: &str, text: &str) -> Result<()> {
        let object = orbit_cal::parse(text).map_err(|e| Error::invalid(e.message))?;
        let title = object
            .events
            .first()
            .map_or(String::new(), |e| e.summary.clone());
        self.calendar_replace_as(
            uid,
            text,
            Actor::User,
            "calendar.event_changed",
            format!("Changed “{title}”"),
            serde_json::json!({ "uid": uid }),
        )
    }

    /// [`Orbit::calendar_replace`] with the actor and the activity entry given.
    pub(crate) fn calendar_replace_as(
        &self,
        uid: &str,
        text: &str,
        actor: Actor,
        action: &'static str,
        summary: String,
        details: serde_json::Value,
    ) -> Result<()> {
        let object = orbit_cal::parse(text).map_err(|e| Error::invalid(e.message))?;
        if !object.events.iter().any(|e| e.uid == uid) {
            return Err(Error::invalid(format!(
                "The new text has no event with UID {uid}"
            )));
        }
        let (calendar_id, href, etag) = self.calendar_item(uid)?;
        self.commit_edit(
            calendar_id,
            &href,
            &etag,
            uid,
            &orbit_cal::Edited {
                object: Some(object),
                split: None,
            },
            None,
            None,
            actor,
            action,
            summary,
            details,
        )
    }

    /// Removes an event (by UID): at once here, at the next sync on the server.
    pub fn calendar_remove(&self, uid: &str) -> Result<()> {
        let (calendar_id, href, etag, farewell) = match self.calendar_object(uid) {
            Ok((calendar_id, href, etag, object)) => {
                (calendar_id, href, etag, self.farewell(&object, uid)?)
            }
            // An item that cannot be read is still removed, unmarked.
            Err(_) => {
                let (calendar_id, href, etag) = self.calendar_item(uid)?;
                (calendar_id, href, etag, None)
            }
        };
        let now = self.now_stamp();
        let activity = self.store.write(|tx| -> Result<i64> {
            remove_item(tx, calendar_id, &href, &etag, farewell.as_deref(), &now)?;
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "calendar.event_removed",
                    target: format!("calendar:{calendar_id}"),
                    summary: "Removed an event".into(),
                    details: serde_json::json!({ "uid": uid }),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::CalendarChanged);
        self.emit(Event::CalendarQueued);
        Ok(())
    }

    /// Sends a calendar's queued changes, in order. A change that meets another made on the
    /// server meanwhile (412) keeps both: an edit is saved as a copy beside the server's
    /// version; a removal leaves the server's newer version in place.
    async fn push_changes(
        &self,
        server: &CalendarServer,
        calendar_id: i64,
        report: &mut CalendarSyncReport,
    ) -> Result<()> {
        let changes = self.store.read(|c| db::changes(c, calendar_id))?;
        for change in changes {
            let written = match change.kind.as_str() {
                "create" => server.create(&change.href, &change.ics).await,
                "update" => server.update(&change.href, &change.ics, &change.etag).await,
                _ if change.ics.is_empty() => server.delete(&change.href, &change.etag).await,
                // An event the user organises: marked first (see `Orbit::farewell`).
                _ => {
                    server
                        .delete_after(&change.href, &change.ics, &change.etag)
                        .await
                }
            }
            .map_err(network)?;
            let now = self.now_stamp();
            match written {
                orbit_dav::Written::Done(etag) => {
                    self.store.write(|tx| -> Result<()> {
                        if let Some(etag) = &etag
                            && change.kind != "delete"
                        {
                            db::set_item_etag(tx, calendar_id, &change.href, etag)?;
                        }
                        db::change_done(tx, change.id)?;
                        Ok(())
                    })?;
                    report.pushed += 1;
                }
                orbit_dav::Written::Conflict => {
                    report.conflicts += 1;
                    let copy = (change.kind == "update").then(|| conflict_copy(&change.ics));
                    let activity = self.store.write(|tx| -> Result<i64> {
                        db::change_done(tx, change.id)?;
                        if let Some((uid, ics)) = &copy {
                            let href = format!(
                                "{}/{}.ics",
                                change
                                    .href
                                    .rsplit_once('/')
                                    .map_or("", |(dir, _)| dir),
                                uuid::Uuid::new_v4()
                            );
                            db::upsert_item(
                                tx,
                                calendar_id,
                                &db::NewItem {
                                    href: &href,
                                    etag: "",
                                    uid,
                                    ics,
                                    parse_error: "",
                                },
                                &now,
                            )?;
                            db::queue_change(tx, calendar_id, &href, "create", ics, "", &now)?;
                        }
                        self.record(
                            tx,
                            &Record {
                                actor: Actor::Sync,
                                action: "calendar.conflict",
                                target: format!("calendar:{calendar_id}"),
                                summary: match change.kind.as_str() {
                                    "update" => "An event changed here and on the server: both versions are kept".into(),
                                    "delete" => "An event removed here was changed on the server: the server's version is kept".into(),
                                    _ => "A new event's place on the server was taken: it was not sent".into(),
                                },
                                details: serde_json::json!({ "href": change.href, "kind": change.kind }),
                            },
                        )
                    })?;
                    self.emit(Event::ActivityAdded { id: activity });
                    if copy.is_some() {
                        // The copy goes up in this same sync.
                        Box::pin(self.push_changes(server, calendar_id, report)).await?;
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }

    async fn sync_calendar(
        &self,
        server: &CalendarServer,
        calendar_id: i64,
        report: &mut CalendarSyncReport,
    ) -> Result<()> {
        self.push_changes(server, calendar_id, report).await?;
        let calendar = self
            .store
            .read(|c| db::calendar(c, calendar_id))?
            .ok_or_else(|| Error::internal("a calendar vanished during sync"))?;
        let local = self.store.read(|c| db::item_etags(c, calendar_id))?;
        let token = (!calendar.sync_token.is_empty()).then_some(calendar.sync_token.as_str());
        let mut supports_sync = calendar.supports_sync;
        let mut changes = if supports_sync {
            server
                .changes(&calendar.href, token)
                .await
                .map_err(network)?
        } else {
            Changes::Unsupported
        };
        if changes == Changes::TokenRejected {
            report.full_resyncs += 1;
            self.store.write(|tx| db::clear_token(tx, calendar_id))?;
            changes = server
                .changes(&calendar.href, None)
                .await
                .map_err(network)?;
        }
        let (plan, new_token) = match changes {
            Changes::Delta {
                changed,
                deleted,
                token: new_token,
            } => {
                let plan = if token.is_some() {
                    plan_delta(&local, &changed, &deleted)
                } else {
                    // From nothing the server lists everything: a full comparison.
                    plan_full(&local, &changed)
                };
                (plan, new_token)
            }
            Changes::Unsupported | Changes::TokenRejected => {
                supports_sync = false;
                let listed = server.list(&calendar.href).await.map_err(network)?;
                (plan_full(&local, &listed), String::new())
            }
        };
        let mut fetched = Vec::new();
        for batch in plan.fetch.chunks(FETCH_BATCH) {
            fetched.extend(server.fetch(&calendar.href, batch).await.map_err(network)?);
        }
        let now = self.now_stamp();
        let (changed, removed, unreadable) = self.store.write(|tx| -> Result<_> {
            let mut changed = 0;
            let mut unreadable = Vec::new();
            for f in &fetched {
                // A resource the server could not give now is fetched again next time.
                let Ok((etag, ics)) = &f.content else {
                    continue;
                };
                let (uid, error) = match orbit_cal::parse(ics) {
                    Ok(object) => (
                        object
                            .events
                            .first()
                            .map(|e| e.uid.clone())
                            .unwrap_or_default(),
                        String::new(),
                    ),
                    Err(e) => {
                        unreadable.push(format!("{}: {e}", f.href));
                        (String::new(), e.message)
                    }
                };
                db::upsert_item(
                    tx,
                    calendar_id,
                    &db::NewItem {
                        href: &f.href,
                        etag,
                        uid: &uid,
                        ics,
                        parse_error: &error,
                    },
                    &now,
                )?;
                changed += 1;
            }
            let mut removed = 0;
            for href in &plan.remove {
                if db::delete_item(tx, calendar_id, href)? {
                    removed += 1;
                }
            }
            db::set_synced(tx, calendar_id, &new_token, supports_sync, &now)?;
            Ok((changed, removed, unreadable))
        })?;
        report.changed += changed;
        report.removed += removed;
        report.unreadable.extend(unreadable);
        Ok(())
    }

    /// Every readable item, parsed (from the cache when it has not changed since).
    pub(crate) fn parsed_items(&self) -> Result<Vec<(i64, Arc<orbit_cal::CalendarObject>)>> {
        // Nothing written since the last call (the usual case while the user pages the
        // calendar): the same objects, without asking for each item's version.
        let fingerprint = self.store.read(db::items_fingerprint)?;
        if let Ok(last) = self.parsed.last.lock()
            && let Some((seen, items)) = last.as_ref()
            && *seen == fingerprint
        {
            return Ok(items.clone());
        }
        let out = self.parse_items()?;
        if let Ok(mut last) = self.parsed.last.lock() {
            *last = Some((fingerprint, out.clone()));
        }
        Ok(out)
    }

    /// Every readable item, parsed again only where its version changed.
    fn parse_items(&self) -> Result<Vec<(i64, Arc<orbit_cal::CalendarObject>)>> {
        let versions = self.store.read(db::item_versions)?;
        let mut cache = self
            .parsed
            .items
            .lock()
            .map_err(|_| Error::internal("the calendar cache is poisoned"))?;
        let mut out = Vec::with_capacity(versions.len());
        let mut seen = HashSet::with_capacity(versions.len());
        for (id, calendar_id, version) in versions {
            seen.insert(id);
            if let Some((v, object)) = cache.get(&id)
                && *v == version
            {
                out.push((calendar_id, Arc::clone(object)));
                continue;
            }
            let Some(text) = self.store.read(|c| db::item_text(c, id))? else {
                continue;
            };
            let Ok(object) = orbit_cal::parse(&text) else {
                continue;
            };
            let object = Arc::new(object);
            cache.insert(id, (version, Arc::clone(&object)));
            out.push((calendar_id, object));
        }
        cache.retain(|id, _| seen.contains(id));
        Ok(out)
    }

    /// The occurrences of every stored event that overlap `[from, to)`, ordered by start;
    /// floating times are read in `tz`, the user's zone.
    pub fn calendar_events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<Vec<OccurrenceView>> {
        if to <= from {
            return Err(Error::invalid("The range ends before it starts"));
        }
        let items = self.parsed_items()?;
        let expand_some = |some: &[(i64, Arc<orbit_cal::CalendarObject>)]| {
            let mut out = Vec::new();
            for (calendar_id, object) in some {
                out.extend(
                    orbit_cal::expand(object, from, to, tz)
                        .into_iter()
                        .map(|o| OccurrenceView {
                            calendar_id: *calendar_id,
                            uid: o.uid,
                            summary: o.summary,
                            start: o.start,
                            end: o.end,
                            all_day: o.all_day,
                            is_override: o.is_override,
                            recurring: o.recurring,
                            recurrence_id: o.recurrence_id,
                            location: o.location,
                            invited: o.invited,
                            alarms: o.alarms,
                        }),
                );
            }
            out
        };
        // Objects expand independently: on every core (up to four) for a big calendar.
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let parts = cores.min(4).min(items.len() / 200).max(1);
        let mut out = if parts == 1 {
            expand_some(&items)
        } else {
            let chunk = items.len().div_ceil(parts);
            std::thread::scope(|scope| {
                let handles: Vec<_> = items
                    .chunks(chunk)
                    .map(|some| scope.spawn(move || expand_some(some)))
                    .collect();
                let mut out = Vec::new();
                for h in handles {
                    // A chunk that failed (a panic in the parser) is left out, as an unreadable
                    // item is.
                    if let Ok(part) = h.join() {
                        out.extend(part);
                    }
                }
                out
            })
        };
        out.sort_unstable_by(|a, b| a.start.cmp(&b.start).then_with(|| a.uid.cmp(&b.uid)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(href: &str, etag: &str) -> Listed {
        Listed {
            href: href.into(),
            etag: Some(etag.into()),
        }
    }

    #[test]
    fn a_full_comparison_fetches_new_and_changed_and_removes_what_is_gone() {
        let local = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "1".to_owned()),
            ("c".to_owned(), "1".to_owned()),
        ];
        let plan = plan_full(
            &local,
            &[listed("a", "1"), listed("b", "2"), listed("d", "1")],
        );
        assert_eq!(plan.fetch, ["b", "d"]);
        assert_eq!(plan.remove, ["c"]);
    }

    #[test]
    fn a_delta_skips_what_is_already_stored_at_that_version() {
        let local = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "1".to_owned()),
        ];
        let plan = plan_delta(
            &local,
            &[
                listed("a", "1"),
                listed("b", "2"),
                Listed {
                    href: "n".into(),
                    etag: None,
                },
            ],
            &["b".to_owned(), "zz".to_owned()],
        );
        assert_eq!(plan.fetch, ["b", "n"]);
        assert_eq!(plan.remove, ["b"], "only what is stored is removed");
    }
}
