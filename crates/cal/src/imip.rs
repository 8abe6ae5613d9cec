//! Invitations by mail (iMIP, RFC 6047; iTIP methods, RFC 5546): reading a REQUEST, CANCEL or
//! REPLY, answering a REQUEST as one attendee, the calendar's copy of an event with that
//! answer recorded, and what an organiser sends the attendees after changing the event.

use calcard::common::IanaString;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarMethod,
    ICalendarParameter, ICalendarParameterName, ICalendarParameterValue,
    ICalendarParticipationStatus, ICalendarProperty, ICalendarScheduleAgentValue, ICalendarStatus,
    ICalendarValue,
};
use serde::Serialize;

use crate::{CalError, CalendarObject, EventTime, parse};

/// An attendee and their answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendee {
    /// Address (without `mailto:`).
    pub email: String,
    /// CN, or "".
    pub name: String,
    /// `accepted`, `tentative`, `declined`, `needs-action`, …
    pub status: String,
}

/// What an invitation says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    /// REQUEST, CANCEL, REPLY, … ("" when the object has no METHOD).
    pub method: String,
    /// The event's UID.
    pub uid: String,
    /// The occurrence it is about, for a recurring event (RECURRENCE-ID as written).
    pub recurrence_id: Option<String>,
    /// SEQUENCE (its version).
    pub sequence: i64,
    /// SUMMARY.
    pub summary: String,
    /// LOCATION.
    pub location: String,
    /// DTSTART as written.
    pub start: Option<EventTime>,
    /// DTEND as written.
    pub end: Option<EventTime>,
    /// The organiser's address.
    pub organizer: String,
    /// The organiser's name.
    pub organizer_name: String,
    /// Everyone invited.
    pub attendees: Vec<Attendee>,
}

fn err(message: impl Into<String>) -> CalError {
    CalError {
        message: message.into(),
    }
}

fn address(entry: &ICalendarEntry) -> String {
    entry
        .calendar_address()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn name_of(entry: &ICalendarEntry) -> String {
    entry
        .parameter(&ICalendarParameterName::Cn)
        .and_then(|v| v.as_text())
        .unwrap_or_default()
        .to_owned()
}

fn status_of(entry: &ICalendarEntry) -> String {
    entry
        .parameter(&ICalendarParameterName::Partstat)
        .and_then(|v| v.as_text())
        .unwrap_or("NEEDS-ACTION")
        .to_ascii_lowercase()
}

fn method_of(ical: &ICalendar) -> String {
    ical.components
        .first()
        .and_then(|c| c.property(&ICalendarProperty::Method))
        .and_then(|e| e.values.first())
        .map(|v| match v {
            ICalendarValue::Method(m) => m.as_str().to_owned(),
            other => other.as_text().unwrap_or_default().to_ascii_uppercase(),
        })
        .unwrap_or_default()
}

fn first_event(ical: &ICalendar) -> Option<&ICalendarComponent> {
    // The series itself if there is one, else the first (an override sent on its own).
    let events = || {
        ical.components
            .iter()
            .filter(|c| c.component_type == ICalendarComponentType::VEvent)
    };
    events()
        .find(|c| !c.is_recurrence_override())
        .or_else(|| events().next())
}

/// The addresses invited to event `uid` (every part of it), each once.
pub fn invitees(object: &CalendarObject, uid: &str) -> Vec<String> {
    let mut out: Vec<String> = object
        .ical
        .components
        .iter()
        .filter(|c| c.uid() == Some(uid))
        .flat_map(|c| c.properties(&ICalendarProperty::Attendee))
        .map(address)
        .filter(|a| !a.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Reads an invitation (the text of a `text/calendar` part).
pub fn read_invitation(text: &str) -> Result<(Invitation, CalendarObject), CalError> {
    let object = parse(text)?;
    let comp = first_event(&object.ical).ok_or_else(|| err("The invitation holds no event"))?;
    let view = object
        .events
        .iter()
        .find(|e| e.kind == "VEVENT")
        .ok_or_else(|| err("The invitation holds no event"))?;
    let organizer = comp.property(&ICalendarProperty::Organizer);
    let invitation = Invitation {
        method: method_of(&object.ical),
        uid: comp.uid().unwrap_or_default().to_owned(),
        recurrence_id: comp
            .property(&ICalendarProperty::RecurrenceId)
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_partial_date_time())
            .map(crate::expand::format_value),
        sequence: comp
            .property(&ICalendarProperty::Sequence)
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_integer())
            .unwrap_or(0),
        summary: view.summary.clone(),
        location: view.location.clone(),
        start: view.start.clone(),
        end: view.end.clone(),
        organizer: organizer.map(address).unwrap_or_default(),
        organizer_name: organizer.map(name_of).unwrap_or_default(),
        attendees: comp
            .properties(&ICalendarProperty::Attendee)
            .map(|e| Attendee {
                email: address(e),
                name: name_of(e),
                status: status_of(e),
            })
            .collect(),
    };
    if invitation.uid.is_empty() {
        return Err(err("The invitation's event has no UID"));
    }
    Ok((invitation, object))
}

/// An answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Yes.
    Accepted,
    /// Maybe.
    Tentative,
    /// No.
    Declined,
}

