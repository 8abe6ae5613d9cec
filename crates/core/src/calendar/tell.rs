//! Telling the people invited to an event the user organises about a change to it (iTIP over
//! iMIP, RFC 5546 and RFC 6047): the event as it now is (REQUEST) or its cancellation
//! (CANCEL), queued in the outbox from the organiser's own mail account. Front doors ask for
//! this only after the user said yes to it.

use orbit_cal::{CalendarObject, Edited, EventTime, Update};
use serde::Serialize;

use crate::accounts::Account;
use crate::activity::{Actor, Record};
use crate::mail::Compose;
use crate::{Error, Event, Orbit, Result};

/// Who is invited to an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Invited {
    /// The people invited (addresses), the user left out when they organise it.
    pub people: Vec<String>,
    /// The user organises the event (one of their accounts is its ORGANIZER): a change can be
    /// sent to the people invited.
    pub organiser: bool,
}

/// What was sent about a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Told {
    /// Everyone a message went to, each once.
    pub sent_to: Vec<String>,
    /// How many messages were queued (a split series sends two).
    pub messages: usize,
}

/// "2026-12-01 15:00 (Europe/Paris)", "2026-12-01", "2026-12-01 14:00 UTC".
fn when(time: Option<&EventTime>) -> String {
    match time {
        Some(EventTime::Date { date }) => date.clone(),
        Some(EventTime::DateTime { local, tzid, utc }) => {
            let shown = local.replacen('T', " ", 1);
            let shown = shown.get(..16).unwrap_or(&shown).to_owned();
            match (tzid, utc) {
                (Some(zone), _) => format!("{shown} ({zone})"),
                (None, true) => format!("{shown} UTC"),
                (None, false) => shown,
            }
        }
        None => String::new(),
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
        let organiser = orbit_cal::organizer(&object, uid);
        if organiser.is_empty() {
            return Err(Error::invalid(
                "This event names no organiser, so there is nobody to send the change to; nothing was changed",
            ));
        }
        let account = self.account_with_address(&organiser)?.ok_or_else(|| {
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

    /// Queues what the people invited to `uid` are told after `edited` changed `before`: a
    /// REQUEST of each event left (a split series is a second event), or a CANCEL when nothing
    /// is left.
    pub(super) fn tell_attendees(
        &self,
        account: Account,
        uid: &str,
        before: &CalendarObject,
        edited: &Edited,
        actor: Actor,
    ) -> Result<Told> {
        let me = account.email.trim().to_ascii_lowercase();
        let stamp = self.clock.now();
        let mut out: Vec<(Update, &str, &CalendarObject)> = vec![match &edited.object {
            Some(object) => (Update::Request, uid, object),
            None => (Update::Cancel, uid, before),
        }];
        if let Some((new_uid, object)) = &edited.split {
            out.push((Update::Request, new_uid.as_str(), object));
        }
        let from = if account.name.trim().is_empty() {
            me.clone()
        } else {
            account.name.trim().to_owned()
        };
        let mut told = Told::default();
        for (update, uid, object) in out {
            let people: Vec<String> = orbit_cal::invitees(object, uid)
                .into_iter()
                .filter(|a| *a != me)
                .collect();
            if people.is_empty() {
                continue;
            }
            let ics = orbit_cal::organizer_update(object, uid, update, stamp)
                .map_err(|e| Error::invalid(e.message))?;
            let event = object
                .events
                .iter()
                .find(|e| e.uid == uid && !e.is_override)
                .or_else(|| object.events.iter().find(|e| e.uid == uid));
            let summary = event.map_or(String::new(), |e| e.summary.clone());
            let (subject, text) = match update {
                Update::Request => (
                    format!("Updated invitation: {summary}"),
                    format!(
                        "{from} has changed “{summary}”. It now starts {}.",
                        when(event.and_then(|e| e.start.as_ref()))
                    ),
                ),
                Update::Cancel => (
                    format!("Cancelled: {summary}"),
                    format!("{from} has cancelled “{summary}”."),
                ),
            };
            self.mail_queue(
                &Compose {
                    account_id: account.id.0,
                    to: people.clone(),
                    subject,
                    text,
                    calendar: Some((update.method().into(), ics)),
                    ..Compose::default()
                },
                std::time::Duration::ZERO,
            )?;
            told.messages += 1;
            told.sent_to.extend(people);
        }
        told.sent_to.sort();
        told.sent_to.dedup();
        if told.messages > 0 {
            let activity = self.store.write(|tx| {
                self.record(
                    tx,
                    &Record {
                        actor,
                        action: "calendar.attendees_told",
                        target: format!("event:{uid}"),
                        summary: format!(
                            "Queued the change of “{}” to {}",
                            before.events.first().map_or("", |e| e.summary.as_str()),
                            told.sent_to.join(", ")
                        ),
                        details: serde_json::json!({
                            "uid": uid, "sent_to": told.sent_to, "messages": told.messages,
                        }),
                    },
                )
            })?;
            self.emit(Event::ActivityAdded { id: activity });
        }
        Ok(told)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(
            when(Some(&EventTime::DateTime {
                local: "2026-12-01T15:00:00".into(),
                tzid: Some("Europe/Paris".into()),
                utc: false,
            })),
            "2026-12-01 15:00 (Europe/Paris)"
        );
        assert_eq!(
            when(Some(&EventTime::DateTime {
                local: "2026-12-01T14:00:00".into(),
                tzid: None,
                utc: true,
            })),
            "2026-12-01 14:00 UTC"
        );
        assert_eq!(
            when(Some(&EventTime::Date {
                date: "2026-12-01".into()
            })),
            "2026-12-01"
        );
        assert_eq!(when(None), "");
    }
}
