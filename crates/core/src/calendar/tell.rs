//! Telling the people invited to an event the user organises about a change to it (iTIP over
//! iMIP, RFC 5546 and RFC 6047): the event as it now is (REQUEST) or its cancellation
//! (CANCEL), queued in the outbox from the organiser's own mail account. Front doors ask for
//! this only after the user said yes to it.

use orbit_cal::{CalendarObject, Edited, Scope, Update};
use serde::Serialize;

use crate::accounts::Account;
use crate::activity::{Actor, Record};
use crate::mail::{Compose, Outgoing};
use crate::{Error, Orbit, Result};

/// Who is invited to an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Invited {
    /// The people invited (addresses), the user left out when they organise it.
    pub people: Vec<String>,
    /// The user organises the event (one of their accounts is its ORGANIZER).
    pub organiser: bool,
    /// And that account can send mail (it has an outgoing server): a change can be sent to
    /// the people invited.
    pub can_send: bool,
}

/// What was sent about a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Told {
    /// Everyone a message went to, each once.
    pub sent_to: Vec<String>,
    /// How many messages were queued (a split series sends two).
    pub messages: usize,
}

impl Told {
    /// "; the {what} to a, b is in the outbox", or "" when nothing was queued.
    pub fn words(&self, what: &str) -> String {
        if self.messages == 0 {
            String::new()
        } else {
            format!(
                "; the {what} to {} is in the outbox",
                self.sent_to.join(", ")
            )
        }
    }
}

impl Orbit {
    /// The user's account with this address, one that can send mail first.
    pub(crate) fn account_with_address(&self, address: &str) -> Result<Option<Account>> {
        let address = address.trim().to_ascii_lowercase();
        let mut matching: Vec<Account> = self
            .account_list()?
            .into_iter()
            .filter(|a| a.email.trim().to_ascii_lowercase() == address)
            .collect();
        matching.sort_by_key(|a| a.smtp.is_none());
        Ok(matching.into_iter().next())
    }

    /// The account that organises event `uid` and sends its changes, or why there is none
    /// (checked before anything changes).
    pub(crate) fn organiser_account(&self, uid: &str) -> Result<Account> {
        let (_, _, _, object) = self.calendar_object(uid)?;
        let (organiser, account) = self.organiser_of(&object, uid)?;
        if organiser.is_empty() {
            return Err(Error::invalid(
                "This event names no organiser, so there is nobody to send the change to; nothing was changed",
            ));
        }
        let account = account.ok_or_else(|| {
            Error::invalid(format!(
                "{organiser} organises this event, not you: only the organiser sends changes to the people invited; nothing was changed"
            ))
        })?;
        if account.smtp.is_none() {
            return Err(Error::invalid(format!(
                "The account {} has no outgoing mail server to send the change with; nothing was changed",
                account.email
            )));
        }
        Ok(account)
    }

    /// The organiser event `uid` of `object` names ('' when none), and the user's account with
    /// that address if the user is the one.
    fn organiser_of(
        &self,
        object: &CalendarObject,
        uid: &str,
    ) -> Result<(String, Option<Account>)> {
        let organiser = orbit_cal::organizer(object, uid);
        if organiser.is_empty() {
            return Ok((organiser, None));
        }
        let account = self.account_with_address(&organiser)?;
        Ok((organiser, account))
    }

