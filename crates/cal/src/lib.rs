//! Calendar logic with no I/O: iCalendar text in and out (calcard), the events of a calendar
//! object as Orbit shows them, and their occurrences in a time range (recurrence rules,
//! RDATE, EXDATE and RECURRENCE-ID overrides applied; all-day events kept as dates).
//!
//! Architecture invariant: this crate does no I/O and knows no SQL or protocol.

mod edit;
mod event;
mod expand;
mod imip;
mod natural;
mod todo;

pub use edit::{Edited, Moment, Scope, delete_event, move_event};
pub use event::{EventTime, EventView, parse};
pub use expand::{Occurrence, day_start, expand};
pub use imip::{
    Answer, Attendee, Invitation, Update, answers_reset_where_moved, invitees, organizer,
    organizer_cancel_occurrence, organizer_update, read_invitation, record_reply, reply,
    scheduled_by_client, with_answer,
};
pub use natural::{NaturalEvent, NaturalTask, parse_natural, parse_task, to_ics};
pub use todo::{TodoChange, TodoView, new_todo, next_due, todos, update_todo};

/// Escapes a TEXT value (RFC 5545 §3.3.11) for a content line written by hand.
pub(crate) fn escape_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Why a calendar object could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalError {
    /// For people.
    pub message: String,
}

impl std::fmt::Display for CalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CalError {}

/// A parsed calendar object (one `.ics` resource): its events as shown, and the object itself
/// for writing back unchanged (unknown properties included).
#[derive(Debug, Clone)]
pub struct CalendarObject {
    /// calcard's model of the object.
    pub ical: calcard::icalendar::ICalendar,
    /// Its events and to-dos.
    pub events: Vec<EventView>,
}

impl CalendarObject {
    /// The object as iCalendar text.
    pub fn to_ics(&self) -> String {
        self.ical.to_string()
    }
}

/// One calendar file holding the events of many objects (an export): each time zone once.
pub fn merge(objects: &[CalendarObject]) -> String {
    use calcard::icalendar::{
        ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarProperty,
        ICalendarValue,
    };

    fn copy(from: &ICalendar, id: u32, to: &mut ICalendar) -> Option<u32> {
        let comp = from.component_by_id(id)?;
        let children: Vec<u32> = comp
            .component_ids
            .iter()
            .filter_map(|c| copy(from, *c, to))
            .collect();
        let new_id = u32::try_from(to.components.len()).ok()?;
        to.components.push(ICalendarComponent {
            component_type: comp.component_type.clone(),
            entries: comp.entries.clone(),
            component_ids: children,
        });
        Some(new_id)
    }

    let text = |name: ICalendarProperty, value: &str| ICalendarEntry {
        name,
        params: Vec::new(),
        values: vec![ICalendarValue::Text(value.to_owned())],
    };
    let mut out = ICalendar {
        components: vec![ICalendarComponent {
            component_type: ICalendarComponentType::VCalendar,
            entries: vec![
                text(ICalendarProperty::Version, "2.0"),
                text(ICalendarProperty::Prodid, "-//Orbit//Orbit//EN"),
            ],
            component_ids: Vec::new(),
        }],
    };
    let mut zones = std::collections::HashSet::new();
    let mut top = Vec::new();
    for object in objects {
        let Some(root) = object.ical.components.first() else {
            continue;
        };
        for id in &root.component_ids {
            let Some(comp) = object.ical.component_by_id(*id) else {
                continue;
            };
            if comp.component_type == ICalendarComponentType::VTimezone {
                let tzid = comp
                    .property(&ICalendarProperty::Tzid)
                    .and_then(|e| e.values.first())
                    .and_then(|v| v.as_text())
                    .unwrap_or_default()
                    .to_owned();
                if !zones.insert(tzid) {
                    continue;
                }
            }
            if let Some(new_id) = copy(&object.ical, *id, &mut out) {
                top.push(new_id);
            }
        }
    }
    if let Some(root) = out.components.first_mut() {
        root.component_ids = top;
    }
    out.to_string()
}
