//! Invitations that arrive by mail (iMIP): shown in the conversation, answered (the calendar is
//! updated at once; the reply to the organiser goes only when the caller says the user
//! confirmed it), cancellations and other people's answers applied.

use chrono::Duration;
use orbit_cal::{Answer, CalendarObject, Invitation};
use orbit_store::calendar as db;
use serde::Serialize;

use crate::activity::{Actor, Record};
use crate::mail::Compose;
use crate::{AccountId, Error, Event, Orbit, Result};

/// An invitation as the conversation shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationView {
    /// REQUEST, CANCEL, REPLY, …
    pub method: String,
    /// The event.
    pub uid: String,
    /// Title.
    pub summary: String,
    /// Place.
    pub location: String,
    /// RFC 3339 UTC, or `YYYY-MM-DD` all day.
    pub start: String,
    /// The same (exclusive end for all-day).
    pub end: String,
    /// All day.
    pub all_day: bool,
    /// The organiser's address.
    pub organizer: String,
    /// The organiser's name.
    pub organizer_name: String,
    /// Everyone invited, with their answers.
    pub attendees: Vec<orbit_cal::Attendee>,
    /// The user's answer so far (`None` when the user is not invited).
    pub my_status: Option<String>,
    /// The event is in one of the user's calendars.
    pub in_calendar: bool,
    /// A newer version of this event is already in the calendar.
    pub outdated: bool,
}

/// What answering did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationOutcome {
    /// The answer recorded.
    pub status: String,
    /// A reply was queued to the organiser.
    pub replied: bool,
}

const ANSWER_KEY: &str = "invitation.answer.";

fn first_occurrence(object: &CalendarObject, uid: &str) -> (String, String, bool) {
    let start = object
        .events
        .iter()
        .find(|e| e.uid == uid)
        .and_then(|e| e.start.clone());
    let around = match start {
        Some(orbit_cal::EventTime::Date { date }) => date,
        Some(orbit_cal::EventTime::DateTime { local, .. }) => local.chars().take(10).collect(),
        None => String::new(),
    };
    let Ok(day) = chrono::NaiveDate::parse_from_str(&around, "%Y-%m-%d") else {
        return (String::new(), String::new(), false);
    };
    let from = day.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::days(2);
    orbit_cal::expand(object, from, from + Duration::days(800), chrono_tz::UTC)
        .into_iter()
        .find(|o| o.uid == uid)
        .map_or((String::new(), String::new(), false), |o| {
            (o.start, o.end, o.all_day)
        })
}

impl Orbit {
    /// The invitation (a `text/calendar` part) of message `id`, if it has one.
    pub fn mail_invitation(&self, id: i64) -> Result<Option<InvitationView>> {
        let Some((account_id, invitation, object)) = self.invitation_of(id)? else {
            return Ok(None);
        };
        let me = self
            .account_row(AccountId(account_id))?
            .fields
            .email
            .to_ascii_lowercase();
        let stored = self.store.read(|c| db::item_by_uid(c, &invitation.uid))?;
        let stored_view = stored
            .as_ref()
            .and_then(|(_, _, _, ics)| orbit_cal::read_invitation(ics).ok())
            .map(|(view, _)| view);
        let remembered = self
            .store
            .read(|c| orbit_store::settings::get(c, &format!("{ANSWER_KEY}{}", invitation.uid)))?;
        let status_in = |inv: &Invitation| {
            inv.attendees
                .iter()
                .find(|a| a.email == me)
                .map(|a| a.status.clone())
        };
        let my_status = stored_view
            .as_ref()
            .and_then(status_in)
            .or(remembered)
            .or_else(|| status_in(&invitation));
        let (start, end, all_day) = first_occurrence(&object, &invitation.uid);
        Ok(Some(InvitationView {
            outdated: stored_view
                .as_ref()
                .is_some_and(|s| s.sequence > invitation.sequence),
            in_calendar: stored.is_some(),
            my_status,
            method: invitation.method,
            uid: invitation.uid,
            summary: invitation.summary,
            location: invitation.location,
            start,
            end,
            all_day,
            organizer: invitation.organizer,
            organizer_name: invitation.organizer_name,
            attendees: invitation.attendees,
        }))
    }

    /// The account, invitation and object of a message's `text/calendar` part.
    fn invitation_of(&self, id: i64) -> Result<Option<(i64, Invitation, CalendarObject)>> {
        let message = self.mail_show(id)?;
        let Some(part) = message.attachments.iter().find(|a| {
            a.mime_type.eq_ignore_ascii_case("text/calendar")
                || a.filename.to_ascii_lowercase().ends_with(".ics")
        }) else {
            return Ok(None);
        };
        let (_, bytes) = self.mail_attachment(id, part.ordinal)?;
        let text = String::from_utf8_lossy(&bytes);
        match orbit_cal::read_invitation(&text) {
            Ok((invitation, object)) => Ok(Some((message.account_id, invitation, object))),
            // Unreadable calendar data is an attachment like any other.
            Err(_) => Ok(None),
        }
    }