    /// What to store on the server just before removing event `uid` (the whole resource):
    /// when the user organises it, `object` with the attendees marked SCHEDULE-AGENT=CLIENT,
    /// so a server that schedules for organisers (RFC 6638) sends no cancellation of its own
    /// — none when the user chose not to tell, no second one when Orbit tells them.
    pub(super) fn farewell(&self, object: &CalendarObject, uid: &str) -> Result<Option<String>> {
        if self.organiser_of(object, uid)?.1.is_none() {
            return Ok(None);
        }
        match orbit_cal::scheduled_by_client(object, uid) {
            Ok(marked) => Ok(Some(marked.to_ics())),
            // The removal still goes ahead, unmarked.
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot mark an event before removing it");
                Ok(None)
            }
        }
    }

    /// With `tell` (the user said so; the delay the mail waits): checks the user organises
    /// event `uid`, plans the messages that tell of `change`, and marks the edit as stored
    /// then (SCHEDULE-AGENT=CLIENT). Without: no messages, and an event the user organises is
    /// still marked, so that a server that schedules for organisers (RFC 6638) does not tell
    /// the people invited what the user chose not to tell them. Nothing is written either way.
    pub(super) fn prepare_telling(
        &self,
        tell: Option<std::time::Duration>,
        uid: &str,
        before: &CalendarObject,
        edited: Edited,
        change: &Change<'_>,
    ) -> Result<(Option<Telling>, Edited)> {
        let Some(delay) = tell else {
            if self.organiser_of(before, uid)?.1.is_none() {
                return Ok((None, edited));
            }
            return Ok((None, scheduled_by_client(uid, edited)?));
        };
        let account = self.organiser_account(uid)?;
        // A new time is asked about again: the REQUEST and the calendar's copy both say so.
        let edited = match change {
            Change::Moved { .. } => each_object(uid, edited, |object, uid| {
                orbit_cal::answers_reset_where_moved(before, &object, uid)
            })?,
            Change::Deleted { .. } => edited,
        };
        let telling = self.plan_tell(&account, uid, before, &edited, change, delay)?;
        Ok((Some(telling), scheduled_by_client(uid, edited)?))
    }

    /// Builds what the people invited to `uid` are told after `edited` changed `before` (a
    /// REQUEST of each event left — a split series is a second one —, a CANCEL when nothing
    /// is left, or the CANCEL of the one occurrence deleted), nothing written yet: the caller
    /// queues it in the change's own transaction, so a message that cannot be built (an
    /// unusable address, say) leaves the calendar as it was.
    fn plan_tell(
        &self,
        account: &Account,
        uid: &str,
        before: &CalendarObject,
        edited: &Edited,
        change: &Change<'_>,
        delay: std::time::Duration,
    ) -> Result<Telling> {
        let me = account.email.trim().to_ascii_lowercase();
        let stamp = self.clock.now();
        let from = if account.name.trim().is_empty() {
            me.clone()
        } else {
            account.name.trim().to_owned()
        };
        let title = |object: &CalendarObject, uid: &str| {
            object
                .events
                .iter()
                .find(|e| e.uid == uid && !e.is_override)
                .or_else(|| object.events.iter().find(|e| e.uid == uid))
                .map_or(String::new(), |e| e.summary.clone())
        };
        let summary = title(before, uid);
        let invalid = |e: orbit_cal::CalError| Error::invalid(e.message);
        let mut out: Vec<Message<'_>> = Vec::new();
        match (change, &edited.object) {
            (
                Change::Deleted {
                    occurrence: Some(rid),
                    scope: Scope::One,
                },
                _,
            ) => out.push(Message {
                ics: orbit_cal::organizer_cancel_occurrence(before, uid, rid, stamp)
                    .map_err(invalid)?,
                update: Update::Cancel,
                subject: format!("Cancelled: {summary} ({})", day_of(rid)),
                text: format!("{from} has cancelled “{summary}” on {}.", day_of(rid)),
                object: before,
                uid,
            }),
            (_, None) => out.push(Message {
                ics: orbit_cal::organizer_update(before, uid, Update::Cancel, stamp)
                    .map_err(invalid)?,
                update: Update::Cancel,
                subject: format!("Cancelled: {summary}"),
                text: format!("{from} has cancelled “{summary}”."),
                object: before,
                uid,
            }),
            (_, Some(object)) => {
                let text = match change {
                    Change::Moved {
                        start,
                        occurrence: Some(rid),
                    } if edited.split.is_some() => format!(
                        "{from} has moved “{summary}” from {} on: this series now ends before {}, and a new one starts {}.",
                        day_of(rid),
                        day_of(rid),
                        at(start)
                    ),
                    Change::Moved { start, .. } => {
                        format!("{from} has moved “{summary}”: it now starts {}.", at(start))
                    }
                    Change::Deleted { occurrence, .. } => format!(
                        "{from} has cancelled “{summary}” from {} on; the earlier ones stay.",
                        occurrence.map_or_else(String::new, day_of)
                    ),
                };
                out.push(Message {
                    ics: orbit_cal::organizer_update(object, uid, Update::Request, stamp)
                        .map_err(invalid)?,
                    update: Update::Request,
                    subject: format!("Updated invitation: {summary}"),
                    text,
                    object,
                    uid,
                });
            }
        }
        if let Some((new_uid, object)) = &edited.split {
            let starts = match change {
                Change::Moved { start, .. } => format!(": it now starts {}", at(start)),
                Change::Deleted { .. } => String::new(),
            };
            out.push(Message {
                ics: orbit_cal::organizer_update(object, new_uid, Update::Request, stamp)
                    .map_err(invalid)?,
                update: Update::Request,
                subject: format!("Updated invitation: {}", title(object, new_uid)),
                text: format!("{from} has moved “{summary}” from here on{starts}."),
                object,
                uid: new_uid.as_str(),
            });
        }
        let mut telling = Telling::default();
        for Message {
            ics,
            update,
            subject,
            text,
            object,
            uid,
        } in out
        {
            let people: Vec<String> = orbit_cal::invitees(object, uid)
                .into_iter()
                .filter(|a| *a != me && mail_address(a))
                .collect();
            if people.is_empty() {
                continue;
            }
            telling.outgoing.push(self.build_outgoing(
                &Compose {
                    account_id: account.id.0,
                    to: people.clone(),
                    subject,
                    text,
                    calendar: Some((update.method().into(), ics)),
                    ..Compose::default()
                },
                delay,
                None,
            )?);
            telling.told.messages += 1;
            telling.told.sent_to.extend(people);
        }
        telling.told.sent_to.sort();
        telling.told.sent_to.dedup();
        telling.summary = format!(
            "Queued the change of “{summary}” to {}",
            telling.told.sent_to.join(", ")
        );
        telling.uid = uid.to_owned();
        Ok(telling)
    }

    /// Queues a planned telling inside `tx` (the change's transaction): every message, and the
    /// entry that says who was told. Returns the activity ids to announce.
    pub(super) fn queue_telling(
        &self,
        tx: &rusqlite::Connection,
        telling: &Telling,
        actor: Actor,
    ) -> Result<Vec<i64>> {
        let mut activities = Vec::new();
        for outgoing in &telling.outgoing {
            activities.push(self.insert_outgoing(tx, outgoing, None, actor)?.1);
        }
        if telling.told.messages > 0 {
            activities.push(self.record(
                tx,
                &Record {
                    actor,
                    action: "calendar.attendees_told",
                    target: format!("event:{}", telling.uid),
                    summary: telling.summary.clone(),
                    details: serde_json::json!({
                        "uid": telling.uid, "sent_to": telling.told.sent_to,
                        "messages": telling.told.messages,
                    }),
                },
            )?);
        }
        Ok(activities)
    }
}

