//! Occurrences of a calendar object's events in a time range: recurrence rules, RDATE,
//! EXDATE and RECURRENCE-ID overrides applied by calcard, times resolved in their zones (IANA,
//! Windows names and custom VTIMEZONEs), floating times in the user's zone, and all-day events
//! kept as dates — never moved through UTC.

use std::collections::HashMap;

use calcard::common::PartialDateTime;
use calcard::icalendar::dates::TimeOrDelta;
use calcard::icalendar::{ICalendarComponent, ICalendarProperty, ICalendarValue};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;

use crate::CalendarObject;

/// Instances expanded per calendar object at most (a daily event for 27 years).
const LIMIT: usize = 10_000;
/// calcard compares UNTIL with local (floating) times; UTC offsets are at most 14 hours, so an
/// UNTIL widened by that much misses no instance, and the true UNTIL is applied afterwards.
const UNTIL_SLACK_HOURS: i64 = 14;

/// One occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// The event's UID.
    pub uid: String,
    /// Its SUMMARY.
    pub summary: String,
    /// RFC 3339 in UTC, or `YYYY-MM-DD` for an all-day event.
    pub start: String,
    /// The same; for an all-day event the day after the last day (exclusive, as written).
    pub end: String,
    /// A whole-day event.
    pub all_day: bool,
    /// This occurrence was changed on its own (RECURRENCE-ID).
    pub is_override: bool,
    /// It comes from a recurring event.
    pub recurring: bool,
}

fn is_date_only(comp: &ICalendarComponent) -> bool {
    comp.property(&ICalendarProperty::Dtstart)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_partial_date_time())
        .is_some_and(|dt| dt.hour.is_none())
}

fn naive(dt: &PartialDateTime) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(
        i32::from(dt.year?),
        u32::from(dt.month?),
        u32::from(dt.day?),
    )?
    .and_hms_opt(
        u32::from(dt.hour?),
        u32::from(dt.minute.unwrap_or(0)),
        u32::from(dt.second.unwrap_or(0)),
    )
}

fn set_naive(dt: &mut PartialDateTime, n: NaiveDateTime) {
    use chrono::{Datelike, Timelike};
    dt.year = u16::try_from(n.year()).ok();
    dt.month = u8::try_from(n.month()).ok();
    dt.day = u8::try_from(n.day()).ok();
    dt.hour = u8::try_from(n.hour()).ok();
    dt.minute = u8::try_from(n.minute()).ok();
    dt.second = u8::try_from(n.second()).ok();
}

