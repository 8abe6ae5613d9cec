//! Changing an event the way calendar apps offer it: move or delete one occurrence of a
//! recurring event (an override or an EXDATE), this and the following ones (the series is split:
//! the old one ends before, a new one with its own UID starts there), or all of them.
//!
//! Times are shifted as wall-clock times in the event's own zone (the TZID and its VTIMEZONE are
//! kept), by how far the user moved the occurrence; everything else in the object (unknown
//! properties, alarms, attendees) is kept. Every changed event's SEQUENCE goes up.

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarDuration, ICalendarEntry,
    ICalendarProperty, ICalendarValue,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::expand::{date_value, expand, put_naive, set_naive, value_naive};
use crate::{CalError, CalendarObject, parse};

/// Which occurrences a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only this one.
    One,
    /// This one and every later one.
    Following,
    /// The whole series.
    All,
}

impl std::str::FromStr for Scope {
    type Err = CalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "one" => Ok(Self::One),
            "following" => Ok(Self::Following),
            "all" => Ok(Self::All),
            other => Err(err(format!(
                "Unknown scope {other:?} (one, following or all)"
            ))),
        }
    }
}

/// A start or end as the app gives it: a date (all-day) or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// An all-day date.
    Date(NaiveDate),
    /// An instant.
    Time(DateTime<Utc>),
}

impl Moment {
    /// Reads `YYYY-MM-DD` or RFC 3339.
    pub fn parse(s: &str) -> Result<Self, CalError> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Self::Date(d));
        }
        DateTime::parse_from_rfc3339(s)
            .map(|t| Self::Time(t.with_timezone(&Utc)))
            .map_err(|_| err(format!("{s:?} is neither a date nor an RFC 3339 time")))
    }

    fn minus(self, other: Self) -> Duration {
        match (self, other) {
            (Self::Date(a), Self::Date(b)) => a - b,
            (Self::Time(a), Self::Time(b)) => a - b,
            (Self::Date(a), Self::Time(b)) => a.and_time(chrono::NaiveTime::MIN).and_utc() - b,
            (Self::Time(a), Self::Date(b)) => a - b.and_time(chrono::NaiveTime::MIN).and_utc(),
        }
    }
}

/// What a change leaves.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The object with the change, or `None` when nothing of it is left (remove the resource).
    pub object: Option<CalendarObject>,
    /// A new series split off by a "this and following" change: its UID and object.
    pub split: Option<(String, CalendarObject)>,
}

fn err(message: impl Into<String>) -> CalError {
    CalError {
        message: message.into(),
    }
}

