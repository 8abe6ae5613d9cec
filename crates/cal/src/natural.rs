//! Events from a sentence, offline: "lunch with the design team next Tuesday 12:30 at the
//! corner café for an hour". The common English phrasings of a day (today, tomorrow, a
//! weekday, next weekday, in N days, a date), a time (12:30, 9am, 3 pm, noon, from 10 to
//! 11:30), a length (for an hour, for 45 minutes, for 2 hours) and a place ("at …" or "in …"
//! after the time); what is left is the title. Anything it cannot place is left in the title,
//! and the user sees the result before it is saved.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use serde::Serialize;

use crate::escape_text as escape;

/// What a sentence describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NaturalEvent {
    /// The title.
    pub summary: String,
    /// Where, if said.
    pub location: Option<String>,
    /// Start (local time), or the day for an all-day event.
    pub start: NaiveDateTime,
    /// End (local time; the next day's midnight for an all-day event).
    pub end: NaiveDateTime,
    /// No time was given.
    pub all_day: bool,
}

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The next `wd` after `today` (a week ahead when today is one).
fn upcoming(today: NaiveDate, wd: Weekday) -> NaiveDate {
    let ahead = (7 + i64::from(wd.num_days_from_monday())
        - i64::from(today.weekday().num_days_from_monday()))
        % 7;
    today + Duration::days(if ahead == 0 { 7 } else { ahead })
}

fn weekday(word: &str) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(w, _)| *w == word).map(|(_, d)| *d)
}