/// The occurrences of `object`'s events that overlap `[from, to)`, ordered by start.
/// Floating times are read in `local`, the user's zone.
pub fn expand(
    object: &CalendarObject,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    local: chrono_tz::Tz,
) -> Vec<Occurrence> {
    // Only a recurring object needs a copy to adjust its rules in.
    let recurring = object
        .ical
        .components
        .iter()
        .any(|c| c.entries.iter().any(|e| e.name == ICalendarProperty::Rrule));
    let mut copy = recurring.then(|| object.ical.clone());
    let mut until_of: HashMap<usize, DateTime<Utc>> = HashMap::new();
    for (index, comp) in copy
        .iter_mut()
        .flat_map(|ical| ical.components.iter_mut())
        .enumerate()
    {
        for entry in comp
            .entries
            .iter_mut()
            .filter(|e| e.name == ICalendarProperty::Rrule)
        {
            for value in &mut entry.values {
                let ICalendarValue::RecurrenceRule(rule) = value else {
                    continue;
                };
                if rule.count.is_none() && rule.until.is_none() {
                    // Endless: nothing after the range is needed, so the rule ends there.
                    let mut end = PartialDateTime::default();
                    set_naive(&mut end, to.naive_utc());
                    end.tz_hour = Some(0);
                    end.tz_minute = Some(0);
                    rule.until = Some(end);
                }
                let Some(until) = rule.until.as_mut() else {
                    continue;
                };
                let utc = until.tz_hour == Some(0) && until.tz_minute.unwrap_or(0) == 0;
                if let (true, Some(n)) = (utc, naive(until)) {
                    // Nothing after the range is needed either.
                    let n = n.min(to.naive_utc());
                    until_of.insert(index, n.and_utc());
                    set_naive(until, n + Duration::hours(UNTIL_SLACK_HOURS));
                }
            }
        }
    }
    let ical = copy.as_ref().unwrap_or(&object.ical);
    let expanded = ical.expand_dates(local, LIMIT);
    let from_day = from.with_timezone(&local).date_naive();
    let to_day = to.with_timezone(&local).date_naive();
    let mut out: Vec<(String, Occurrence)> = Vec::new();
    for event in expanded.events {
        let Ok(index) = usize::try_from(event.comp_id) else {
            continue;
        };
        let Some(comp) = ical.components.get(index) else {
            continue;
        };
        let start_utc = event.start.with_timezone(&Utc);
        if until_of.get(&index).is_some_and(|until| start_utc > *until) {
            continue;
        }
        let end = match event.end {
            TimeOrDelta::Time(t) => t.with_timezone(&Utc),
            TimeOrDelta::Delta(d) => start_utc + d,
        };
        let all_day = is_date_only(comp);
        let occurrence = |start: String, end: String| Occurrence {
            uid: comp.uid().unwrap_or_default().to_owned(),
            summary: comp
                .property(&ICalendarProperty::Summary)
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_text())
                .unwrap_or_default()
                .to_owned(),
            start,
            end,
            all_day,
            is_override: comp.is_recurrence_override(),
            recurring: comp.is_recurrent_or_override(),
        };
        if all_day {
            // The dates as written: the start's own calendar date, and the end the same number
            // of days later, whatever the zones in between.
            let day = event.start.naive_local().date();
            let days = (end - start_utc).num_days().max(1);
            let last = day + Duration::days(days);
            if day < to_day && last > from_day {
                out.push((
                    day.to_string(),
                    occurrence(day.to_string(), last.to_string()),
                ));
            }
        } else if start_utc < to && (end > from || (end == start_utc && start_utc >= from)) {
            let key = start_utc.to_rfc3339();
            out.push((
                key.clone(),
                occurrence(
                    start_utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, o)| o).collect()
}

/// `from`'s date in `tz` at midnight, in UTC: the start of a day view.
pub fn day_start(date: NaiveDate, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn starts(ics: &str, from: &str, to: &str, tz: chrono_tz::Tz) -> Vec<(String, bool)> {
        let object = parse(ics).unwrap();
        expand(&object, utc(from), utc(to), tz)
            .into_iter()
            .map(|o| (o.start, o.is_override))
            .collect()
    }

    const OUTLOOK: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\n\
BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n\
BEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nSUMMARY:Team sync\r\nDTSTART;TZID=W. Europe Standard Time:20261005T100000\r\nDTEND;TZID=W. Europe Standard Time:20261005T103000\r\n\
RRULE:FREQ=WEEKLY;UNTIL=20261130T090000Z\r\nEXDATE;TZID=W. Europe Standard Time:20261019T100000\r\nX-ORBIT-UNKNOWN;X-PARAM=1:kept\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nRECURRENCE-ID;TZID=W. Europe Standard Time:20261102T100000\r\nSUMMARY:Team sync (moved)\r\nDTSTART;TZID=W. Europe Standard Time:20261103T140000\r\nDTEND;TZID=W. Europe Standard Time:20261103T143000\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn a_windows_zone_weekly_rule_with_exdate_override_and_an_inclusive_until() {
        let got = starts(
            OUTLOOK,
            "2026-10-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            chrono_tz::UTC,
        );
        assert_eq!(
            got,
            vec![
                ("2026-10-05T08:00:00Z".to_owned(), false), // CEST, +2
                ("2026-10-12T08:00:00Z".to_owned(), false),
                // 19 October is an EXDATE.
                ("2026-10-26T09:00:00Z".to_owned(), false), // CET from 25 October, +1
                ("2026-11-03T13:00:00Z".to_owned(), true),  // 2 November moved to the 3rd, 14:00
                ("2026-11-09T09:00:00Z".to_owned(), false),
                ("2026-11-16T09:00:00Z".to_owned(), false),
                ("2026-11-23T09:00:00Z".to_owned(), false),
                ("2026-11-30T09:00:00Z".to_owned(), false), // equals UNTIL: included (RFC 5545)
            ]
        );
        let object = parse(OUTLOOK).unwrap();
        assert_eq!(object.events.len(), 2);
        assert_eq!(object.events[0].alarms, 1);
        assert!(object.events[0].recurring && object.events[1].is_override);
        let written = object.to_ics();
        assert!(
            written.contains("X-ORBIT-UNKNOWN;X-PARAM=1:kept"),
            "{written}"
        );
        assert_eq!(parse(&written).unwrap().ical, object.ical);
    }

    #[test]
    fn all_day_events_stay_on_their_dates_in_any_zone() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:xmas\r\nSUMMARY:Holiday\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261226\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        for tz in [
            chrono_tz::Pacific::Auckland,
            chrono_tz::America::Los_Angeles,
            chrono_tz::UTC,
        ] {
            let object = parse(ics).unwrap();
            let got = expand(
                &object,
                utc("2026-12-01T00:00:00Z"),
                utc("2028-01-01T00:00:00Z"),
                tz,
            );
            let days: Vec<(&str, &str, bool)> = got
                .iter()
                .map(|o| (o.start.as_str(), o.end.as_str(), o.all_day))
                .collect();
            assert_eq!(
                days,
                [
                    ("2026-12-24", "2026-12-26", true),
                    ("2027-12-24", "2027-12-26", true)
                ],
                "{tz}"
            );
        }
    }

    #[test]
    fn local_times_hold_across_daylight_saving_changes_and_floating_times_follow_the_user() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTART;TZID=America/New_York:20261030T093000\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY;COUNT=4\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:floating\r\nDTSTART:20261102T080000\r\nDTEND:20261102T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let got = starts(
            ics,
            "2026-10-01T00:00:00Z",
            "2026-12-01T00:00:00Z",
            chrono_tz::Europe::Paris,
        );
        let starts: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            starts,
            [
                "2026-10-30T13:30:00Z",
                "2026-10-31T13:30:00Z",
                "2026-11-01T14:30:00Z", // EST from 1 November: still 09:30 in New York
                "2026-11-02T07:00:00Z", // floating 08:00 read in Paris (CET)
                "2026-11-02T14:30:00Z",
            ]
        );
    }

    #[test]
    fn only_occurrences_that_overlap_the_range_are_listed() {
        let got = starts(
            OUTLOOK,
            "2026-11-09T09:15:00Z",
            "2026-11-16T09:00:00Z",
            chrono_tz::UTC,
        );
        assert_eq!(got, vec![("2026-11-09T09:00:00Z".to_owned(), false)]);
    }
}
