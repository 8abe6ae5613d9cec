//! Occurrences of a calendar object's events in a time range: recurrence rules, RDATE,
//! EXDATE and RECURRENCE-ID overrides applied by calcard, times resolved in their zones (IANA,
//! Windows names and custom VTIMEZONEs), floating times in the user's zone, and all-day events
//! kept as dates — never moved through UTC.

use std::collections::HashMap;

use calcard::common::PartialDateTime;
use calcard::icalendar::dates::TimeOrDelta;
use calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarFrequency, ICalendarProperty,
    ICalendarValue,
};
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
    /// Which occurrence of a recurring event this is (its RECURRENCE-ID as written:
    /// `YYYYMMDD`, `YYYYMMDDTHHMMSS` or with `Z`); `None` for a single event.
    pub recurrence_id: Option<String>,
    /// LOCATION.
    pub location: String,
    /// Other people are invited (it has attendees).
    pub invited: bool,
    /// When its alarms are due (RFC 3339 UTC), in order.
    pub alarms: Vec<String>,
}

/// When the alarms of component `comp_id` are due for an occurrence at `[start, end)`.
fn alarm_times(
    ical: &calcard::icalendar::ICalendar,
    comp_id: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<String> {
    use calcard::icalendar::{ICalendarParameterName, ICalendarParameterValue, ICalendarRelated};
    let mut out: Vec<String> = ical
        .alarms_for_id(comp_id)
        .filter_map(|alarm| {
            let trigger = alarm.property(&ICalendarProperty::Trigger)?;
            let at = match trigger.values.first()? {
                ICalendarValue::Duration(d) => {
                    let from_end = matches!(
                        trigger.parameter(&ICalendarParameterName::Related),
                        Some(ICalendarParameterValue::Related(ICalendarRelated::End))
                    );
                    (if from_end { end } else { start }) + d.to_time_delta()?
                }
                ICalendarValue::PartialDateTime(dt) => naive(dt)?.and_utc(),
                _ => return None,
            };
            Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A date or date-time as an iCalendar value writes it (`YYYYMMDD`, `YYYYMMDDTHHMMSS`, `…Z`).
pub(crate) fn format_value(dt: &PartialDateTime) -> String {
    let date = format!(
        "{:04}{:02}{:02}",
        dt.year.unwrap_or(0),
        dt.month.unwrap_or(0),
        dt.day.unwrap_or(0)
    );
    match dt.hour {
        None => date,
        Some(h) => format!(
            "{date}T{h:02}{:02}{:02}{}",
            dt.minute.unwrap_or(0),
            dt.second.unwrap_or(0),
            if dt.tz_hour == Some(0) && dt.tz_minute.unwrap_or(0) == 0 {
                "Z"
            } else {
                ""
            }
        ),
    }
}

fn text(comp: &ICalendarComponent, prop: &ICalendarProperty) -> String {
    comp.property(prop)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .unwrap_or_default()
        .to_owned()
}

/// The first date(-time) value of a property.
pub(crate) fn date_value<'a>(
    comp: &'a ICalendarComponent,
    prop: &ICalendarProperty,
) -> Option<&'a PartialDateTime> {
    comp.property(prop)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_partial_date_time())
}

fn is_date_only(comp: &ICalendarComponent) -> bool {
    comp.property(&ICalendarProperty::Dtstart)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_partial_date_time())
        .is_some_and(|dt| dt.hour.is_none())
}