fn month(word: &str) -> Option<u32> {
    let w = word.get(..3)?;
    MONTHS
        .iter()
        .position(|m| *m == w)
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn number(word: &str) -> Option<i64> {
    match word {
        "a" | "an" | "one" => Some(1),
        "two" => Some(2),
        "three" => Some(3),
        "four" => Some(4),
        "five" => Some(5),
        "half" => None,
        w => w.parse().ok(),
    }
}

/// A time like `12:30`, `9am`, `3pm`, `9.30`, `noon`, `midnight` (one word, or two with
/// `am`/`pm` following).
fn time(word: &str, next: Option<&str>) -> Option<(NaiveTime, usize)> {
    match word {
        "noon" | "midday" => return Some((NaiveTime::from_hms_opt(12, 0, 0)?, 1)),
        "midnight" => return Some((NaiveTime::from_hms_opt(0, 0, 0)?, 1)),
        _ => {}
    }
    let (digits, suffix, used) = if let Some(d) = word.strip_suffix("am") {
        (d, Some("am"), 1)
    } else if let Some(d) = word.strip_suffix("pm") {
        (d, Some("pm"), 1)
    } else if matches!(next, Some("am" | "pm")) {
        (word, next, 2)
    } else {
        (word, None, 1)
    };
    let (h, m) = match digits.split_once([':', '.']) {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None if suffix.is_some() => (digits.parse::<u32>().ok()?, 0),
        None => return None,
    };
    let h = match suffix {
        Some("am") if h == 12 => 0,
        Some("pm") if h < 12 => h + 12,
        _ => h,
    };
    Some((NaiveTime::from_hms_opt(h, m, 0)?, used))
}

/// Reads `text` relative to `today` (the user's local date). `None` when no day or time is
/// found at all: then it is not an event description.
pub fn parse_natural(text: &str, today: NaiveDate) -> Option<NaturalEvent> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| {
                matches!(c, ',' | '?' | '!' | ';' | '(' | ')') || c == '.' && !w.contains(':')
            })
            .to_owned()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let mut used = vec![false; words.len()];
    let mut day: Option<NaiveDate> = None;
    let mut start: Option<NaiveTime> = None;
    let mut end: Option<NaiveTime> = None;
    let mut length: Option<Duration> = None;
    let mut place_from: Option<usize> = None;
    let mut i = 0;
    while let Some(w) = lower.get(i) {
        let w = w.as_str();
        let next = lower.get(i + 1).map(String::as_str);
        let mark = |used: &mut Vec<bool>, from: usize, n: usize| {
            for u in used.iter_mut().skip(from).take(n) {
                *u = true;
            }
        };
        if day.is_none() {
            let found = match w {
                "today" => Some((today, 1)),
                "tomorrow" => Some((today + Duration::days(1), 1)),
                "next" | "this" | "on" if next.and_then(weekday).is_some() => {
                    Some((upcoming(today, next.and_then(weekday)?), 2))
                }
                "in" if next.and_then(number).is_some()
                    && matches!(lower.get(i + 2).map(String::as_str), Some("day" | "days")) =>
                {
                    Some((today + Duration::days(next.and_then(number)?), 3))
                }
                _ if weekday(w).is_some() => Some((upcoming(today, weekday(w)?), 1)),
                _ if NaiveDate::parse_from_str(w, "%Y-%m-%d").is_ok() => {
                    Some((NaiveDate::parse_from_str(w, "%Y-%m-%d").ok()?, 1))
                }
                _ => {
                    // "30 November" / "November 30" (the next such date from today).
                    let day_month = w
                        .trim_end_matches(|c: char| c.is_ascii_alphabetic() && w.len() > 2)
                        .parse::<u32>()
                        .ok()
                        .zip(next.and_then(month));
                    let month_day = month(w).zip(next.and_then(|n| {
                        n.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                            .parse::<u32>()
                            .ok()
                    }));
                    match day_month.or(month_day.map(|(m, d)| (d, m))) {
                        Some((d, m)) => {
                            let mut date = NaiveDate::from_ymd_opt(today.year(), m, d);
                            if date.is_some_and(|dt| dt < today) {
                                date = NaiveDate::from_ymd_opt(today.year() + 1, m, d);
                            }
                            date.map(|dt| (dt, 2))
                        }
                        None => None,
                    }
                }
            };
            if let Some((d, n)) = found {
                day = Some(d);
                mark(&mut used, i, n);
                i += n;
                continue;
            }
        }
        if start.is_none() {
            let (skip, at) = if matches!(w, "at" | "from") {
                (1, i + 1)
            } else {
                (0, i)
            };
            if let Some(word) = lower.get(at)
                && let Some((t, n)) = time(word, lower.get(at + 1).map(String::as_str))
            {
                start = Some(t);
                mark(&mut used, i, skip + n);
                i += skip + n;
                // "from 10 to 11:30", "10-11"
                if matches!(lower.get(i).map(String::as_str), Some("to" | "until" | "-"))
                    && let Some(word) = lower.get(i + 1)
                {
                    let following = lower.get(i + 2).map(String::as_str);
                    let parsed = time(word, following).or_else(|| {
                        // "from 2pm to 3" without am/pm: read like the start.
                        let h = word.parse::<u32>().ok()?;
                        let h = if h < 12 && t.hour() >= 12 { h + 12 } else { h };
                        Some((NaiveTime::from_hms_opt(h, 0, 0)?, 1))
                    });
                    if let Some((e, n)) = parsed {
                        end = Some(e);
                        mark(&mut used, i, 1 + n);
                        i += 1 + n;
                    }
                }
                continue;
            }
        }
        if w == "for" && length.is_none() {
            let n = next.and_then(number);
            let unit = lower.get(i + 2).map(String::as_str);
            let found = match (n, unit) {
                (Some(n), Some("hour" | "hours" | "hr" | "hrs" | "h")) => {
                    Some((Duration::hours(n), 3))
                }
                (Some(n), Some("minute" | "minutes" | "min" | "mins")) => {
                    Some((Duration::minutes(n), 3))
                }
                (None, _) if next == Some("half") && unit == Some("an") => {
                    Some((Duration::minutes(30), 4))
                }
                _ => None,
            };
            if let Some((d, n)) = found {
                length = Some(d);
                mark(&mut used, i, n);
                i += n;
                continue;
            }
        }
        if matches!(w, "at" | "in")
            && place_from.is_none()
            && start.is_some()
            && i + 1 < lower.len()
        {
            place_from = Some(i);
        }
        i += 1;
    }
    if day.is_none() && start.is_none() {
        return None;
    }
    // The place runs from "at"/"in" to the next word already read (or the end).
    let mut location = None;
    if let Some(from) = place_from {
        let to = (from + 1..words.len())
            .find(|&j| used.get(j).copied().unwrap_or(false))
            .unwrap_or(words.len());
        if to > from + 1 {
            location = words.get(from + 1..to).map(|place| place.join(" "));
            for u in used.iter_mut().take(to).skip(from) {
                *u = true;
            }
        }
    }
    let summary = words
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(w, _)| w.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let summary = if summary.is_empty() {
        "New event".to_owned()
    } else {
        summary
    };
    let day = day.unwrap_or(today);
    Some(match start {
        None => NaturalEvent {
            summary,
            location,
            start: day.and_time(NaiveTime::MIN),
            end: (day + Duration::days(1)).and_time(NaiveTime::MIN),
            all_day: true,
        },
        Some(t) => {
            let begin = day.and_time(t);
            let finish = match (end, length) {
                (Some(e), _) if e > t => day.and_time(e),
                (_, Some(d)) => begin + d,
                _ => begin + Duration::hours(1),
            };
            NaturalEvent {
                summary,
                location,
                start: begin,
                end: finish,
                all_day: false,
            }
        }
    })
}

