//! Local changes to events: created from a sentence or a draft, moved, deleted (one occurrence,
//! this and the following ones, or all), exported. Each applies to the store at once, in one
//! transaction with its queued change and its activity entry, and reaches the server at the next
//! sync.

use chrono::{NaiveDateTime, TimeZone, Utc};
use orbit_cal::{CalendarObject, Edited, Moment, Scope};
use orbit_store::calendar as db;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::CalendarImport;
use super::tell::{Change, Invited, Telling, Told};
use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};
use std::time::Duration;

/// An event before it is saved (what the user sees to confirm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDraft {
    /// Title.
    pub summary: String,
    /// Place, or "".
    pub location: String,
    /// RFC 3339 UTC, or `YYYY-MM-DD` all day.
    pub start: String,
    /// The same (the day after the last for all-day).
    pub end: String,
    /// A whole-day event.
    pub all_day: bool,
    /// Who read it from the sentence: `model` (the assistant's model) or `offline` (Orbit's
    /// own parser); empty for an event drawn in the calendar.
    #[serde(default)]
    pub read_by: String,
}

fn invalid(e: orbit_cal::CalError) -> Error {
    Error::invalid(e.message)
}

fn utc_of(local: NaiveDateTime, tz: chrono_tz::Tz) -> String {
    tz.from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn draft_of(event: orbit_cal::NaturalEvent, tz: chrono_tz::Tz, by: &str) -> EventDraft {
    let (start, end) = if event.all_day {
        (event.start.date().to_string(), event.end.date().to_string())
    } else {
        (utc_of(event.start, tz), utc_of(event.end, tz))
    };
    EventDraft {
        summary: event.summary,
        location: event.location.unwrap_or_default(),
        start,
        end,
        all_day: event.all_day,
        read_by: by.to_owned(),
    }
}

/// A UID for an event made here.
pub(crate) fn new_uid() -> String {
    format!("{}@orbit", uuid::Uuid::new_v4())
}

/// Stores an edited object: the item replaced (or removed) and a split-off series added, with
/// their queued changes. `etag` is the stored version's.
#[allow(clippy::too_many_arguments)]
fn store_edit(
    tx: &Connection,
    calendar_id: i64,
    href: &str,
    etag: &str,
    uid: &str,
    edited: &Edited,
    farewell: Option<&str>,
    now: &str,
) -> Result<()> {
    match &edited.object {
        Some(object) => {
            let ics = object.to_ics();
            db::upsert_item(
                tx,
                calendar_id,
                &db::NewItem {
                    href,
                    etag,
                    uid,
                    ics: &ics,
                    parse_error: "",
                },
                now,
            )?;
            // A change not pushed yet carries the new text instead: a creation stays a
            // creation, and an update keeps the server version it was made against (two
            // edits before a sync are one PUT, not a second one the server would refuse as
            // changed elsewhere).
            let pending = db::changes(tx, calendar_id)?;
            match pending
                .iter()
                .find(|c| c.href == href && (c.kind == "create" || c.kind == "update"))
            {
                Some(create) if create.kind == "create" => {
                    db::change_done(tx, create.id)?;
                    db::queue_change(tx, calendar_id, href, "create", &ics, "", now)?;
                }
                Some(update) => {
                    db::change_done(tx, update.id)?;
                    db::queue_change(tx, calendar_id, href, "update", &ics, &update.etag, now)?;
                }
                None => db::queue_change(tx, calendar_id, href, "update", &ics, etag, now)?,
            }
        }
        None => remove_item(tx, calendar_id, href, etag, farewell, now)?,
    }
    if let Some((new_uid, object)) = &edited.split {
        let new_href = sibling_href(href);
        let ics = object.to_ics();
        db::upsert_item(
            tx,
            calendar_id,
            &db::NewItem {
                href: &new_href,
                etag: "",
                uid: new_uid,
                ics: &ics,
                parse_error: "",
            },
            now,
        )?;
        db::queue_change(tx, calendar_id, &new_href, "create", &ics, "", now)?;
    }
    Ok(())
}

/// A new resource in the same collection.
pub(crate) fn sibling_href(href: &str) -> String {
    format!(
        "{}/{}.ics",
        href.rsplit_once('/').map_or("", |(dir, _)| dir),
        uuid::Uuid::new_v4()
    )
}

/// Removes an item here and queues its removal there (nothing to send if it never got there).
/// `farewell` is what to store there just before removing it (see `Orbit::farewell`); the
/// queued removal carries it as its text.
pub(crate) fn remove_item(
    tx: &Connection,
    calendar_id: i64,
    href: &str,
    etag: &str,
    farewell: Option<&str>,
    now: &str,
) -> Result<()> {
    let pending = db::changes(tx, calendar_id)?;
    let created_here = pending.iter().any(|c| c.href == href && c.kind == "create");
    for c in pending.iter().filter(|c| c.href == href) {
        db::change_done(tx, c.id)?;
    }
    db::delete_item(tx, calendar_id, href)?;
    if !created_here {
        db::queue_change(
            tx,
            calendar_id,
            href,
            "delete",
            farewell.unwrap_or(""),
            etag,
            now,
        )?;
    }
    Ok(())
}

impl Orbit {
    /// Reads a sentence ("lunch with Ana next Tuesday 12:30 at the café for an hour") into an
    /// event, offline, relative to today in `tz`. Nothing is saved.
    pub fn calendar_preview(&self, text: &str, tz: chrono_tz::Tz) -> Result<EventDraft> {
        let today = self.clock.now().with_timezone(&tz).date_naive();
        let event = orbit_cal::parse_natural(text, today).ok_or_else(|| {
            Error::invalid(
                "No day or time found: say when, e.g. \"tomorrow 10am\" or \"next Friday\"",
            )
        })?;
        Ok(draft_of(event, tz, "offline"))
    }

    /// Reads a sentence into an event with the assistant's model when one is configured, else
    /// (or when the model fails or is unreachable) offline with Orbit's own parser. Nothing is
    /// saved.
    pub async fn calendar_read(&self, text: &str, tz: chrono_tz::Tz) -> Result<EventDraft> {
        let today = self.clock.now().with_timezone(&tz).date_naive();
        match self.read_event_with_model(text, today, tz).await {
            Ok(Some(event)) => Ok(draft_of(event, tz, "model")),
            Ok(None) => self.calendar_preview(text, tz),
            Err(e) => {
                tracing::info!(error = %e, "the model could not read the event; reading it offline");
                self.calendar_preview(text, tz)
            }
        }
    }

    /// Saves an event (from a preview the user confirmed, or drawn in the calendar) in a
    /// calendar; its times are written in `tz`.
    pub fn calendar_create(
        &self,
        calendar_id: i64,
        draft: &EventDraft,
        tz: chrono_tz::Tz,
    ) -> Result<CalendarImport> {
        self.calendar_create_by(calendar_id, draft, tz, Actor::User)
    }

    pub(crate) fn calendar_create_by(
        &self,
        calendar_id: i64,
        draft: &EventDraft,
        tz: chrono_tz::Tz,
        actor: Actor,
    ) -> Result<CalendarImport> {
        if draft.summary.trim().is_empty() {
            return Err(Error::invalid("The event needs a title"));
        }
        let local = |m: &str| -> Result<NaiveDateTime> {
            match Moment::parse(m).map_err(invalid)? {
                Moment::Date(d) => Ok(d.and_time(chrono::NaiveTime::MIN)),
                Moment::Time(t) => Ok(t.with_timezone(&tz).naive_local()),
            }
        };
        let (start, end) = (local(&draft.start)?, local(&draft.end)?);
        if end < start {
            return Err(Error::invalid("The event ends before it starts"));
        }
        let event = orbit_cal::NaturalEvent {
            summary: draft.summary.trim().to_owned(),
            location: Some(draft.location.trim().to_owned()).filter(|l| !l.is_empty()),
            start,
            end,
            all_day: draft.all_day,
        };
        let uid = new_uid();
        let stamp = self.clock.now().format("%Y%m%dT%H%M%SZ").to_string();
        let ics = orbit_cal::to_ics(&event, &uid, tz.name(), &stamp);
        self.calendar_add_text(calendar_id, &ics, actor)
    }

    /// The event `uid`: its calendar, resource, version and parsed object.
    pub(crate) fn calendar_object(
        &self,
        uid: &str,
    ) -> Result<(i64, String, String, CalendarObject)> {
        let (calendar_id, href, etag, ics) = self
            .store
            .read(|c| db::item_by_uid(c, uid))?
            .ok_or_else(|| Error::not_found(format!("There is no event with UID {uid}")))?;
        let object = orbit_cal::parse(&ics).map_err(invalid)?;
        Ok((calendar_id, href, etag, object))
    }

    /// Moves an event, one occurrence of it (`occurrence` = its recurrence id), this and the
    /// following ones, or all, to `[start, end)` (RFC 3339 or dates). With `tell` (which front
    /// doors set only after the user said so), the attendees of an event the user organises
    /// are sent the update; when the user does not organise it, nothing is changed.
    #[allow(clippy::too_many_arguments)]
    pub fn calendar_move(
        &self,
        uid: &str,
        occurrence: Option<&str>,
        scope: Scope,
        start: &str,
        end: &str,
        tz: chrono_tz::Tz,
        tell: bool,
    ) -> Result<Told> {
        let tell = tell.then_some(Duration::ZERO);
        self.calendar_move_as(uid, occurrence, scope, start, end, tz, tell, Actor::User)
    }

    /// [`Orbit::calendar_move`] on behalf of `actor` (the agent, once the user confirmed).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn calendar_move_as(
        &self,
        uid: &str,
        occurrence: Option<&str>,
        scope: Scope,
        start: &str,
        end: &str,
        tz: chrono_tz::Tz,
        tell: Option<Duration>,
        actor: Actor,
    ) -> Result<Told> {
        let (calendar_id, href, etag, object) = self.calendar_object(uid)?;
        let edited = orbit_cal::move_event(
            &object,
            uid,
            occurrence,
            scope,
            Moment::parse(start).map_err(invalid)?,
            Moment::parse(end).map_err(invalid)?,
            tz,
        )
        .map_err(invalid)?;
        let (telling, edited) = self.prepare_telling(
            tell,
            uid,
            &object,
            edited,
            &Change::Moved { occurrence, start },
        )?;
        let title = object
            .events
            .first()
            .map_or(String::new(), |e| e.summary.clone());
        self.commit_edit(
            calendar_id,
            &href,
            &etag,
            uid,
            &edited,
            None,
            telling.as_ref(),
            actor,
            "calendar.event_moved",
            format!("Moved “{title}”{}", scope_words(occurrence, scope)),
            serde_json::json!({ "uid": uid, "occurrence": occurrence, "start": start, "end": end }),
        )?;
        Ok(telling.map(|t| t.told).unwrap_or_default())
    }

    /// Deletes an event, one occurrence, this and the following ones, or all. With `tell`, as
    /// for [`Orbit::calendar_move`]: the attendees get the cancellation (or, for part of a
    /// series, the series as it now is).
    pub fn calendar_delete(
        &self,
        uid: &str,
        occurrence: Option<&str>,
        scope: Scope,
        tell: bool,
    ) -> Result<Told> {
        let tell = tell.then_some(Duration::ZERO);
        self.calendar_delete_as(uid, occurrence, scope, tell, Actor::User)
    }

    /// [`Orbit::calendar_delete`] on behalf of `actor`.
    pub(crate) fn calendar_delete_as(
        &self,
        uid: &str,
        occurrence: Option<&str>,
        scope: Scope,
        tell: Option<Duration>,
        actor: Actor,
    ) -> Result<Told> {
        let (calendar_id, href, etag, object) = self.calendar_object(uid)?;
        let edited = orbit_cal::delete_event(&object, uid, occurrence, scope).map_err(invalid)?;
        let farewell = match edited.object {
            Some(_) => None,
            None => self.farewell(&object, uid)?,
        };
        let (telling, edited) = self.prepare_telling(
            tell,
            uid,
            &object,
            edited,
            &Change::Deleted { occurrence, scope },
        )?;
        let title = object
            .events
            .first()
            .map_or(String::new(), |e| e.summary.clone());
        self.commit_edit(
            calendar_id,
            &href,
            &etag,
            uid,
            &edited,
            farewell.as_deref(),
            telling.as_ref(),
            actor,
            "calendar.event_removed",
            format!("Deleted “{title}”{}", scope_words(occurrence, scope)),
            serde_json::json!({ "uid": uid, "occurrence": occurrence }),
        )?;
        Ok(telling.map(|t| t.told).unwrap_or_default())
    }

    pub(crate) fn calendar_delete_by(
        &self,
        uid: &str,
        occurrence: Option<&str>,
        scope: Scope,
        actor: Actor,
    ) -> Result<()> {
        self.calendar_delete_as(uid, occurrence, scope, None, actor)
            .map(|_| ())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn commit_edit(
        &self,
        calendar_id: i64,
        href: &str,
        etag: &str,
        uid: &str,
        edited: &Edited,
        farewell: Option<&str>,
        telling: Option<&Telling>,
        actor: Actor,
        action: &'static str,
        summary: String,
        details: serde_json::Value,
    ) -> Result<()> {
        let now = self.now_stamp();
        let activities = self.store.write(|tx| -> Result<Vec<i64>> {
            store_edit(tx, calendar_id, href, etag, uid, edited, farewell, &now)?;
            let mut ids = vec![self.record(
                tx,
                &Record {
                    actor,
                    action,
                    target: format!("calendar:{calendar_id}"),
                    summary,
                    details,
                },
            )?];
            if let Some(telling) = telling {
                ids.extend(self.queue_telling(tx, telling, actor)?);
            }
            Ok(ids)
        })?;
        for id in activities {
            self.emit(Event::ActivityAdded { id });
        }
        self.emit(Event::CalendarChanged);
        self.emit(Event::CalendarQueued);
        if telling.is_some_and(|t| t.told.messages > 0) {
            self.emit(Event::OutboxChanged);
        }
        Ok(())
    }

    /// Who is invited to event `uid`, and whether the user organises it (then changes can be
    /// sent to them).
    pub fn calendar_invited(&self, uid: &str) -> Result<Invited> {
        let (_, _, _, object) = self.calendar_object(uid)?;
        let organiser = orbit_cal::organizer(&object, uid);
        let account = if organiser.is_empty() {
            None
        } else {
            self.account_with_address(&organiser)?
        };
        let mine = account.is_some();
        let people = orbit_cal::invitees(&object, uid)
            .into_iter()
            .filter(|a| !mine || *a != organiser)
            .collect();
        Ok(Invited {
            people,
            organiser: mine,
            can_send: account.is_some_and(|a| a.smtp.is_some()),
        })
    }

    /// Every event of one calendar (or all) as one iCalendar file.
    pub fn calendar_export(&self, calendar_id: Option<i64>) -> Result<String> {
        let texts = self.store.read(|c| db::calendar_texts(c, calendar_id))?;
        if let Some(id) = calendar_id
            && self.store.read(|c| db::calendar(c, id))?.is_none()
        {
            return Err(Error::not_found(format!("There is no calendar {id}")));
        }
        let objects: Vec<CalendarObject> = texts
            .iter()
            .filter_map(|(_, ics)| orbit_cal::parse(ics).ok())
            .collect();
        Ok(orbit_cal::merge(&objects))
    }
}

fn scope_words(occurrence: Option<&str>, scope: Scope) -> &'static str {
    match (occurrence, scope) {
        (None, _) | (Some(_), Scope::All) => "",
        (Some(_), Scope::One) => " (this occurrence)",
        (Some(_), Scope::Following) => " (this and following)",
    }
}
