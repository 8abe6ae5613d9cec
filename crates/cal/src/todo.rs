//! To-dos (VTODO) as Orbit's tasks: read from a calendar object, written new, and changed in
//! place — only the properties Orbit manages are rewritten; everything else another client put
//! there (alarms, unknown properties) stays.
//!
//! Mapping: SUMMARY title, DESCRIPTION notes, STATUS, PRIORITY (0 none, 1 highest … 9),
//! DUE and DTSTART, CATEGORIES tags, RELATED-TO (RELTYPE=PARENT, the default) the parent
//! task, PERCENT-COMPLETE, COMPLETED, RRULE a repeating task, and three extensions other
//! clients ignore or share: X-ORBIT-COLUMN (the board column), X-APPLE-SORT-ORDER (the order
//! in a column, which Apple's clients read too), X-ORBIT-ESTIMATE (minutes) and X-ORBIT-LINK
//! (`kind:id label`, what the task came from).

use calcard::icalendar::{
    ICalendar, ICalendarComponentType, ICalendarEntry, ICalendarParameterName, ICalendarProperty,
    ICalendarValue,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::expand::{naive, value_naive};
use crate::{CalError, CalendarObject, escape_text as escape, parse};

/// A to-do as Orbit shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TodoView {
    /// UID.
    pub uid: String,
    /// SUMMARY.
    pub title: String,
    /// DESCRIPTION.
    pub notes: String,
    /// `needs-action`, `in-process`, `completed` or `cancelled`.
    pub status: String,
    /// 0 (none), 1 (highest) … 9 (lowest).
    pub priority: u8,
    /// `YYYY-MM-DD`, or RFC 3339 UTC.
    pub due: Option<String>,
    /// The same.
    pub start: Option<String>,
    /// Minutes it should take.
    pub estimate_minutes: Option<i64>,
    /// CATEGORIES.
    pub tags: Vec<String>,
    /// The parent task's UID.
    pub parent: Option<String>,
    /// PERCENT-COMPLETE.
    pub percent: u8,
    /// When it was done (RFC 3339 UTC).
    pub completed_at: Option<String>,
    /// CREATED (or DTSTAMP), RFC 3339 UTC.
    pub created_at: Option<String>,
    /// X-ORBIT-COLUMN.
    pub column: Option<String>,
    /// X-APPLE-SORT-ORDER.
    pub order: Option<i64>,
    /// X-ORBIT-LINK values: `(kind:id, label)`.
    pub links: Vec<(String, String)>,
    /// It repeats (RRULE).
    pub recurring: bool,
}

/// What to set on a to-do (`None` leaves a property as it is; `Some(None)` removes it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TodoChange {
    /// Title.
    pub title: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Status (`needs-action`, `in-process`, `completed`, `cancelled`); completing sets
    /// COMPLETED and PERCENT-COMPLETE 100, reopening removes COMPLETED.
    pub status: Option<String>,
    /// Priority 0–9.
    pub priority: Option<u8>,
    /// Due: `YYYY-MM-DD` or RFC 3339.
    pub due: Option<Option<String>>,
    /// Start, the same.
    pub start: Option<Option<String>>,
    /// Estimate in minutes.
    pub estimate_minutes: Option<Option<i64>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Parent UID.
    pub parent: Option<Option<String>>,
    /// Board column.
    pub column: Option<String>,
    /// Order in the column.
    pub order: Option<i64>,
    /// Links to add: `(kind:id, label)`.
    pub add_links: Vec<(String, String)>,
    /// RRULE value (without `RRULE:`), for a new to-do.
    pub rrule: Option<String>,
}

fn err(message: impl Into<String>) -> CalError {
    CalError {
        message: message.into(),
    }
}

fn is(entry: &ICalendarEntry, name: &str) -> bool {
    match &entry.name {
        ICalendarProperty::Other(n) => n.eq_ignore_ascii_case(name),
        known => known.as_str().eq_ignore_ascii_case(name),
    }
}