/// The event as an iCalendar object with a fresh UID, its times in `tz` (an IANA name).
pub fn to_ics(event: &NaturalEvent, uid: &str, tz: &str, stamp: &str) -> String {
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Orbit//Orbit//EN\r\nBEGIN:VEVENT\r\n",
    );
    out.push_str(&format!(
        "UID:{uid}\r\nDTSTAMP:{stamp}\r\nSUMMARY:{}\r\n",
        escape(&event.summary)
    ));
    if let Some(place) = &event.location {
        out.push_str(&format!("LOCATION:{}\r\n", escape(place)));
    }
    if event.all_day {
        out.push_str(&format!(
            "DTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\n",
            event.start.format("%Y%m%d"),
            event.end.format("%Y%m%d")
        ));
    } else {
        out.push_str(&format!(
            "DTSTART;TZID={tz}:{}\r\nDTEND;TZID={tz}:{}\r\n",
            event.start.format("%Y%m%dT%H%M%S"),
            event.end.format("%Y%m%dT%H%M%S")
        ));
    }
    out.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    // Thursday 26 November 2026.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn the_issue_example() {
        let e = parse_natural(
            "lunch with the design team next Tuesday 12:30 at the corner café for an hour",
            today(),
        )
        .unwrap();
        assert_eq!(e.summary, "lunch with the design team");
        assert_eq!(e.location.as_deref(), Some("the corner café"));
        assert_eq!(e.start, at(2026, 12, 1, 12, 30));
        assert_eq!(e.end, at(2026, 12, 1, 13, 30));
        assert!(!e.all_day);
    }

    #[test]
    fn common_phrasings() {
        let cases = [
            (
                "dentist tomorrow at 9am",
                "dentist",
                at(2026, 11, 27, 9, 0),
                at(2026, 11, 27, 10, 0),
                None,
            ),
            (
                "standup friday 9.30 for 15 minutes",
                "standup",
                at(2026, 11, 27, 9, 30),
                at(2026, 11, 27, 9, 45),
                None,
            ),
            (
                "review from 2pm to 3:30pm in Room 4",
                "review",
                at(2026, 11, 26, 14, 0),
                at(2026, 11, 26, 15, 30),
                Some("Room 4"),
            ),
            (
                "call with Ana on Monday 4 pm for 2 hours",
                "call with Ana",
                at(2026, 11, 30, 16, 0),
                at(2026, 11, 30, 18, 0),
                None,
            ),
            (
                "board meeting 3 December 10:00",
                "board meeting",
                at(2026, 12, 3, 10, 0),
                at(2026, 12, 3, 11, 0),
                None,
            ),
            (
                "taxes due 2027-01-15",
                "taxes due",
                at(2027, 1, 15, 0, 0),
                at(2027, 1, 16, 0, 0),
                None,
            ),
            (
                "party in 3 days at noon",
                "party",
                at(2026, 11, 29, 12, 0),
                at(2026, 11, 29, 13, 0),
                None,
            ),
        ];
        for (text, summary, start, end, place) in cases {
            let e = parse_natural(text, today()).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(
                (e.summary.as_str(), e.start, e.end, e.location.as_deref()),
                (summary, start, end, place),
                "{text}"
            );
        }
        assert!(parse_natural("buy milk", today()).is_none());
    }

    #[test]
    fn the_ics_escapes_text_and_reads_back() {
        let e = parse_natural(
            "lunch; with Bob, Ana next Tuesday 12:30 at Café, 2nd floor",
            today(),
        )
        .unwrap();
        let ics = to_ics(&e, "nl-1@orbit", "Europe/Berlin", "20261126T120000Z");
        let back = crate::parse(&ics).unwrap();
        assert_eq!(back.events[0].summary, e.summary);
        assert_eq!(
            back.events[0].location,
            e.location.clone().unwrap_or_default()
        );
    }
}