pub(crate) fn naive(dt: &PartialDateTime) -> Option<NaiveDateTime> {
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

pub(crate) fn set_naive(dt: &mut PartialDateTime, n: NaiveDateTime) {
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
    if !recurring && !near(object, from, to) {
        return Vec::new();
    }
    let mut copy = recurring.then(|| {
        let mut ical = object.ical.clone();
        // calcard pairs an override with its series only when their SEQUENCE is the same;
        // servers and clients raise them separately, and an override belongs to its series
        // whatever its sequence.
        for comp in &mut ical.components {
            comp.entries
                .retain(|e| e.name != ICalendarProperty::Sequence);
        }
        ical
    });
    let mut until_of: HashMap<usize, DateTime<Utc>> = HashMap::new();
    for (index, comp) in copy
        .iter_mut()
        .flat_map(|ical| ical.components.iter_mut())
        .enumerate()
    {
        fast_forward(comp, from);
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
        let recurrence_id = if comp.is_recurrence_override() {
            date_value(comp, &ICalendarProperty::RecurrenceId).map(format_value)
        } else if comp.is_recurrent() {
            // The instance's own start, written as the rule's DTSTART is.
            date_value(comp, &ICalendarProperty::Dtstart).map(|first| {
                let mut at = first.clone();
                if first.hour.is_some() {
                    set_naive(&mut at, event.start.naive_local());
                } else {
                    let day = event.start.naive_local().date();
                    if let Some(n) = day.and_hms_opt(0, 0, 0) {
                        set_naive(&mut at, n);
                    }
                    at.hour = None;
                    at.minute = None;
                    at.second = None;
                }
                format_value(&at)
            })
        } else {
            None
        };
        let alarms = alarm_times(ical, event.comp_id, start_utc, end);
        let occurrence = |start: String, end: String| Occurrence {
            uid: comp.uid().unwrap_or_default().to_owned(),
            summary: text(comp, &ICalendarProperty::Summary),
            start,
            end,
            all_day,
            is_override: comp.is_recurrence_override(),
            recurring: comp.is_recurrent_or_override(),
            recurrence_id: recurrence_id.clone(),
            location: text(comp, &ICalendarProperty::Location),
            invited: comp.property(&ICalendarProperty::Attendee).is_some(),
            alarms: alarms.clone(),
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

/// The naive time of a date(-time) value (midnight for a date).
pub(crate) fn value_naive(dt: &PartialDateTime) -> Option<NaiveDateTime> {
    if dt.hour.is_some() {
        naive(dt)
    } else {
        NaiveDate::from_ymd_opt(
            i32::from(dt.year?),
            u32::from(dt.month?),
            u32::from(dt.day?),
        )?
        .and_hms_opt(0, 0, 0)
    }
}

/// Writes `n` into a date(-time) value, keeping its form (a date stays a date).
pub(crate) fn put_naive(dt: &mut PartialDateTime, n: NaiveDateTime) {
    let date_only = dt.hour.is_none();
    set_naive(dt, n);
    if date_only {
        dt.hour = None;
        dt.minute = None;
        dt.second = None;
    }
}

/// Whether an object without rules has an event that could overlap `[from, to)` (with a day of
/// slack each side for zones): most of a calendar lies outside any one view.
fn near(object: &CalendarObject, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    let (from, to) = (
        from.naive_utc() - Duration::days(1),
        to.naive_utc() + Duration::days(1),
    );
    object.ical.components.iter().any(|c| {
        if !matches!(
            c.component_type,
            ICalendarComponentType::VEvent | ICalendarComponentType::VTodo
        ) {
            return false;
        }
        let Some(start) = date_value(c, &ICalendarProperty::Dtstart).and_then(value_naive) else {
            // Nothing to place it by: let the expansion decide.
            return true;
        };
        let end = date_value(c, &ICalendarProperty::Dtend)
            .or_else(|| date_value(c, &ICalendarProperty::Due))
            .and_then(value_naive)
            .or_else(|| {
                c.property(&ICalendarProperty::Duration)
                    .and_then(|e| e.values.first())
                    .and_then(|v| match v {
                        ICalendarValue::Duration(d) => d.to_time_delta(),
                        _ => None,
                    })
                    .map(|d| start + d)
            })
            .unwrap_or(start + Duration::days(1));
        start < to && end.max(start) >= from
    })
}

/// Moves the DTSTART of a rule without COUNT forward by whole periods (days, weeks, months or
/// years) to just before `from`: the same occurrences in the range, without walking years of
/// earlier ones.
/// (The wall-clock time and weekday pattern are kept; a DTSTART that does not match its rule
/// stays an extra occurrence, but now one that falls before the range.)
fn fast_forward(comp: &mut ICalendarComponent, from: DateTime<Utc>) {
    let Some(rule) = comp
        .property(&ICalendarProperty::Rrule)
        .and_then(|e| e.values.first())
        .and_then(|v| match v {
            ICalendarValue::RecurrenceRule(r) => Some(r),
            _ => None,
        })
    else {
        return;
    };
    if rule.count.is_some()
        || comp
            .entries
            .iter()
            .filter(|e| e.name == ICalendarProperty::Rrule)
            .count()
            != 1
    {
        return;
    }
    let interval = i64::from(rule.interval.unwrap_or(1).max(1));
    let Some(start) = date_value(comp, &ICalendarProperty::Dtstart).and_then(value_naive) else {
        return;
    };
    let length = date_value(comp, &ICalendarProperty::Dtend)
        .and_then(value_naive)
        .map_or(Duration::zero(), |end| (end - start).max(Duration::zero()));
    let by = match rule.freq {
        ICalendarFrequency::Daily | ICalendarFrequency::Weekly => {
            let days = if rule.freq == ICalendarFrequency::Daily {
                1
            } else {
                7
            };
            let period = Duration::days(days * interval);
            let target = from.naive_utc() - Duration::days(2) - length - period;
            if start >= target {
                return;
            }
            let periods = (target - start).num_seconds() / period.num_seconds().max(1);
            Some(period * i32::try_from(periods).unwrap_or(0))
        }
        ICalendarFrequency::Monthly | ICalendarFrequency::Yearly => {
            // Whole months keep a day of month up to the 28th valid.
            use chrono::Datelike;
            if start.day() > 28 {
                return;
            }
            let months = if rule.freq == ICalendarFrequency::Monthly {
                1
            } else {
                12
            } * interval;
            // A period and a few days of margin before the range (and the event's length).
            let target = from.naive_utc() - Duration::days(35) - length;
            let apart = i64::from(target.year() - start.year()) * 12 + i64::from(target.month())
                - i64::from(start.month())
                - 1;
            if apart <= months {
                return;
            }
            let periods = apart / months;
            u32::try_from(periods * months)
                .ok()
                .and_then(|m| start.checked_add_months(chrono::Months::new(m)))
                .map(|moved| moved - start)
        }
        _ => None,
    };
    let Some(by) = by.filter(|b| *b > Duration::zero()) else {
        return;
    };
    for entry in comp.entries.iter_mut().filter(|e| {
        matches!(
            e.name,
            ICalendarProperty::Dtstart | ICalendarProperty::Dtend
        )
    }) {
        for value in &mut entry.values {
            if let ICalendarValue::PartialDateTime(dt) = value
                && let Some(n) = value_naive(dt)
            {
                put_naive(dt, n + by);
            }
        }
    }
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
    use chrono::Datelike;

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

    #[test]
    fn an_override_with_another_sequence_still_replaces_its_occurrence() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s\r\nSEQUENCE:1\r\nDTSTART:20261102T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:s\r\nSEQUENCE:4\r\nRECURRENCE-ID:20261103T090000Z\r\nDTSTART:20261103T150000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let got = starts(
            ics,
            "2026-11-01T00:00:00Z",
            "2026-11-10T00:00:00Z",
            chrono_tz::UTC,
        );
        assert_eq!(
            got,
            vec![
                ("2026-11-02T09:00:00Z".to_owned(), false),
                ("2026-11-03T15:00:00Z".to_owned(), true),
                ("2026-11-04T09:00:00Z".to_owned(), false),
            ]
        );
    }

    #[test]
    fn rules_started_years_ago_give_the_same_occurrences_as_walking_from_their_start() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID=Europe/Berlin:20200106T100000\r\nDTEND;TZID=Europe/Berlin:20200106T110000\r\nRRULE:FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,WE\r\nEXDATE;TZID=Europe/Berlin:20261104T100000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:d\r\nDTSTART;TZID=America/New_York:20190302T233000\r\nDTEND;TZID=America/New_York:20190303T003000\r\nRRULE:FREQ=DAILY;INTERVAL=5\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:t\r\nDTSTART;TZID=Europe/Berlin:20200101T100000\r\nDTEND;TZID=Europe/Berlin:20200101T110000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:m\r\nDTSTART;TZID=Asia/Tokyo:20190115T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:l\r\nDTSTART;TZID=Europe/Berlin:20180126T170000\r\nDURATION:PT1H\r\nRRULE:FREQ=MONTHLY;BYDAY=-1FR\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:y\r\nDTSTART;VALUE=DATE:20171125\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let object = parse(ics).unwrap();
        let (from, to) = (utc("2026-10-20T00:00:00Z"), utc("2026-12-10T00:00:00Z"));
        let quick = expand(&object, from, to, chrono_tz::UTC);
        // Walking from the start: a range that begins before every DTSTART, then cut.
        let walked: Vec<Occurrence> =
            expand(&object, utc("2019-01-01T00:00:00Z"), to, chrono_tz::UTC)
                .into_iter()
                .filter(|o| {
                    if o.all_day {
                        o.end.as_str() > "2026-10-20"
                    } else {
                        utc(&o.end) > from
                    }
                })
                .collect();
        assert_eq!(quick, walked);
        assert!(quick.len() > 10, "{quick:?}");
        for uid in ["w", "d", "t", "m", "l", "y"] {
            assert!(
                quick.iter().any(|o| o.uid == uid),
                "{uid} has occurrences here"
            );
        }
        assert!(
            !quick.iter().any(|o| o.start == "2026-11-04T09:00:00Z"),
            "the EXDATE holds"
        );
        // "t" starts on a Wednesday that its rule (Mondays) does not match: only Mondays here.
        assert!(quick.iter().filter(|o| o.uid == "t").all(|o| {
            DateTime::parse_from_rfc3339(&o.start).unwrap().weekday() == chrono::Weekday::Mon
        }));
    }
}