/// Reads a RECURRENCE-ID as the app passes it back (`YYYYMMDD`, `YYYYMMDDTHHMMSS[Z]`).
pub(crate) fn rid_naive(rid: &str) -> Result<NaiveDateTime, CalError> {
    let bare = rid.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(bare, "%Y%m%dT%H%M%S")
        .or_else(|_| {
            NaiveDate::parse_from_str(bare, "%Y%m%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .map_err(|_| err(format!("{rid:?} does not name an occurrence")))
}

fn shift_values(entry: &mut ICalendarEntry, by: Duration) {
    for value in &mut entry.values {
        if let ICalendarValue::PartialDateTime(dt) = value
            && let Some(n) = value_naive(dt)
        {
            put_naive(dt, n + by);
        }
    }
}

fn shift(comp: &mut ICalendarComponent, prop: &ICalendarProperty, by: Duration) {
    for entry in comp.entries.iter_mut().filter(|e| &e.name == prop) {
        shift_values(entry, by);
    }
}

/// Raises the SEQUENCE of every part of the event `uid` to one above the highest: the parts
/// keep one sequence (overrides are matched to their series by it).
pub(crate) fn bump_sequence(ical: &mut ICalendar, uid: &str) {
    let of = |c: &ICalendarComponent| {
        c.property(&ICalendarProperty::Sequence)
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_integer())
            .unwrap_or(0)
    };
    let next = ical
        .components
        .iter()
        .filter(|c| c.uid() == Some(uid))
        .map(of)
        .max()
        .unwrap_or(0)
        + 1;
    for comp in ical.components.iter_mut().filter(|c| c.uid() == Some(uid)) {
        comp.entries
            .retain(|e| e.name != ICalendarProperty::Sequence);
        comp.entries.push(ICalendarEntry {
            name: ICalendarProperty::Sequence,
            params: Vec::new(),
            values: vec![ICalendarValue::Integer(next)],
        });
    }
}

/// Moves the end of a component: DTEND shifted, or DURATION set to the new length.
fn move_end(comp: &mut ICalendarComponent, by_end: Duration, length: Duration) {
    if comp.property(&ICalendarProperty::Dtend).is_some() {
        shift(comp, &ICalendarProperty::Dtend, by_end);
    } else if let Some(entry) = comp.property_mut(&ICalendarProperty::Duration) {
        entry.values = vec![ICalendarValue::Duration(ICalendarDuration::from_seconds(
            length.num_seconds(),
        ))];
    }
}

/// The indexes of the event components with `uid` (the master first, then overrides).
struct Parts {
    master: Option<usize>,
    overrides: Vec<usize>,
}

fn parts(ical: &ICalendar, uid: &str) -> Parts {
    let root = ical
        .components
        .first()
        .map_or(&[][..], |c| &c.component_ids[..]);
    let mut master = None;
    let mut overrides = Vec::new();
    for id in root {
        let Ok(i) = usize::try_from(*id) else {
            continue;
        };
        let Some(c) = ical.components.get(i) else {
            continue;
        };
        if !matches!(
            c.component_type,
            ICalendarComponentType::VEvent | ICalendarComponentType::VTodo
        ) || c.uid() != Some(uid)
        {
            continue;
        }
        if c.is_recurrence_override() {
            overrides.push(i);
        } else if master.is_none() {
            master = Some(i);
        }
    }
    Parts { master, overrides }
}

fn override_naive(comp: &ICalendarComponent) -> Option<NaiveDateTime> {
    date_value(comp, &ICalendarProperty::RecurrenceId).and_then(value_naive)
}

/// Leaves a component out of the object (the writer only follows links from the root).
fn unlink(ical: &mut ICalendar, index: usize) {
    if let Some(root) = ical.components.first_mut() {
        root.component_ids
            .retain(|id| usize::try_from(*id).ok() != Some(index));
    }
}

/// The changed object, its event's SEQUENCE raised, read back.
fn finish(ical: &mut ICalendar, uid: &str) -> Result<CalendarObject, CalError> {
    bump_sequence(ical, uid);
    parse(&ical.to_string())
}

/// The occurrence the user acted on: its start and end now.
fn current(
    object: &CalendarObject,
    uid: &str,
    rid: Option<&str>,
    tz: chrono_tz::Tz,
) -> Result<(Moment, Moment), CalError> {
    let around = match rid {
        Some(rid) => {
            let parts = parts(&object.ical, uid);
            let wanted = rid_naive(rid)?;
            // An override may have been moved far from its original time.
            let at = parts
                .overrides
                .iter()
                .filter_map(|i| object.ical.components.get(*i))
                .find(|c| override_naive(c) == Some(wanted))
                .and_then(|c| date_value(c, &ICalendarProperty::Dtstart))
                .and_then(value_naive)
                .unwrap_or(wanted);
            (
                (at - Duration::days(3)).and_utc(),
                (at + Duration::days(3)).and_utc(),
            )
        }
        None => (
            DateTime::<Utc>::MIN_UTC + Duration::days(366),
            DateTime::<Utc>::MAX_UTC - Duration::days(366),
        ),
    };
    let wanted = rid.map(rid_naive).transpose()?;
    let found = expand(object, around.0, around.1, tz)
        .into_iter()
        .find(|o| {
            o.uid == uid
                && match (&wanted, &o.recurrence_id) {
                    (None, _) => true,
                    (Some(w), Some(r)) => rid_naive(r).ok().as_ref() == Some(w),
                    (Some(_), None) => false,
                }
        })
        .ok_or_else(|| err(format!("Event {uid} has no such occurrence")))?;
    Ok((Moment::parse(&found.start)?, Moment::parse(&found.end)?))
}

/// Moves an occurrence (or the series) to `[start, end)`.
pub fn move_event(
    object: &CalendarObject,
    uid: &str,
    rid: Option<&str>,
    scope: Scope,
    start: Moment,
    end: Moment,
    tz: chrono_tz::Tz,
) -> Result<Edited, CalError> {
    if end.minus(start) < Duration::zero() {
        return Err(err("The event would end before it starts"));
    }
    let (old_start, old_end) = current(object, uid, rid, tz)?;
    let by_start = start.minus(old_start);
    let by_end = end.minus(old_end);
    let length = end.minus(start);
    let mut ical = object.ical.clone();
    let p = parts(&ical, uid);
    let master = p
        .master
        .ok_or_else(|| err(format!("Event {uid} has no main entry")))?;
    let Some(rid) = rid else {
        // A single event.
        if let Some(c) = ical.components.get_mut(master) {
            shift(c, &ICalendarProperty::Dtstart, by_start);
            move_end(c, by_end, length);
        }
        return Ok(Edited {
            object: Some(finish(&mut ical, uid)?),
            split: None,
        });
    };
    let at = rid_naive(rid)?;
    let first = ical
        .components
        .get(master)
        .and_then(|c| date_value(c, &ICalendarProperty::Dtstart))
        .and_then(value_naive);
    match scope {
        Scope::All => {
            shift_series(&mut ical, master, &p.overrides, by_start, by_end, length);
            Ok(Edited {
                object: Some(finish(&mut ical, uid)?),
                split: None,
            })
        }
        Scope::Following if first == Some(at) => {
            move_event(object, uid, Some(rid), Scope::All, start, end, tz)
        }
        Scope::One => {
            if let Some(i) = p
                .overrides
                .iter()
                .copied()
                .find(|i| ical.components.get(*i).and_then(override_naive) == Some(at))
            {
                if let Some(c) = ical.components.get_mut(i) {
                    shift(c, &ICalendarProperty::Dtstart, by_start);
                    move_end(c, by_end, length);
                }
            } else {
                let comp = instance_of(&ical, master, at, by_start, by_end, length)?;
                add_component(&mut ical, comp)?;
            }
            Ok(Edited {
                object: Some(finish(&mut ical, uid)?),
                split: None,
            })
        }
        Scope::Following => {
            let (mut old, mut new, new_uid) = split(&ical, uid, master, &p.overrides, at)?;
            let np = parts(&new, &new_uid);
            if let Some(m) = np.master {
                shift_series(&mut new, m, &np.overrides, by_start, by_end, length);
            }
            let old = finish(&mut old, uid)?;
            let new = finish(&mut new, &new_uid)?;
            Ok(Edited {
                object: Some(old),
                split: Some((new_uid, new)),
            })
        }
    }
}

/// Deletes an occurrence, this and the following ones, or the whole event.
pub fn delete_event(
    object: &CalendarObject,
    uid: &str,
    rid: Option<&str>,
    scope: Scope,
) -> Result<Edited, CalError> {
    let mut ical = object.ical.clone();
    let p = parts(&ical, uid);
    let master = p
        .master
        .ok_or_else(|| err(format!("Event {uid} has no main entry")))?;
    let gone = Edited {
        object: None,
        split: None,
    };
    let Some(rid) = rid else {
        return Ok(gone);
    };
    let at = rid_naive(rid)?;
    let first = ical
        .components
        .get(master)
        .and_then(|c| date_value(c, &ICalendarProperty::Dtstart))
        .and_then(value_naive);
    match scope {
        Scope::All => Ok(gone),
        Scope::Following if first == Some(at) => Ok(gone),
        Scope::Following => {
            let (mut old, _, _) = split(&ical, uid, master, &p.overrides, at)?;
            Ok(Edited {
                object: Some(finish(&mut old, uid)?),
                split: None,
            })
        }
        Scope::One => {
            for i in &p.overrides {
                if ical.components.get(*i).and_then(override_naive) == Some(at) {
                    unlink(&mut ical, *i);
                }
            }
            let Some(c) = ical.components.get_mut(master) else {
                return Ok(gone);
            };
            let Some(dtstart) = c.property(&ICalendarProperty::Dtstart).cloned() else {
                return Err(err(format!("Event {uid} has no start")));
            };
            let mut value = dtstart
                .values
                .first()
                .and_then(|v| v.as_partial_date_time())
                .cloned()
                .ok_or_else(|| err(format!("Event {uid} has no start")))?;
            put_naive(&mut value, at);
            c.entries.push(ICalendarEntry {
                name: ICalendarProperty::Exdate,
                params: dtstart.params,
                values: vec![ICalendarValue::PartialDateTime(Box::new(value))],
            });
            Ok(Edited {
                object: Some(finish(&mut ical, uid)?),
                split: None,
            })
        }
    }
}

/// Moves a whole series: its start, exceptions, extra dates and overrides.
fn shift_series(
    ical: &mut ICalendar,
    master: usize,
    overrides: &[usize],
    by_start: Duration,
    by_end: Duration,
    length: Duration,
) {
    if let Some(c) = ical.components.get_mut(master) {
        shift(c, &ICalendarProperty::Dtstart, by_start);
        move_end(c, by_end, length);
        shift(c, &ICalendarProperty::Exdate, by_start);
        shift(c, &ICalendarProperty::Rdate, by_start);
    }
    for i in overrides {
        if let Some(c) = ical.components.get_mut(*i) {
            shift(c, &ICalendarProperty::RecurrenceId, by_start);
            shift(c, &ICalendarProperty::Dtstart, by_start);
            shift(c, &ICalendarProperty::Dtend, by_start);
        }
    }
}

/// An override for the occurrence at `at`, moved.
fn instance_of(
    ical: &ICalendar,
    master: usize,
    at: NaiveDateTime,
    by_start: Duration,
    by_end: Duration,
    length: Duration,
) -> Result<ICalendarComponent, CalError> {
    let m = ical
        .components
        .get(master)
        .ok_or_else(|| err("The event has no main entry"))?;
    let dtstart = m
        .property(&ICalendarProperty::Dtstart)
        .cloned()
        .ok_or_else(|| err("The event has no start"))?;
    let first = dtstart
        .values
        .first()
        .and_then(|v| v.as_partial_date_time())
        .and_then(value_naive)
        .ok_or_else(|| err("The event has no start"))?;
    let mut comp = m.clone();
    comp.entries.retain(|e| {
        !matches!(
            e.name,
            ICalendarProperty::Rrule
                | ICalendarProperty::Rdate
                | ICalendarProperty::Exdate
                | ICalendarProperty::Exrule
        )
    });
    // The instance as the rule made it, then moved.
    shift(
        &mut comp,
        &ICalendarProperty::Dtstart,
        at - first + by_start,
    );
    if comp.property(&ICalendarProperty::Dtend).is_some() {
        shift(&mut comp, &ICalendarProperty::Dtend, at - first + by_end);
    } else {
        move_end(&mut comp, by_end, length);
    }
    let mut rid = dtstart;
    rid.name = ICalendarProperty::RecurrenceId;
    if let Some(ICalendarValue::PartialDateTime(v)) = rid.values.first_mut() {
        put_naive(v, at);
    }
    rid.values.truncate(1);
    comp.entries.push(rid);
    Ok(comp)
}

fn add_component(ical: &mut ICalendar, comp: ICalendarComponent) -> Result<(), CalError> {
    let id = u32::try_from(ical.components.len()).map_err(|_| err("The event is too large"))?;
    ical.components.push(comp);
    let root = ical
        .components
        .first_mut()
        .ok_or_else(|| err("The object holds no calendar"))?;
    root.component_ids.push(id);
    Ok(())
}

/// Splits a series at `at`: the old one ends just before, the new one (a copy with a new UID)
/// starts there with what is left of a COUNT. Overrides, exceptions and extra dates go with the
/// side they fall on.
fn split(
    ical: &ICalendar,
    uid: &str,
    master: usize,
    overrides: &[usize],
    at: NaiveDateTime,
) -> Result<(ICalendar, ICalendar, String), CalError> {
    let m = ical
        .components
        .get(master)
        .ok_or_else(|| err("The event has no main entry"))?;
    let dtstart = date_value(m, &ICalendarProperty::Dtstart)
        .cloned()
        .ok_or_else(|| err("The event has no start"))?;
    let first = value_naive(&dtstart).ok_or_else(|| err("The event has no start"))?;
    let count = m
        .property(&ICalendarProperty::Rrule)
        .and_then(|e| e.values.first())
        .and_then(|v| match v {
            ICalendarValue::RecurrenceRule(r) => r.count,
            _ => None,
        });
    // The occurrences up to the split: how many come before it (for what is left of a
    // COUNT), and when it starts (for UNTIL).
    let whole = parse(&ical.to_string())?;
    let up_to: Vec<_> = expand(
        &whole,
        (first - Duration::days(1)).and_utc(),
        (at + Duration::days(2)).and_utc(),
        chrono_tz::UTC,
    )
    .into_iter()
    .filter(|o| o.uid == uid && !o.is_override)
    .filter_map(|o| {
        let r = rid_naive(o.recurrence_id.as_deref()?).ok()?;
        Some((r, Moment::parse(&o.start).ok()?))
    })
    .collect();
    let before = if count.is_some() {
        up_to.iter().filter(|(r, _)| *r < at).count()
    } else {
        0
    };
    let split_instant = up_to
        .iter()
        .find(|(r, _)| *r == at)
        .and_then(|(_, m)| match m {
            Moment::Time(t) => Some(*t),
            Moment::Date(_) => None,
        });

    let mut old = ical.clone();
    if let Some(c) = old.components.get_mut(master) {
        let mut until = dtstart.clone();
        if dtstart.hour.is_none() {
            put_naive(&mut until, at - Duration::days(1));
        } else {
            put_naive(&mut until, at - Duration::seconds(1));
        }
        let zoned = dtstart.hour.is_some()
            && (dtstart.tz_hour.is_some()
                || c.property(&ICalendarProperty::Dtstart)
                    .is_some_and(|e| !e.params.is_empty()));
        if zoned {
            // With a zone, UNTIL is in UTC: the second before the split occurrence starts.
            let instant = split_instant.ok_or_else(|| err("The occurrence was not found"))?;
            set_naive(&mut until, (instant - Duration::seconds(1)).naive_utc());
            until.tz_hour = Some(0);
            until.tz_minute = Some(0);
            until.tz_minus = false;
        }
        for entry in c
            .entries
            .iter_mut()
            .filter(|e| e.name == ICalendarProperty::Rrule)
        {
            for v in &mut entry.values {
                if let ICalendarValue::RecurrenceRule(r) = v {
                    r.count = None;
                    r.until = Some(until.clone());
                }
            }
        }
        drop_dates_from(c, at, true);
    }
    for i in overrides {
        if old.components.get(*i).and_then(override_naive) >= Some(at) {
            unlink(&mut old, *i);
        }
    }

    let new_uid = uuid_like(uid, at);
    let mut new = ical.clone();
    if let Some(c) = new.components.get_mut(master) {
        shift(c, &ICalendarProperty::Dtstart, at - first);
        shift(c, &ICalendarProperty::Dtend, at - first);
        for entry in c
            .entries
            .iter_mut()
            .filter(|e| e.name == ICalendarProperty::Rrule)
        {
            for v in &mut entry.values {
                if let ICalendarValue::RecurrenceRule(r) = v
                    && let Some(n) = r.count
                {
                    r.count = Some(n.saturating_sub(u32::try_from(before).unwrap_or(0)).max(1));
                }
            }
        }
        drop_dates_from(c, at, false);
    }
    for i in overrides {
        if new.components.get(*i).and_then(override_naive) < Some(at) {
            unlink(&mut new, *i);
        }
    }
    for c in &mut new.components {
        if c.uid() == Some(uid)
            && let Some(e) = c.property_mut(&ICalendarProperty::Uid)
        {
            e.values = vec![ICalendarValue::Text(new_uid.clone())];
        }
    }
    Ok((old, new, new_uid))
}

/// Removes EXDATE/RDATE values at or after `at` (`after`), or before it.
fn drop_dates_from(c: &mut ICalendarComponent, at: NaiveDateTime, after: bool) {
    for entry in c
        .entries
        .iter_mut()
        .filter(|e| matches!(e.name, ICalendarProperty::Exdate | ICalendarProperty::Rdate))
    {
        entry.values.retain(|v| {
            let n = v.as_partial_date_time().and_then(value_naive);
            match n {
                Some(n) => (n >= at) != after,
                None => true,
            }
        });
    }
    c.entries.retain(|e| {
        !matches!(e.name, ICalendarProperty::Exdate | ICalendarProperty::Rdate)
            || !e.values.is_empty()
    });
}

/// The UID of a split-off series: derived from the old one, unique per split point.
fn uuid_like(uid: &str, at: NaiveDateTime) -> String {
    format!("{uid}-from-{}", at.format("%Y%m%dT%H%M%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEKLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Stand-up\r\nDTSTART;TZID=Europe/London:20261102T093000\r\nDTEND;TZID=Europe/London:20261102T094500\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\nX-KEEP:me\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn list(object: &CalendarObject) -> Vec<(String, String, bool)> {
        expand(
            object,
            utc("2026-10-01T00:00:00Z"),
            utc("2027-03-01T00:00:00Z"),
            chrono_tz::Europe::London,
        )
        .into_iter()
        .map(|o| (o.uid, o.start, o.is_override))
        .collect()
    }

    fn at(s: &str) -> Moment {
        Moment::parse(s).unwrap()
    }

    #[test]
    fn one_occurrence_moves_as_an_override_and_the_rest_stay() {
        let object = parse(WEEKLY).unwrap();
        let edited = move_event(
            &object,
            "standup",
            Some("20261109T093000"),
            Scope::One,
            at("2026-11-10T14:00:00Z"),
            at("2026-11-10T14:15:00Z"),
            chrono_tz::Europe::London,
        )
        .unwrap();
        let out = edited.object.unwrap();
        let got = list(&out);
        assert_eq!(got.len(), 6, "{}\n{got:?}", out.to_ics());
        assert!(got.contains(&("standup".into(), "2026-11-10T14:00:00Z".into(), true)));
        assert!(!got.iter().any(|o| o.1 == "2026-11-09T09:30:00Z"));
        let text = out.to_ics();
        assert!(
            text.contains("RECURRENCE-ID;TZID=Europe/London:20261109T093000"),
            "{text}"
        );
        assert!(text.contains("X-KEEP:me"));
        // Moving the override again changes it, not a second one.
        let again = move_event(
            &out,
            "standup",
            Some("20261109T093000"),
            Scope::One,
            at("2026-11-10T15:00:00Z"),
            at("2026-11-10T15:15:00Z"),
            chrono_tz::Europe::London,
        )
        .unwrap()
        .object
        .unwrap();
        assert_eq!(again.to_ics().matches("RECURRENCE-ID").count(), 1);
        assert!(list(&again).contains(&("standup".into(), "2026-11-10T15:00:00Z".into(), true)));
    }

    #[test]
    fn this_and_following_splits_the_series_and_keeps_the_count() {
        let object = parse(WEEKLY).unwrap();
        let edited = move_event(
            &object,
            "standup",
            Some("20261116T093000"),
            Scope::Following,
            at("2026-11-16T10:00:00Z"),
            at("2026-11-16T10:15:00Z"),
            chrono_tz::Europe::London,
        )
        .unwrap();
        let old = list(&edited.object.unwrap());
        assert_eq!(
            old.iter().map(|o| o.1.as_str()).collect::<Vec<_>>(),
            ["2026-11-02T09:30:00Z", "2026-11-09T09:30:00Z"]
        );
        let (uid, new) = edited.split.unwrap();
        let new = list(&new);
        assert_eq!(new.len(), 4, "6 in all, 2 before the split");
        assert!(new.iter().all(|o| o.0 == uid));
        assert_eq!(new[0].1, "2026-11-16T10:00:00Z");
        assert_eq!(new[3].1, "2026-12-07T10:00:00Z");
    }

    #[test]
    fn all_moves_the_whole_series_and_deleting_one_adds_an_exdate() {
        let object = parse(WEEKLY).unwrap();
        let all = move_event(
            &object,
            "standup",
            Some("20261116T093000"),
            Scope::All,
            at("2026-11-17T09:30:00Z"),
            at("2026-11-17T09:45:00Z"),
            chrono_tz::Europe::London,
        )
        .unwrap()
        .object
        .unwrap();
        let got = list(&all);
        assert_eq!(got.first().unwrap().1, "2026-11-03T09:30:00Z");
        assert_eq!(got.len(), 6);

        let one = delete_event(&object, "standup", Some("20261116T093000"), Scope::One)
            .unwrap()
            .object
            .unwrap();
        let got = list(&one);
        assert_eq!(got.len(), 5);
        assert!(!got.iter().any(|o| o.1 == "2026-11-16T09:30:00Z"));
        assert!(
            one.to_ics()
                .contains("EXDATE;TZID=Europe/London:20261116T093000")
        );

        let following = delete_event(
            &object,
            "standup",
            Some("20261116T093000"),
            Scope::Following,
        )
        .unwrap()
        .object
        .unwrap();
        assert_eq!(list(&following).len(), 2);
        assert!(
            delete_event(
                &object,
                "standup",
                Some("20261102T093000"),
                Scope::Following
            )
            .unwrap()
            .object
            .is_none(),
            "from the first occurrence on is all of it"
        );
    }

    #[test]
    fn a_single_all_day_event_moves_by_whole_days() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:trip\r\nSUMMARY:Trip\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let object = parse(ics).unwrap();
        let out = move_event(
            &object,
            "trip",
            None,
            Scope::All,
            at("2026-12-28"),
            at("2026-12-31"),
            chrono_tz::Pacific::Auckland,
        )
        .unwrap()
        .object
        .unwrap();
        let text = out.to_ics();
        assert!(text.contains("DTSTART;VALUE=DATE:20261228"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20261231"), "{text}");
        assert!(text.contains("SEQUENCE:1"));
    }
}