/// What a quick-add line for a task says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NaturalTask {
    /// The title (what is left).
    pub title: String,
    /// Due: a day, or a day and time (local).
    pub due: Option<NaiveDateTime>,
    /// The due value is a whole day.
    pub due_is_day: bool,
    /// An RRULE value when it repeats ("every 1st", "every Monday", "daily").
    pub rrule: Option<String>,
    /// 1 (high), 5 (medium), 9 (low) from `!high`, `!medium`, `!low` (or `!1`…`!9`); 0 none.
    pub priority: u8,
    /// `#tags`.
    pub tags: Vec<String>,
}

/// The FREQ of a period word: "day", "week", … (`suffix` ""), or "daily", "weekly", … ("ly").
fn frequency(word: &str, suffix: &str) -> Option<&'static str> {
    [
        ("day", "dai", "DAILY"),
        ("week", "week", "WEEKLY"),
        ("month", "month", "MONTHLY"),
        ("year", "year", "YEARLY"),
    ]
    .into_iter()
    .find(|(noun, stem, _)| {
        if suffix.is_empty() {
            word == *noun
        } else {
            word.strip_suffix(suffix) == Some(*stem)
        }
    })
    .map(|(_, _, freq)| freq)
}

fn ordinal(word: &str) -> Option<u32> {
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))?;
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

/// The next day on or after `today` that is day `n` of its month.
fn next_month_day(today: NaiveDate, n: u32) -> Option<NaiveDate> {
    (0..3).find_map(|k| {
        let first = today
            .with_day(1)?
            .checked_add_months(chrono::Months::new(k))?;
        first.with_day(n).filter(|d| *d >= today)
    })
}