/// The edit as stored when the user organises the event: the attendees marked
/// SCHEDULE-AGENT=CLIENT, so a server that schedules for organisers (RFC 6638) sends them
/// nothing of its own — a second copy when Orbit tells them, anything when the user chose not to.
fn scheduled_by_client(uid: &str, edited: Edited) -> Result<Edited> {
    each_object(uid, edited, |object, uid| {
        orbit_cal::scheduled_by_client(&object, uid)
    })
}

/// `edited` with `f` applied to each object it leaves (the event `uid`, and a series split off
/// under its own UID).
fn each_object(
    uid: &str,
    edited: Edited,
    f: impl Fn(CalendarObject, &str) -> std::result::Result<CalendarObject, orbit_cal::CalError>,
) -> Result<Edited> {
    let apply =
        |object: CalendarObject, uid: &str| f(object, uid).map_err(|e| Error::invalid(e.message));
    Ok(Edited {
        object: edited.object.map(|o| apply(o, uid)).transpose()?,
        split: edited
            .split
            .map(|(new_uid, o)| apply(o, &new_uid).map(|o| (new_uid, o)))
            .transpose()?,
    })
}

/// What changed, for the words of the message that tells of it.
pub(crate) enum Change<'a> {
    /// Moved (one occurrence, or from it on, or all) to start at `start` (RFC 3339 or a date).
    Moved {
        occurrence: Option<&'a str>,
        start: &'a str,
    },
    /// Deleted: one occurrence, it and the following ones, or all.
    Deleted {
        occurrence: Option<&'a str>,
        scope: Scope,
    },
}

/// One iTIP message to send: its iCalendar text and method, the mail's subject and text, and
/// the event whose people it goes to.
struct Message<'a> {
    ics: String,
    update: Update,
    subject: String,
    text: String,
    object: &'a CalendarObject,
    uid: &'a str,
}

/// Messages built to tell the people invited of a change, not queued yet.
#[derive(Debug, Default)]
pub(crate) struct Telling {
    outgoing: Vec<Outgoing>,
    /// What they tell.
    pub told: Told,
    summary: String,
    uid: String,
}

/// An address mail can go to (an ATTENDEE may be a `urn:uuid:` or a bare name).
fn mail_address(a: &str) -> bool {
    a.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') || domain == "localhost"
    }) && !a.contains([':', ' ', '<', '>', ','])
}

/// "2026-12-11 13:00 UTC" for an RFC 3339 time, the day itself for a date.
fn at(start: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(start).map_or_else(
        |_| start.to_owned(),
        |t| t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// "2026-12-14" for an occurrence id (`YYYYMMDD[THHMMSS[Z]]`).
fn day_of(rid: &str) -> String {
    match (rid.get(..4), rid.get(4..6), rid.get(6..8)) {
        (Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
        _ => rid.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(at("2026-12-11T14:00:00+01:00"), "2026-12-11 13:00 UTC");
        assert_eq!(at("2026-12-11"), "2026-12-11");
        assert_eq!(day_of("20261214T093000"), "2026-12-14");
    }

    #[test]
    fn only_mail_addresses_are_written_to() {
        assert!(mail_address("carol@example.net"));
        assert!(mail_address("root@localhost"));
        for not in [
            "urn:uuid:1234",
            "Carol",
            "@example.net",
            "a b@example.net",
            "x@y",
        ] {
            assert!(!mail_address(not), "{not}");
        }
    }
}
