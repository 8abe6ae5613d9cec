//! Reminders: the calendar's alarms (VALARM) that fall due, each shown once — including the
//! ones due while Orbit was not running, which are shown once (as missed) at the next check.

use chrono::Duration;
use orbit_store::calendar as db;
use serde::Serialize;

use crate::{Orbit, Result};

/// A reminder to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// The event.
    pub uid: String,
    /// Its title.
    pub summary: String,
    /// Where.
    pub location: String,
    /// When the occurrence starts (RFC 3339 UTC, or `YYYY-MM-DD` all day).
    pub start: String,
    /// All day.
    pub all_day: bool,
    /// When the alarm was due (RFC 3339 UTC).
    pub due_at: String,
    /// It fell due while Orbit was not running (shown late).
    pub missed: bool,
}

const SINCE_KEY: &str = "reminders.checked_at";
/// Alarms older than this are not shown any more.
const FORGET_AFTER_DAYS: i64 = 7;
/// An alarm seen this late was missed.
const LATE_SECONDS: i64 = 120;

/// The user's time zone (IANA), or UTC when the system does not say.
pub fn local_zone() -> chrono_tz::Tz {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

impl Orbit {
    /// The reminders due now that were not shown yet, each returned once (recorded as shown in
    /// the same call). A new profile starts counting from its first check.
    pub fn calendar_reminders_due(&self, tz: chrono_tz::Tz) -> Result<Vec<Reminder>> {
        let now = self.clock.now();
        let now_text = self.now_stamp();
        let since = self
            .store
            .read(|c| orbit_store::settings::get(c, SINCE_KEY))?
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.to_utc());
        let Some(since) = since else {
            self.store
                .write(|tx| orbit_store::settings::set(tx, SINCE_KEY, &now_text, &now_text))?;
            return Ok(Vec::new());
        };
        let lower = since.max(now - Duration::days(FORGET_AFTER_DAYS)) - Duration::minutes(1);
        // Alarms come before (or after) their occurrence: look a week either way.
        let occurrences =
            self.calendar_events(lower - Duration::days(7), now + Duration::days(8), tz)?;
        let mut due = Vec::new();
        for o in occurrences {
            for at in &o.alarms {
                let Ok(when) = chrono::DateTime::parse_from_rfc3339(at) else {
                    continue;
                };
                let when = when.to_utc();
                if when > lower && when <= now {
                    due.push(Reminder {
                        uid: o.uid.clone(),
                        summary: o.summary.clone(),
                        location: o.location.clone(),
                        start: o.start.clone(),
                        all_day: o.all_day,
                        due_at: at.clone(),
                        missed: (now - when).num_seconds() > LATE_SECONDS,
                    });
                }
            }
        }
        let fresh = self.store.write(|tx| -> Result<Vec<Reminder>> {
            let mut fresh = Vec::new();
            for r in due {
                if db::reminder_shown(tx, &r.uid, &r.start, &r.due_at, r.missed, &now_text)? {
                    fresh.push(r);
                }
            }
            orbit_store::settings::set(tx, SINCE_KEY, &now_text, &now_text)?;
            Ok(fresh)
        })?;
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{FixedClock, OpenOptions};

    fn event(uid: &str, start: &str, trigger: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261126T000000Z\r\nSUMMARY:{uid}\r\nDTSTART:{start}\r\nDURATION:PT30M\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:{trigger}\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    #[test]
    fn each_reminder_is_shown_once_and_those_due_while_closed_are_missed() {
        let dir = tempfile::tempdir().unwrap();
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-26T08:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Arc::new(FixedClock::new(start));
        let orbit = Orbit::open(OpenOptions::for_test(dir.path(), clock.clone())).unwrap();
        let account = orbit.local_account().unwrap();
        let calendar = orbit
            .store
            .write(|tx| db::upsert_calendar(tx, account, "/cal/", "Cal", ""))
            .unwrap();
        // Due 08:45 (15 minutes before 09:00), 11:50, and one long ago.
        for (uid, at, trigger) in [
            ("standup", "20261126T090000Z", "-PT15M"),
            ("lunch", "20261126T120000Z", "-PT10M"),
            ("old", "20261101T090000Z", "-PT15M"),
        ] {
            orbit
                .calendar_import(calendar, &event(uid, at, trigger))
                .unwrap();
        }
        let utc = chrono_tz::UTC;
        assert!(
            orbit.calendar_reminders_due(utc).unwrap().is_empty(),
            "the first check starts the count"
        );
        clock.advance(Duration::minutes(40)); // 08:40
        assert!(orbit.calendar_reminders_due(utc).unwrap().is_empty());
        clock.advance(Duration::minutes(6)); // 08:46
        let due = orbit.calendar_reminders_due(utc).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].uid.as_str(), due[0].missed), ("standup", false));
        assert_eq!(due[0].due_at, "2026-11-26T08:45:00Z");
        assert!(
            orbit.calendar_reminders_due(utc).unwrap().is_empty(),
            "shown once"
        );
        // Orbit is closed until 14:00: lunch's reminder is shown once, as missed.
        clock.advance(Duration::hours(5) + Duration::minutes(14));
        let due = orbit.calendar_reminders_due(utc).unwrap();
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!((due[0].uid.as_str(), due[0].missed), ("lunch", true));
        assert!(orbit.calendar_reminders_due(utc).unwrap().is_empty());
    }
}
