//! Reading a calendar object: the events (and to-dos) it holds, with their times as written.

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarParameterName,
    ICalendarProperty,
};
use serde::Serialize;

use crate::{CalError, CalendarObject};

/// A start or end as the object writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventTime {
    /// A date (all-day), `YYYY-MM-DD`.
    Date {
        /// The date.
        date: String,
    },
    /// A date and time in a zone (`tzid`), in UTC (`utc`), or floating (neither).
    DateTime {
        /// `YYYY-MM-DDTHH:MM:SS` as written.
        local: String,
        /// The TZID parameter, if any.
        tzid: Option<String>,
        /// Written in UTC (`Z`).
        utc: bool,
    },
}

/// An event or to-do as Orbit lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// VEVENT or VTODO.
    pub kind: String,
    /// UID.
    pub uid: String,
    /// SUMMARY.
    pub summary: String,
    /// LOCATION.
    pub location: String,
    /// DTSTART.
    pub start: Option<EventTime>,
    /// DTEND (or DUE for a to-do).
    pub end: Option<EventTime>,
    /// It has an RRULE or RDATE.
    pub recurring: bool,
    /// It overrides one occurrence (RECURRENCE-ID).
    pub is_override: bool,
    /// How many alarms it has.
    pub alarms: usize,
    /// How many people are invited (ATTENDEE).
    pub attendees: usize,
}

fn text_of(comp: &ICalendarComponent, prop: &ICalendarProperty) -> String {
    comp.property(prop)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .unwrap_or_default()
        .to_owned()
}

fn time(comp: &ICalendarComponent, prop: &ICalendarProperty) -> Option<EventTime> {
    let entry = comp.property(prop)?;
    let dt = entry.values.first()?.as_partial_date_time()?;
    let date = format!("{:04}-{:02}-{:02}", dt.year?, dt.month?, dt.day?);
    match (dt.hour, dt.minute) {
        (Some(h), Some(m)) => Some(EventTime::DateTime {
            local: format!("{date}T{h:02}:{m:02}:{:02}", dt.second.unwrap_or(0)),
            tzid: entry
                .parameter(&ICalendarParameterName::Tzid)
                .and_then(|p| p.as_text())
                .map(str::to_owned),
            utc: dt.tz_hour == Some(0) && dt.tz_minute.unwrap_or(0) == 0,
        }),
        _ => Some(EventTime::Date { date }),
    }
}

/// Parses one calendar object (the text of an `.ics` file or a CalDAV resource). Malformed
/// lines are skipped as calcard's parser does; text that holds no VCALENDAR is an error.
pub fn parse(text: &str) -> Result<CalendarObject, CalError> {
    // calcard is careful, but a calendar from the network must never take the app down.
    let parsed = std::panic::catch_unwind(|| ICalendar::parse(text)).map_err(|_| CalError {
        message: "The calendar data could not be read (the parser failed)".into(),
    })?;
    let ical = parsed.map_err(|entry| CalError {
        message: format!("This is not calendar data ({})", describe(&entry)),
    })?;
    let events = ical
        .components
        .iter()
        .filter(|c| {
            matches!(
                c.component_type,
                ICalendarComponentType::VEvent | ICalendarComponentType::VTodo
            )
        })
        .map(|c| EventView {
            kind: if c.component_type == ICalendarComponentType::VTodo {
                "VTODO".into()
            } else {
                "VEVENT".into()
            },
            uid: c.uid().unwrap_or_default().to_owned(),
            summary: text_of(c, &ICalendarProperty::Summary),
            location: text_of(c, &ICalendarProperty::Location),
            start: time(c, &ICalendarProperty::Dtstart),
            end: time(c, &ICalendarProperty::Dtend).or_else(|| time(c, &ICalendarProperty::Due)),
            recurring: c.is_recurrent(),
            is_override: c.is_recurrence_override(),
            alarms: c
                .component_ids
                .iter()
                .filter(|id| {
                    ical.component_by_id(**id)
                        .is_some_and(|a| a.component_type == ICalendarComponentType::VAlarm)
                })
                .count(),
            attendees: c.properties(&ICalendarProperty::Attendee).count(),
        })
        .collect();
    Ok(CalendarObject { ical, events })
}

fn describe(entry: &calcard::Entry) -> String {
    match entry {
        calcard::Entry::InvalidLine(line) => format!("invalid line {line:?}"),
        calcard::Entry::Eof => "empty".into(),
        calcard::Entry::VCard(_) => "a vCard".into(),
        calcard::Entry::UnexpectedComponentEnd { .. } => "a component ends unexpectedly".into(),
        calcard::Entry::UnterminatedComponent(_) => "a component is not terminated".into(),
        _ => "unexpected content".into(),
    }
}