impl Answer {
    fn status(self) -> ICalendarParticipationStatus {
        match self {
            Self::Accepted => ICalendarParticipationStatus::Accepted,
            Self::Tentative => ICalendarParticipationStatus::Tentative,
            Self::Declined => ICalendarParticipationStatus::Declined,
        }
    }

    /// `accepted`, `tentative` or `declined`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Tentative => "tentative",
            Self::Declined => "declined",
        }
    }
}

impl std::str::FromStr for Answer {
    type Err = CalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accepted" | "accept" | "yes" => Ok(Self::Accepted),
            "tentative" | "maybe" => Ok(Self::Tentative),
            "declined" | "decline" | "no" => Ok(Self::Declined),
            other => Err(err(format!(
                "Unknown answer {other:?} (accepted, tentative or declined)"
            ))),
        }
    }
}

fn set_status(entry: &mut ICalendarEntry, answer: Answer) {
    entry.params.retain(|p| {
        !matches!(
            p.name,
            ICalendarParameterName::Partstat | ICalendarParameterName::Rsvp
        )
    });
    entry.params.push(ICalendarParameter {
        name: ICalendarParameterName::Partstat,
        value: ICalendarParameterValue::Partstat(answer.status()),
    });
}

fn set_method(ical: &mut ICalendar, method: Option<ICalendarMethod>) {
    if let Some(root) = ical.components.first_mut() {
        root.entries.retain(|e| e.name != ICalendarProperty::Method);
        if let Some(m) = method {
            root.entries.push(ICalendarEntry {
                name: ICalendarProperty::Method,
                params: Vec::new(),
                values: vec![ICalendarValue::Method(m)],
            });
        }
    }
}

/// The calendar's copy of an invitation: the METHOD taken away and `me`'s answer recorded.
pub fn with_answer(object: &CalendarObject, me: &str, answer: Answer) -> Result<String, CalError> {
    let mut ical = object.ical.clone();
    set_method(&mut ical, None);
    let me = me.to_ascii_lowercase();
    for comp in &mut ical.components {
        for entry in comp
            .entries
            .iter_mut()
            .filter(|e| e.name == ICalendarProperty::Attendee && address(e) == me)
        {
            set_status(entry, answer);
        }
    }
    Ok(parse(&ical.to_string())?.to_ics())
}

/// A DTSTAMP of `stamp` (UTC).
fn dtstamp(stamp: chrono::DateTime<chrono::Utc>) -> ICalendarEntry {
    let mut now = calcard::common::PartialDateTime::default();
    crate::expand::set_naive(&mut now, stamp.naive_utc());
    now.tz_hour = Some(0);
    now.tz_minute = Some(0);
    ICalendarEntry {
        name: ICalendarProperty::Dtstamp,
        params: Vec::new(),
        values: vec![ICalendarValue::PartialDateTime(Box::new(now))],
    }
}