fn text_values(entry: &ICalendarEntry) -> Vec<String> {
    entry
        .values
        .iter()
        .filter_map(|v| v.as_text())
        .map(str::to_owned)
        .collect()
}

/// A date or date-time value as Orbit passes it: `YYYY-MM-DD` or RFC 3339 UTC. Zoned times
/// are resolved by their TZID when it is an IANA name, floating ones in `tz`.
fn moment(entry: &ICalendarEntry, tz: chrono_tz::Tz) -> Option<String> {
    let dt = entry.values.first()?.as_partial_date_time()?;
    if dt.hour.is_none() {
        let n = value_naive(dt)?;
        return Some(n.date().to_string());
    }
    let local = naive(dt)?;
    let utc = if dt.tz_hour.is_some() {
        let offset =
            i64::from(dt.tz_hour.unwrap_or(0)) * 3600 + i64::from(dt.tz_minute.unwrap_or(0)) * 60;
        local.and_utc() - chrono::Duration::seconds(if dt.tz_minus { -offset } else { offset })
    } else {
        let zone = entry
            .parameter(&ICalendarParameterName::Tzid)
            .and_then(|p| p.as_text())
            .and_then(|t| t.parse::<chrono_tz::Tz>().ok())
            .unwrap_or(tz);
        zone.from_local_datetime(&local)
            .earliest()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    };
    Some(utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The to-dos of a calendar object (usually one, plus overrides of a repeating one, which are
/// left out: the series stands for them).
pub fn todos(object: &CalendarObject, tz: chrono_tz::Tz) -> Vec<TodoView> {
    object
        .ical
        .components
        .iter()
        .filter(|c| {
            c.component_type == ICalendarComponentType::VTodo && !c.is_recurrence_override()
        })
        .map(|c| {
            let first = |name: &str| c.entries.iter().find(|e| is(e, name));
            let text = |name: &str| {
                first(name)
                    .and_then(|e| e.values.first())
                    .and_then(|v| v.as_text())
                    .unwrap_or_default()
                    .to_owned()
            };
            let int = |name: &str| {
                first(name)
                    .and_then(|e| e.values.first())
                    .and_then(|v| match v {
                        ICalendarValue::Integer(i) => Some(*i),
                        other => other.as_text().and_then(|t| t.trim().parse().ok()),
                    })
            };
            let status = first("STATUS")
                .and_then(|e| e.values.first())
                .map(|v| match v {
                    ICalendarValue::Status(s) => format!("{s:?}"),
                    other => other.as_text().unwrap_or_default().to_owned(),
                })
                .unwrap_or_default();
            let status = match status.to_ascii_lowercase().replace('_', "-").as_str() {
                "completed" => "completed",
                "inprocess" | "in-process" => "in-process",
                "cancelled" => "cancelled",
                _ => "needs-action",
            }
            .to_owned();
            let parent = c
                .entries
                .iter()
                .filter(|e| is(e, "RELATED-TO"))
                .find(|e| {
                    e.parameter(&ICalendarParameterName::Reltype)
                        .and_then(|p| p.as_text())
                        .is_none_or(|t| t.eq_ignore_ascii_case("PARENT"))
                })
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_text())
                .map(str::to_owned);
            TodoView {
                uid: c.uid().unwrap_or_default().to_owned(),
                title: text("SUMMARY"),
                notes: text("DESCRIPTION"),
                status,
                priority: int("PRIORITY")
                    .and_then(|p| u8::try_from(p.clamp(0, 9)).ok())
                    .unwrap_or(0),
                due: first("DUE").and_then(|e| moment(e, tz)),
                start: first("DTSTART").and_then(|e| moment(e, tz)),
                estimate_minutes: int("X-ORBIT-ESTIMATE"),
                tags: c
                    .entries
                    .iter()
                    .filter(|e| is(e, "CATEGORIES"))
                    .flat_map(text_values)
                    .flat_map(|t| {
                        t.split(',')
                            .map(|s| s.trim().to_owned())
                            .collect::<Vec<_>>()
                    })
                    .filter(|t| !t.is_empty())
                    .collect(),
                parent,
                percent: int("PERCENT-COMPLETE")
                    .and_then(|p| u8::try_from(p.clamp(0, 100)).ok())
                    .unwrap_or(0),
                completed_at: first("COMPLETED").and_then(|e| moment(e, tz)),
                created_at: first("CREATED")
                    .or_else(|| first("DTSTAMP"))
                    .and_then(|e| moment(e, tz)),
                column: Some(text("X-ORBIT-COLUMN")).filter(|t| !t.is_empty()),
                order: int("X-APPLE-SORT-ORDER"),
                links: c
                    .entries
                    .iter()
                    .filter(|e| is(e, "X-ORBIT-LINK"))
                    .flat_map(text_values)
                    .map(|v| match v.split_once(' ') {
                        Some((id, label)) => (id.to_owned(), label.to_owned()),
                        None => (v, String::new()),
                    })
                    .collect(),
                recurring: c.is_recurrent(),
            }
        })
        .collect()
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The content line of a date or date-time value given as `YYYY-MM-DD` or RFC 3339.
fn date_line(name: &str, value: &str) -> Result<String, CalError> {
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(format!("{name};VALUE=DATE:{}", d.format("%Y%m%d")));
    }
    let t = DateTime::parse_from_rfc3339(value)
        .map_err(|_| err(format!("{value:?} is neither a day nor an RFC 3339 time")))?;
    Ok(format!("{name}:{}", stamp(t.with_timezone(&Utc))))
}

/// The content lines for a change (each without its line end).
fn lines(
    change: &TodoChange,
    now: DateTime<Utc>,
) -> Result<Vec<(&'static str, Option<String>)>, CalError> {
    let mut out: Vec<(&'static str, Option<String>)> = Vec::new();
    if let Some(t) = &change.title {
        out.push(("SUMMARY", Some(format!("SUMMARY:{}", escape(t.trim())))));
    }
    if let Some(n) = &change.notes {
        out.push((
            "DESCRIPTION",
            Some(n.trim())
                .filter(|n| !n.is_empty())
                .map(|n| format!("DESCRIPTION:{}", escape(n))),
        ));
    }
    if let Some(s) = &change.status {
        let (value, done) = match s.as_str() {
            "needs-action" => ("NEEDS-ACTION", false),
            "in-process" => ("IN-PROCESS", false),
            "completed" => ("COMPLETED", true),
            "cancelled" => ("CANCELLED", false),
            other => return Err(err(format!("Unknown status {other:?}"))),
        };
        out.push(("STATUS", Some(format!("STATUS:{value}"))));
        out.push((
            "COMPLETED",
            done.then(|| format!("COMPLETED:{}", stamp(now))),
        ));
        if done {
            out.push(("PERCENT-COMPLETE", Some("PERCENT-COMPLETE:100".into())));
        } else if s == "needs-action" {
            out.push(("PERCENT-COMPLETE", None));
        }
    }
    if let Some(p) = change.priority {
        out.push((
            "PRIORITY",
            (p > 0).then(|| format!("PRIORITY:{}", p.min(9))),
        ));
    }
    if let Some(due) = &change.due {
        out.push((
            "DUE",
            due.as_deref().map(|d| date_line("DUE", d)).transpose()?,
        ));
    }
    if let Some(start) = &change.start {
        out.push((
            "DTSTART",
            start
                .as_deref()
                .map(|d| date_line("DTSTART", d))
                .transpose()?,
        ));
    }
    if let Some(e) = change.estimate_minutes {
        out.push((
            "X-ORBIT-ESTIMATE",
            e.filter(|m| *m > 0)
                .map(|m| format!("X-ORBIT-ESTIMATE:{m}")),
        ));
    }
    if let Some(tags) = &change.tags {
        let tags: Vec<String> = tags
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(escape)
            .collect();
        out.push((
            "CATEGORIES",
            (!tags.is_empty()).then(|| format!("CATEGORIES:{}", tags.join(","))),
        ));
    }
    if let Some(parent) = &change.parent {
        out.push((
            "RELATED-TO",
            parent
                .as_deref()
                .filter(|p| !p.is_empty())
                .map(|p| format!("RELATED-TO;RELTYPE=PARENT:{}", escape(p))),
        ));
    }
    if let Some(c) = &change.column {
        out.push((
            "X-ORBIT-COLUMN",
            Some(format!("X-ORBIT-COLUMN:{}", escape(c))),
        ));
    }
    if let Some(o) = change.order {
        out.push((
            "X-APPLE-SORT-ORDER",
            Some(format!("X-APPLE-SORT-ORDER:{o}")),
        ));
    }
    if let Some(r) = &change.rrule {
        out.push(("RRULE", Some(format!("RRULE:{r}"))));
    }
    Ok(out)
}

/// A new to-do as iCalendar text.
pub fn new_todo(uid: &str, change: &TodoChange, now: DateTime<Utc>) -> Result<String, CalError> {
    let mut body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Orbit//Orbit//EN\r\nBEGIN:VTODO\r\nUID:{}\r\nDTSTAMP:{now}\r\nCREATED:{now}\r\nLAST-MODIFIED:{now}\r\n",
        escape(uid),
        now = stamp(now)
    );
    let mut change = change.clone();
    if change.status.is_none() {
        change.status = Some("needs-action".into());
    }
    for (_, line) in lines(&change, now)? {
        if let Some(line) = line {
            body.push_str(&line);
            body.push_str("\r\n");
        }
    }
    for (id, label) in &change.add_links {
        body.push_str(&format!(
            "X-ORBIT-LINK:{}\r\n",
            escape(&format!("{id} {label}"))
        ));
    }
    body.push_str("END:VTODO\r\nEND:VCALENDAR\r\n");
    // Read back: what is stored must be valid.
    Ok(parse(&body)?.to_ics())
}

/// Changes the to-do `uid` in `object`: the managed properties in `change` are replaced, the
/// rest is kept; LAST-MODIFIED, DTSTAMP and SEQUENCE are updated.
pub fn update_todo(
    object: &CalendarObject,
    uid: &str,
    change: &TodoChange,
    now: DateTime<Utc>,
) -> Result<String, CalError> {
    let mut new_lines = lines(change, now)?;
    new_lines.push((
        "LAST-MODIFIED",
        Some(format!("LAST-MODIFIED:{}", stamp(now))),
    ));
    new_lines.push(("DTSTAMP", Some(format!("DTSTAMP:{}", stamp(now)))));
    // calcard types the new values: a to-do of just these lines, read.
    let mut scratch = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:x\r\n");
    for (_, line) in &new_lines {
        if let Some(line) = line {
            scratch.push_str(line);
            scratch.push_str("\r\n");
        }
    }
    for (id, label) in &change.add_links {
        scratch.push_str(&format!(
            "X-ORBIT-LINK:{}\r\n",
            escape(&format!("{id} {label}"))
        ));
    }
    scratch.push_str("END:VTODO\r\nEND:VCALENDAR\r\n");
    let parsed: ICalendar = parse(&scratch)?.ical;
    let fresh: Vec<ICalendarEntry> = parsed
        .components
        .iter()
        .find(|c| c.component_type == ICalendarComponentType::VTodo)
        .map(|c| {
            c.entries
                .iter()
                .filter(|e| !is(e, "UID"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut ical = object.ical.clone();
    let names: Vec<&str> = new_lines.iter().map(|(n, _)| *n).collect();
    let mut found = false;
    for comp in ical.components.iter_mut().filter(|c| {
        c.component_type == ICalendarComponentType::VTodo
            && c.uid() == Some(uid)
            && !c.is_recurrence_override()
    }) {
        found = true;
        let sequence = comp
            .entries
            .iter()
            .find(|e| is(e, "SEQUENCE"))
            .and_then(|e| e.values.first())
            .and_then(|v| match v {
                ICalendarValue::Integer(i) => Some(*i),
                _ => None,
            })
            .unwrap_or(0);
        comp.entries
            .retain(|e| !names.iter().any(|n| is(e, n)) && !is(e, "SEQUENCE"));
        comp.entries.extend(fresh.iter().cloned());
        comp.entries.push(ICalendarEntry {
            name: ICalendarProperty::Sequence,
            params: Vec::new(),
            values: vec![ICalendarValue::Integer(sequence + 1)],
        });
    }
    if !found {
        return Err(err(format!("There is no to-do {uid} here")));
    }
    Ok(parse(&ical.to_string())?.to_ics())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn a_new_todo_reads_back_with_every_field() {
        let text = new_todo(
            "t1@orbit",
            &TodoChange {
                title: Some("Pay rent; landlord, Ana".into()),
                notes: Some("IBAN in the contract\nsecond line".into()),
                priority: Some(1),
                due: Some(Some("2026-12-01".into())),
                estimate_minutes: Some(Some(15)),
                tags: Some(vec!["home".into(), "money".into()]),
                parent: Some(Some("p@orbit".into())),
                column: Some("todo".into()),
                order: Some(3),
                add_links: vec![("mail:42".into(), "Rent reminder".into())],
                rrule: Some("FREQ=MONTHLY;BYMONTHDAY=1".into()),
                ..TodoChange::default()
            },
            now(),
        )
        .unwrap();
        let object = parse(&text).unwrap();
        let t = &todos(&object, chrono_tz::UTC)[0];
        assert_eq!(t.title, "Pay rent; landlord, Ana");
        assert_eq!(t.notes, "IBAN in the contract\nsecond line");
        assert_eq!(t.status, "needs-action");
        assert_eq!(t.priority, 1);
        assert_eq!(t.due.as_deref(), Some("2026-12-01"));
        assert_eq!(t.estimate_minutes, Some(15));
        assert_eq!(t.tags, ["home", "money"]);
        assert_eq!(t.parent.as_deref(), Some("p@orbit"));
        assert_eq!(t.column.as_deref(), Some("todo"));
        assert_eq!(t.order, Some(3));
        assert_eq!(
            t.links,
            [("mail:42".to_owned(), "Rent reminder".to_owned())]
        );
        assert!(t.recurring);
        assert_eq!(t.created_at.as_deref(), Some("2026-11-26T10:00:00Z"));
    }

    #[test]
    fn an_update_keeps_what_other_clients_wrote_and_completing_stamps_it() {
        let theirs = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Phone//EN\r\nBEGIN:VTODO\r\nUID:x@phone\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Buy milk\r\nDUE;TZID=Europe/Berlin:20261127T180000\r\nX-PHONE-FLAG:starred\r\nSEQUENCE:4\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        let object = parse(theirs).unwrap();
        assert_eq!(
            todos(&object, chrono_tz::UTC)[0].due.as_deref(),
            Some("2026-11-27T17:00:00Z"),
            "a zoned DUE is read in its zone"
        );
        let done = update_todo(
            &object,
            "x@phone",
            &TodoChange {
                status: Some("completed".into()),
                column: Some("done".into()),
                ..TodoChange::default()
            },
            now(),
        )
        .unwrap();
        assert!(
            done.contains("X-PHONE-FLAG:starred") && done.contains("BEGIN:VALARM"),
            "{done}"
        );
        assert!(done.contains("SEQUENCE:5"), "{done}");
        let t = &todos(&parse(&done).unwrap(), chrono_tz::UTC)[0];
        assert_eq!(t.status, "completed");
        assert_eq!(t.percent, 100);
        assert_eq!(t.completed_at.as_deref(), Some("2026-11-26T10:00:00Z"));
        assert_eq!(t.title, "Buy milk");
        let reopened = update_todo(
            &parse(&done).unwrap(),
            "x@phone",
            &TodoChange {
                status: Some("needs-action".into()),
                due: Some(None),
                ..TodoChange::default()
            },
            now(),
        )
        .unwrap();
        let t = &todos(&parse(&reopened).unwrap(), chrono_tz::UTC)[0];
        assert_eq!(
            (
                t.status.as_str(),
                t.completed_at.as_deref(),
                t.due.as_deref()
            ),
            ("needs-action", None, None)
        );
        assert_eq!(reopened.matches("STATUS").count(), 1);
    }
}

/// The due date after `due` of the repeating to-do `uid` (its RRULE applied from its DUE), in
/// the same form (`YYYY-MM-DD` or RFC 3339 UTC); `None` when the rule has ended.
pub fn next_due(object: &CalendarObject, uid: &str, due: &str) -> Option<String> {
    let comp = object
        .ical
        .components
        .iter()
        .find(|c| c.component_type == ICalendarComponentType::VTodo && c.uid() == Some(uid))?;
    let rule = comp.entries.iter().find(|e| is(e, "RRULE"))?;
    let due_entry = comp.entries.iter().find(|e| is(e, "DUE"))?;
    // The rule as an event's, starting at the due date: calcard expands it.
    let mut event = comp.clone();
    event.component_type = ICalendarComponentType::VEvent;
    event.component_ids.clear();
    event.entries = vec![
        ICalendarEntry {
            name: ICalendarProperty::Uid,
            params: Vec::new(),
            values: vec![ICalendarValue::Text(uid.to_owned())],
        },
        ICalendarEntry {
            name: ICalendarProperty::Dtstart,
            params: due_entry.params.clone(),
            values: due_entry.values.clone(),
        },
        rule.clone(),
    ];
    let mut ical = object.ical.clone();
    let index = u32::try_from(ical.components.len()).ok()?;
    ical.components.push(event);
    if let Some(root) = ical.components.first_mut() {
        root.component_ids = vec![index];
    }
    let only = parse(&ical.to_string()).ok()?;
    let day = NaiveDate::parse_from_str(due, "%Y-%m-%d").is_ok();
    let after = if day {
        NaiveDate::parse_from_str(due, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            + chrono::Duration::days(1)
    } else {
        DateTime::parse_from_rfc3339(due).ok()?.to_utc() + chrono::Duration::seconds(1)
    };
    crate::expand(
        &only,
        after - chrono::Duration::days(1),
        after + chrono::Duration::days(800),
        chrono_tz::UTC,
    )
    .into_iter()
    .map(|o| o.start)
    .find(|s| {
        if day {
            s.as_str() > due
        } else {
            DateTime::parse_from_rfc3339(s).is_ok_and(|t| t.to_utc() >= after)
        }
    })
}

#[cfg(test)]
mod next_tests {
    use super::*;

    #[test]
    fn a_monthly_task_moves_to_its_next_due_day() {
        let text = new_todo(
            "rent@orbit",
            &TodoChange {
                title: Some("Pay rent".into()),
                due: Some(Some("2026-12-01".into())),
                rrule: Some("FREQ=MONTHLY;BYMONTHDAY=1".into()),
                ..TodoChange::default()
            },
            Utc::now(),
        )
        .unwrap();
        let object = parse(&text).unwrap();
        assert_eq!(
            next_due(&object, "rent@orbit", "2026-12-01").as_deref(),
            Some("2027-01-01")
        );
    }
}