/// Reads a task line: "pay rent every 1st", "call the plumber tomorrow", "review the budget by
/// Friday 3pm !high #finance". Always gives a task (the whole line is the title when nothing
/// else is found).
pub fn parse_task(text: &str, today: NaiveDate) -> NaturalTask {
    let mut priority = 0;
    let mut tags = Vec::new();
    let mut rrule = None;
    let mut due: Option<NaiveDateTime> = None;
    let mut rest: Vec<&str> = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let lower = w.to_lowercase();
        let next = words
            .get(i + 1)
            .map(|n| n.to_lowercase().trim_end_matches([',', '.']).to_owned());
        if let Some(p) = lower.strip_prefix('!') {
            priority = match p {
                "high" | "urgent" => 1,
                "medium" | "med" => 5,
                "low" => 9,
                d => d
                    .parse()
                    .ok()
                    .filter(|d| (1..=9).contains(d))
                    .unwrap_or(priority),
            };
        } else if let Some(tag) = w.strip_prefix('#').filter(|t| !t.is_empty()) {
            tags.push(tag.trim_end_matches([',', '.']).to_owned());
        } else if let Some(freq) = frequency(&lower, "ly") {
            rrule = Some(format!("FREQ={freq}"));
            due = due.or(today.and_hms_opt(0, 0, 0));
        } else if lower == "every" && next.is_some() {
            let n = next.unwrap_or_default();
            let (rule, day) = if let Some(d) = ordinal(&n) {
                (
                    format!("FREQ=MONTHLY;BYMONTHDAY={d}"),
                    next_month_day(today, d),
                )
            } else if let Some(wd) = weekday(&n).or_else(|| weekday(n.trim_end_matches('s'))) {
                let code = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
                    .get(wd.num_days_from_monday() as usize)
                    .copied()
                    .unwrap_or("MO");
                let day = if today.weekday() == wd {
                    today
                } else {
                    upcoming(today, wd)
                };
                (format!("FREQ=WEEKLY;BYDAY={code}"), Some(day))
            } else if let Some(freq) = frequency(&n, "") {
                (format!("FREQ={freq}"), Some(today))
            } else {
                rest.push(w);
                i += 1;
                continue;
            };
            rrule = Some(rule);
            due = day.and_then(|d| d.and_hms_opt(0, 0, 0));
            i += 2;
            continue;
        } else {
            rest.push(w);
        }
        i += 1;
    }
    let mut due_is_day = true;
    let mut title = rest.join(" ");
    if due.is_none()
        && let Some(event) = parse_natural(&title, today)
    {
        due = Some(event.start);
        due_is_day = event.all_day;
        title = match event.location {
            // "call Ana at the office tomorrow": the place belongs to the title.
            Some(place) => format!("{} at {place}", event.summary),
            None => event.summary,
        };
    }
    // "review the budget by": the preposition of the date that was taken out.
    for tail in [" by", " before", " due", " on"] {
        if let Some(t) = title.strip_suffix(tail) {
            title = t.to_owned();
        }
    }
    NaturalTask {
        title: title.trim().to_owned(),
        due,
        due_is_day,
        rrule,
        priority,
        tags,
    }
}

#[cfg(test)]
mod task_tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn task_lines_give_due_dates_repeats_priorities_and_tags() {
        let today = day("2026-11-26"); // a Thursday
        let t = parse_task("pay rent every 1st", today);
        assert_eq!(t.title, "pay rent");
        assert_eq!(t.rrule.as_deref(), Some("FREQ=MONTHLY;BYMONTHDAY=1"));
        assert_eq!(t.due.map(|d| d.date()), Some(day("2026-12-01")));
        let t = parse_task("call the plumber tomorrow", today);
        assert_eq!(
            (t.title.as_str(), t.due.map(|d| d.date()), t.due_is_day),
            ("call the plumber", Some(day("2026-11-27")), true)
        );
        let t = parse_task("review the budget by Friday 3pm !high #finance #q4", today);
        assert_eq!(t.title, "review the budget");
        assert_eq!(t.due, day("2026-11-27").and_hms_opt(15, 0, 0));
        assert!(!t.due_is_day);
        assert_eq!(
            (t.priority, t.tags.clone()),
            (1, vec!["finance".to_owned(), "q4".to_owned()])
        );
        let t = parse_task("water the plants every monday", today);
        assert_eq!(
            (t.rrule.as_deref(), t.due.map(|d| d.date())),
            (Some("FREQ=WEEKLY;BYDAY=MO"), Some(day("2026-11-30")))
        );
        let t = parse_task("think about the roadmap", today);
        assert_eq!(
            (t.title.as_str(), t.due, t.rrule),
            ("think about the roadmap", None, None)
        );
    }
}