/// The REPLY `me` sends the organiser: the event's identity and times, the organiser, and only
/// `me` as attendee with the answer (RFC 5546 §3.2.3).
pub fn reply(
    object: &CalendarObject,
    me: &str,
    answer: Answer,
    stamp: chrono::DateTime<chrono::Utc>,
) -> Result<String, CalError> {
    let mut ical = object.ical.clone();
    set_method(&mut ical, Some(ICalendarMethod::Reply));
    let me = me.to_ascii_lowercase();
    let mut found = false;
    for comp in &mut ical.components {
        if comp.component_type != ICalendarComponentType::VEvent {
            continue;
        }
        comp.entries.retain(|e| {
            matches!(
                e.name,
                ICalendarProperty::Uid
                    | ICalendarProperty::Sequence
                    | ICalendarProperty::RecurrenceId
                    | ICalendarProperty::Dtstart
                    | ICalendarProperty::Dtend
                    | ICalendarProperty::Duration
                    | ICalendarProperty::Summary
                    | ICalendarProperty::Organizer
                    | ICalendarProperty::Attendee
            ) && (e.name != ICalendarProperty::Attendee || address(e) == me)
        });
        for entry in comp
            .entries
            .iter_mut()
            .filter(|e| e.name == ICalendarProperty::Attendee)
        {
            set_status(entry, answer);
            found = true;
        }
        comp.entries
            .retain(|e| e.name != ICalendarProperty::Dtstamp);
        comp.entries.push(dtstamp(stamp));
        comp.component_ids.clear();
    }
    if !found {
        return Err(err(format!("{me} is not invited to this event")));
    }
    let text = ical.to_string();
    // Read back: the reply must be valid calendar data.
    parse(&text)?;
    Ok(text)
}

/// The organiser's address of event `uid` ("" when it names none).
pub fn organizer(object: &CalendarObject, uid: &str) -> String {
    object
        .ical
        .components
        .iter()
        .filter(|c| c.uid() == Some(uid))
        .find_map(|c| c.property(&ICalendarProperty::Organizer))
        .map(address)
        .unwrap_or_default()
}

/// What an organiser tells the attendees after changing an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// The event as it now is (RFC 5546 §3.2.2, an update: the edit has raised its SEQUENCE).
    Request,
    /// The event is called off (§3.2.5): its parts marked CANCELLED, SEQUENCE raised.
    Cancel,
}