    /// Answers the invitation in message `id`: the calendar (`calendar_id`, or the first one)
    /// gets the event with the answer (a decline removes it), and — only when `reply` is true,
    /// which front doors set after the user confirmed — a REPLY is queued to the organiser.
    pub fn invitation_respond(
        &self,
        id: i64,
        answer: Answer,
        calendar_id: Option<i64>,
        reply: bool,
    ) -> Result<InvitationOutcome> {
        let (account_id, invitation, object) = self
            .invitation_of(id)?
            .ok_or_else(|| Error::invalid("This message holds no invitation"))?;
        if invitation.method != "REQUEST" {
            return Err(Error::invalid(format!(
                "This is a {} message, not an invitation to answer",
                invitation.method
            )));
        }
        let account = self.account_row(AccountId(account_id))?;
        let me = account.fields.email.to_ascii_lowercase();
        if !invitation.attendees.iter().any(|a| a.email == me) {
            return Err(Error::invalid(format!(
                "{me} is not among the people invited"
            )));
        }
        let uid = invitation.uid.clone();
        let stored = self.store.read(|c| db::item_by_uid(c, &uid))?;
        if let Some((_, _, _, ics)) = &stored
            && let Ok((s, _)) = orbit_cal::read_invitation(ics)
            && s.sequence > invitation.sequence
        {
            return Err(Error::invalid(
                "A newer version of this invitation is already in the calendar: answer that one",
            ));
        }
        let copy =
            orbit_cal::with_answer(&object, &me, answer).map_err(|e| Error::invalid(e.message))?;
        match (&stored, answer) {
            (Some(_), Answer::Declined) => {
                self.calendar_delete_by(&uid, None, orbit_cal::Scope::All, Actor::User)?
            }
            (Some(_), _) => self.calendar_replace(&uid, &copy)?,
            (None, Answer::Declined) => {}
            (None, _) => {
                let calendar = match calendar_id {
                    Some(c) => c,
                    None => self.calendar_list()?.first().map(|c| c.id).ok_or_else(|| {
                        Error::invalid("There is no calendar to add the event to")
                    })?,
                };
                self.calendar_add_text(calendar, &copy, Actor::User)?;
            }
        }
        let now = self.now_stamp();
        self.store.write(|tx| {
            orbit_store::settings::set(tx, &format!("{ANSWER_KEY}{uid}"), answer.as_str(), &now)
        })?;
        let mut replied = false;
        if reply && !invitation.organizer.is_empty() && invitation.organizer != me {
            let ics = orbit_cal::reply(&object, &me, answer, self.clock.now())
                .map_err(|e| Error::invalid(e.message))?;
            let verb = match answer {
                Answer::Accepted => "Accepted",
                Answer::Tentative => "Tentatively accepted",
                Answer::Declined => "Declined",
            };
            self.mail_queue(
                &Compose {
                    account_id,
                    to: vec![invitation.organizer.clone()],
                    subject: format!("{verb}: {}", invitation.summary),
                    text: format!(
                        "{} has {} the invitation “{}”.",
                        if account.fields.name.trim().is_empty() {
                            me.as_str()
                        } else {
                            account.fields.name.trim()
                        },
                        verb.to_lowercase(),
                        invitation.summary
                    ),
                    reply_to_message: Some(id),
                    calendar: Some(("REPLY".into(), ics)),
                    ..Compose::default()
                },
                std::time::Duration::ZERO,
            )?;
            replied = true;
        }
        let activity = self.store.write(|tx| {
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "calendar.invitation_answered",
                    target: format!("message:{id}"),
                    summary: format!(
                        "Answered “{}”: {}{}",
                        invitation.summary,
                        answer.as_str(),
                        if replied {
                            ", reply queued to the organiser"
                        } else {
                            ""
                        }
                    ),
                    details: serde_json::json!({
                        "uid": uid, "answer": answer.as_str(), "replied": replied,
                        "organizer": invitation.organizer,
                    }),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::CalendarChanged);
        Ok(InvitationOutcome {
            status: answer.as_str().into(),
            replied,
        })
    }

    /// Applies a CANCEL (the event leaves the calendar) or a REPLY (the attendee's answer is
    /// recorded on the event) from message `id`.
    pub fn invitation_apply(&self, id: i64) -> Result<()> {
        let (_, invitation, _) = self
            .invitation_of(id)?
            .ok_or_else(|| Error::invalid("This message holds no invitation"))?;
        let stored = self
            .store
            .read(|c| db::item_by_uid(c, &invitation.uid))?
            .ok_or_else(|| Error::not_found("That event is not in any calendar"))?;
        match invitation.method.as_str() {
            "CANCEL" => match &invitation.recurrence_id {
                Some(rid) => self.calendar_delete_by(
                    &invitation.uid,
                    Some(rid),
                    orbit_cal::Scope::One,
                    Actor::User,
                ),
                None => self.calendar_delete_by(
                    &invitation.uid,
                    None,
                    orbit_cal::Scope::All,
                    Actor::User,
                ),
            },
            "REPLY" => {
                let object = orbit_cal::parse(&stored.3).map_err(|e| Error::invalid(e.message))?;
                let text = orbit_cal::record_reply(&object, &invitation)
                    .map_err(|e| Error::invalid(e.message))?;
                self.calendar_replace(&invitation.uid, &text)
            }
            other => Err(Error::invalid(format!(
                "A {other} message has nothing to apply"
            ))),
        }
    }
}
