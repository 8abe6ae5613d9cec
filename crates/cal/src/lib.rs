//! Calendar logic with no I/O: iCalendar text in and out (calcard), the events of a calendar
//! object as Orbit shows them, and their occurrences in a time range (recurrence rules,
//! RDATE, EXDATE and RECURRENCE-ID overrides applied; all-day events kept as dates).
//!
//! Architecture invariant: this crate does no I/O and knows no SQL or protocol.

mod event;
mod expand;
mod natural;

pub use event::{EventTime, EventView, parse};
pub use expand::{Occurrence, day_start, expand};
pub use natural::{NaturalEvent, parse_natural, to_ics};

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