impl Update {
    /// The iTIP method: `REQUEST` or `CANCEL`.
    pub fn method(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// The iTIP message the organiser sends the attendees of event `uid` (in `object`) after a
/// change: every part of the event with the METHOD set and a fresh DTSTAMP, the time zones
/// they use kept, and the organiser's own alarms left out.
pub fn organizer_update(
    object: &CalendarObject,
    uid: &str,
    update: Update,
    stamp: chrono::DateTime<chrono::Utc>,
) -> Result<String, CalError> {
    let mut ical = object.ical.clone();
    if update == Update::Cancel {
        crate::edit::bump_sequence(&mut ical, uid);
    }
    set_method(
        &mut ical,
        Some(match update {
            Update::Request => ICalendarMethod::Request,
            Update::Cancel => ICalendarMethod::Cancel,
        }),
    );
    let mut found = false;
    for comp in &mut ical.components {
        if comp.component_type != ICalendarComponentType::VEvent || comp.uid() != Some(uid) {
            continue;
        }
        found = true;
        comp.entries.retain(|e| {
            e.name != ICalendarProperty::Dtstamp
                && (update == Update::Request || e.name != ICalendarProperty::Status)
        });
        drop_schedule_agent(comp);
        comp.entries.push(dtstamp(stamp));
        if update == Update::Cancel {
            comp.entries.push(ICalendarEntry {
                name: ICalendarProperty::Status,
                params: Vec::new(),
                values: vec![ICalendarValue::Status(ICalendarStatus::Cancelled)],
            });
        }
        comp.component_ids.clear();
    }
    if !found {
        return Err(err(format!("There is no event {uid} to send")));
    }
    let text = ical.to_string();
    // Read back: what goes out must be valid calendar data.
    parse(&text)?;
    Ok(text)
}

/// The calendar's copy of event `uid` once its organiser sends the changes by mail: every
/// attendee but the organiser marked SCHEDULE-AGENT=CLIENT (RFC 6638 §7.1), so a server that
/// schedules for organisers does not send its own copy of the same change.
pub fn scheduled_by_client(object: &CalendarObject, uid: &str) -> Result<CalendarObject, CalError> {
    let organiser = organizer(object, uid);
    let mut ical = object.ical.clone();
    for comp in ical.components.iter_mut().filter(|c| c.uid() == Some(uid)) {
        for entry in comp
            .entries
            .iter_mut()
            .filter(|e| e.name == ICalendarProperty::Attendee && address(e) != organiser)
        {
            entry
                .params
                .retain(|p| p.name != ICalendarParameterName::ScheduleAgent);
            entry.params.push(ICalendarParameter {
                name: ICalendarParameterName::ScheduleAgent,
                value: ICalendarParameterValue::ScheduleAgent(ICalendarScheduleAgentValue::Client),
            });
        }
    }
    parse(&ical.to_string())
}

/// What moving a part of an event changes: its time and its recurrence.
const WHEN: [ICalendarProperty; 6] = [
    ICalendarProperty::Dtstart,
    ICalendarProperty::Dtend,
    ICalendarProperty::Duration,
    ICalendarProperty::Rrule,
    ICalendarProperty::Rdate,
    ICalendarProperty::Exdate,
];

/// Event `uid` of `after` (an organiser's edit of `before`) with the people invited asked
/// again wherever its time changed: in each part (the series, or one occurrence) whose start,
/// end, duration or recurrence differs from `before`, or that `before` did not have, every
/// attendee but the organiser gets PARTSTAT=NEEDS-ACTION and RSVP=TRUE — an answer to the old
/// time is not one to the new (RFC 5546 §2.1.5). Parts whose time is unchanged keep theirs.
pub fn answers_reset_where_moved(
    before: &CalendarObject,
    after: &CalendarObject,
    uid: &str,
) -> Result<CalendarObject, CalError> {
    let organiser = organizer(after, uid);
    let part = |c: &ICalendarComponent| {
        let occurrence = c
            .property(&ICalendarProperty::RecurrenceId)
            .map(|e| e.values.clone());
        let mut when: Vec<ICalendarEntry> = c
            .entries
            .iter()
            .filter(|e| WHEN.contains(&e.name))
            .cloned()
            .collect();
        when.sort();
        (occurrence, when)
    };
    let of_event = |c: &ICalendarComponent| {
        c.component_type == ICalendarComponentType::VEvent && c.uid() == Some(uid)
    };
    let old: Vec<_> = before
        .ical
        .components
        .iter()
        .filter(|c| of_event(c))
        .map(part)
        .collect();
    let mut ical = after.ical.clone();
    let mut asked = false;
    for comp in ical.components.iter_mut().filter(|c| of_event(c)) {
        if old.contains(&part(comp)) {
            continue;
        }
        for entry in comp
            .entries
            .iter_mut()
            .filter(|e| e.name == ICalendarProperty::Attendee && address(e) != organiser)
        {
            entry.params.retain(|p| {
                !matches!(
                    p.name,
                    ICalendarParameterName::Partstat | ICalendarParameterName::Rsvp
                )
            });
            entry.params.push(ICalendarParameter::partstat(
                ICalendarParticipationStatus::NeedsAction,
            ));
            entry.params.push(ICalendarParameter::rsvp(true));
            asked = true;
        }
    }
    if !asked {
        return Ok(after.clone());
    }
    parse(&ical.to_string())
}

/// iTIP messages carry no SCHEDULE-AGENT (it is a note to the organiser's own server).
fn drop_schedule_agent(comp: &mut ICalendarComponent) {
    for entry in &mut comp.entries {
        entry
            .params
            .retain(|p| p.name != ICalendarParameterName::ScheduleAgent);
    }
}

/// The CANCEL of one occurrence (`rid`, as the app names it: `YYYYMMDD[THHMMSS[Z]]`) of
/// the recurring event `uid` (RFC 5546 §3.2.5): one VEVENT with its RECURRENCE-ID, the
/// organiser, the people invited, the event's SEQUENCE raised and STATUS:CANCELLED.
pub fn organizer_cancel_occurrence(
    object: &CalendarObject,
    uid: &str,
    rid: &str,
    stamp: chrono::DateTime<chrono::Utc>,
) -> Result<String, CalError> {
    let at = crate::edit::rid_naive(rid)?;
    let mut ical = object.ical.clone();
    crate::edit::bump_sequence(&mut ical, uid);
    set_method(&mut ical, Some(ICalendarMethod::Cancel));
    let parts: Vec<usize> = ical
        .components
        .iter()
        .enumerate()
        .filter(|(_, c)| c.component_type == ICalendarComponentType::VEvent && c.uid() == Some(uid))
        .map(|(i, _)| i)
        .collect();
    let master = parts
        .iter()
        .copied()
        .find(|i| {
            ical.components
                .get(*i)
                .is_some_and(|c| !c.is_recurrence_override())
        })
        .ok_or_else(|| err(format!("There is no recurring event {uid}")))?;
    let comp = ical
        .components
        .get_mut(master)
        .ok_or_else(|| err(format!("There is no recurring event {uid}")))?;
    comp.entries.retain(|e| {
        matches!(
            e.name,
            ICalendarProperty::Uid
                | ICalendarProperty::Sequence
                | ICalendarProperty::Dtstart
                | ICalendarProperty::Summary
                | ICalendarProperty::Location
                | ICalendarProperty::Organizer
                | ICalendarProperty::Attendee
        )
    });
    let start = comp
        .entries
        .iter_mut()
        .find(|e| e.name == ICalendarProperty::Dtstart)
        .ok_or_else(|| err("The event has no start"))?;
    for value in &mut start.values {
        if let ICalendarValue::PartialDateTime(dt) = value {
            let all_day = dt.hour.is_none();
            crate::expand::set_naive(dt, at);
            if all_day {
                (dt.hour, dt.minute, dt.second) = (None, None, None);
            }
        }
    }
    let mut recurrence_id = start.clone();
    recurrence_id.name = ICalendarProperty::RecurrenceId;
    comp.entries.push(recurrence_id);
    drop_schedule_agent(comp);
    comp.entries.push(dtstamp(stamp));
    comp.entries.push(ICalendarEntry {
        name: ICalendarProperty::Status,
        params: Vec::new(),
        values: vec![ICalendarValue::Status(ICalendarStatus::Cancelled)],
    });
    comp.component_ids.clear();
    // Only this one part goes: the series' other parts (overrides) are left out.
    if let Some(root) = ical.components.first_mut() {
        root.component_ids
            .retain(|id| usize::try_from(*id).map_or(true, |i| i == master || !parts.contains(&i)));
    }
    let text = ical.to_string();
    parse(&text)?;
    Ok(text)
}

/// Records an attendee's answer (from their REPLY) in the calendar's copy of the event.
pub fn record_reply(stored: &CalendarObject, reply: &Invitation) -> Result<String, CalError> {
    let mut ical = stored.ical.clone();
    for attendee in &reply.attendees {
        let answer: Option<Answer> = attendee.status.parse().ok();
        let Some(answer) = answer else {
            continue;
        };
        for comp in &mut ical.components {
            if comp.uid() != Some(reply.uid.as_str()) {
                continue;
            }
            for entry in comp
                .entries
                .iter_mut()
                .filter(|e| e.name == ICalendarProperty::Attendee && address(e) == attendee.email)
            {
                set_status(entry, answer);
            }
        }
    }
    Ok(parse(&ical.to_string())?.to_ics())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:plan-42@example.com\r\nSEQUENCE:2\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261201T140000Z\r\nDTEND:20261201T150000Z\r\nSUMMARY:Planning\r\nLOCATION:Room 4\r\nORGANIZER;CN=Ana Diaz:mailto:ana@example.com\r\nATTENDEE;CN=Ana Diaz;PARTSTAT=ACCEPTED:mailto:ana@example.com\r\nATTENDEE;CN=Sam;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:Sam@Example.org\r\nATTENDEE;PARTSTAT=TENTATIVE:mailto:lee@example.net\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn stamp() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// Per VEVENT of `object` (in order): each attendee's `email PARTSTAT [RSVP]`.
    fn answers(object: &CalendarObject) -> Vec<Vec<String>> {
        let text = object.ical.to_string().replace("\r\n ", "");
        text.split("BEGIN:VEVENT")
            .skip(1)
            .map(|event| {
                event
                    .lines()
                    .filter(|l| l.starts_with("ATTENDEE"))
                    .map(|l| {
                        let (params, to) = l.rsplit_once(":mailto:").unwrap();
                        let status = params.split(';').find_map(|p| p.strip_prefix("PARTSTAT="));
                        let rsvp = params.contains("RSVP=TRUE");
                        format!(
                            "{} {}{}",
                            to.to_lowercase(),
                            status.unwrap(),
                            if rsvp { " RSVP" } else { "" }
                        )
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_move_asks_the_people_invited_again_where_the_time_changed() {
        let at = |s: &str| crate::Moment::parse(s).unwrap();
        let before = parse(REQUEST).unwrap();
        let as_sent = vec![
            "ana@example.com ACCEPTED".to_owned(),
            "sam@example.org NEEDS-ACTION RSVP".to_owned(),
            "lee@example.net TENTATIVE".to_owned(),
        ];
        assert_eq!(answers(&before), std::slice::from_ref(&as_sent));

        // Moved: everyone but the organiser is asked again.
        let moved = crate::move_event(
            &before,
            "plan-42@example.com",
            None,
            crate::Scope::All,
            at("2026-12-02T14:00:00Z"),
            at("2026-12-02T15:00:00Z"),
            chrono_tz::UTC,
        )
        .unwrap()
        .object
        .unwrap();
        let asked = answers_reset_where_moved(&before, &moved, "plan-42@example.com").unwrap();
        assert_eq!(
            answers(&asked),
            [[
                "ana@example.com ACCEPTED",
                "sam@example.org NEEDS-ACTION RSVP",
                "lee@example.net NEEDS-ACTION RSVP"
            ]]
        );
        // Nothing about its time changed: the answers stay.
        let same = answers_reset_where_moved(&before, &before, "plan-42@example.com").unwrap();
        assert_eq!(answers(&same), std::slice::from_ref(&as_sent));

        // One occurrence of a weekly series moved: only that occurrence is asked about again.
        let weekly = parse(&REQUEST.replace(
            "SEQUENCE:2\r\n",
            "SEQUENCE:2\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n",
        ))
        .unwrap();
        let one = crate::move_event(
            &weekly,
            "plan-42@example.com",
            Some("20261208T140000Z"),
            crate::Scope::One,
            at("2026-12-08T16:00:00Z"),
            at("2026-12-08T17:00:00Z"),
            chrono_tz::UTC,
        )
        .unwrap()
        .object
        .unwrap();
        let asked = answers_reset_where_moved(&weekly, &one, "plan-42@example.com").unwrap();
        let parts = answers(&asked);
        assert_eq!(parts.len(), 2, "the series and the moved occurrence");
        assert_eq!(parts[0], as_sent, "the series keeps its answers");
        assert_eq!(parts[1][2], "lee@example.net NEEDS-ACTION RSVP");
        assert_eq!(parts[1][0], "ana@example.com ACCEPTED");
    }

    #[test]
    fn a_request_is_read_with_its_people_and_answers() {
        let (inv, _) = read_invitation(REQUEST).unwrap();
        assert_eq!(inv.method, "REQUEST");
        assert_eq!(inv.uid, "plan-42@example.com");
        assert_eq!(inv.sequence, 2);
        assert_eq!(inv.organizer, "ana@example.com");
        assert_eq!(inv.organizer_name, "Ana Diaz");
        let people: Vec<(&str, &str)> = inv
            .attendees
            .iter()
            .map(|a| (a.email.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(
            people,
            [
                ("ana@example.com", "accepted"),
                ("sam@example.org", "needs-action"),
                ("lee@example.net", "tentative")
            ]
        );
    }

    #[test]
    fn a_reply_names_only_me_with_my_answer_and_the_copy_records_it() {
        let (_, object) = read_invitation(REQUEST).unwrap();
        let text = reply(&object, "sam@example.org", Answer::Accepted, stamp()).unwrap();
        assert!(text.contains("METHOD:REPLY"), "{text}");
        assert!(text.contains("UID:plan-42@example.com"));
        assert!(text.contains("SEQUENCE:2"));
        assert!(text.contains("DTSTAMP:20261121T100000Z"), "{text}");
        assert!(text.contains("ORGANIZER"));
        assert_eq!(text.matches("ATTENDEE").count(), 1, "{text}");
        assert!(text.contains("PARTSTAT=ACCEPTED"));
        assert!(!text.contains("RSVP"));
        assert!(!text.contains("VALARM"));
        let (back, _) = read_invitation(&text).unwrap();
        assert_eq!(back.method, "REPLY");
        assert_eq!(back.attendees[0].email, "sam@example.org");

        let copy = with_answer(&object, "SAM@example.org", Answer::Tentative).unwrap();
        assert!(!copy.contains("METHOD"));
        assert!(copy.contains("VALARM"));
        let (mine, _) = read_invitation(&copy).unwrap();
        assert_eq!(mine.attendees[1].status, "tentative");

        assert!(reply(&object, "nobody@example.org", Answer::Declined, stamp()).is_err());

        let recorded = record_reply(&parse(&copy).unwrap(), &back).unwrap();
        let (after, _) = read_invitation(&recorded).unwrap();
        assert_eq!(after.attendees[1].status, "accepted");
    }

    #[test]
    fn the_organiser_sends_an_update_or_a_cancellation_without_alarms() {
        let stored = parse(&REQUEST.replace("METHOD:REQUEST\r\n", "")).unwrap();
        assert_eq!(organizer(&stored, "plan-42@example.com"), "ana@example.com");
        assert_eq!(organizer(&stored, "other@example.com"), "");

        let update =
            organizer_update(&stored, "plan-42@example.com", Update::Request, stamp()).unwrap();
        let (inv, _) = read_invitation(&update).unwrap();
        assert_eq!(inv.method, "REQUEST");
        assert_eq!(inv.sequence, 2, "the edit raised it already");
        assert_eq!(inv.attendees.len(), 3);
        assert!(update.contains("DTSTAMP:20261121T100000Z"), "{update}");
        assert_eq!(update.matches("DTSTAMP").count(), 1, "{update}");
        assert!(!update.contains("VALARM"), "{update}");
        assert!(!update.contains("STATUS:CANCELLED"));

        let cancel =
            organizer_update(&stored, "plan-42@example.com", Update::Cancel, stamp()).unwrap();
        let (inv, _) = read_invitation(&cancel).unwrap();
        assert_eq!(inv.method, "CANCEL");
        assert_eq!(inv.sequence, 3, "a cancellation is a new version");
        assert!(cancel.contains("STATUS:CANCELLED"), "{cancel}");
        assert_eq!(inv.attendees.len(), 3);
        assert!(!cancel.contains("VALARM"));

        assert!(organizer_update(&stored, "nope", Update::Request, stamp()).is_err());

        // Once the organiser sends changes by mail, the server is told not to send its own.
        let marked = scheduled_by_client(&stored, "plan-42@example.com").unwrap();
        let text = marked.to_ics();
        assert_eq!(text.matches("SCHEDULE-AGENT=CLIENT").count(), 2, "{text}");
        assert!(
            text.lines().any(|l| l.starts_with("ATTENDEE")
                && l.contains("ana@example.com")
                && !l.contains("SCHEDULE-AGENT")),
            "not the organiser: {text}"
        );
        let update =
            organizer_update(&marked, "plan-42@example.com", Update::Request, stamp()).unwrap();
        assert!(!update.contains("SCHEDULE-AGENT"), "{update}");
    }

    #[test]
    fn one_cancelled_occurrence_goes_alone_with_its_recurrence_id() {
        let weekly = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:w@x\r\nSEQUENCE:4\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Weekly\r\nDTSTART;TZID=Europe/Berlin:20261207T093000\r\nDTEND;TZID=Europe/Berlin:20261207T100000\r\nRRULE:FREQ=WEEKLY;COUNT=5\r\nORGANIZER:mailto:me@example.com\r\nATTENDEE:mailto:me@example.com\r\nATTENDEE:mailto:ana@example.org\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:w@x\r\nSEQUENCE:4\r\nDTSTAMP:20261101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261221T093000\r\nSUMMARY:Weekly (later)\r\nDTSTART;TZID=Europe/Berlin:20261221T110000\r\nDTEND;TZID=Europe/Berlin:20261221T113000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let object = parse(weekly).unwrap();
        let text = organizer_cancel_occurrence(&object, "w@x", "20261214T093000", stamp()).unwrap();
        let (inv, back) = read_invitation(&text).unwrap();
        assert_eq!(inv.method, "CANCEL");
        assert_eq!(inv.sequence, 5);
        assert_eq!(
            inv.recurrence_id.as_deref(),
            Some("20261214T093000"),
            "{text}"
        );
        assert_eq!(inv.attendees.len(), 2);
        assert_eq!(
            back.events.len(),
            1,
            "only the cancelled occurrence: {text}"
        );
        assert!(
            text.contains("RECURRENCE-ID;TZID=Europe/Berlin:20261214T093000"),
            "{text}"
        );
        assert!(
            text.contains("DTSTART;TZID=Europe/Berlin:20261214T093000"),
            "{text}"
        );
        assert!(text.contains("STATUS:CANCELLED"));
        for gone in ["RRULE", "VALARM", "Weekly (later)", "DTEND"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        assert!(organizer_cancel_occurrence(&object, "w@x", "someday", stamp()).is_err());
    }
}
