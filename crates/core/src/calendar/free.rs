//! Free time: the gaps between the events of a calendar within working hours.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

use crate::{Orbit, Result};

/// The gaps of at least `min` inside `windows` not covered by `busy` (both sorted or not).
pub fn free_slots(
    windows: &[(DateTime<Utc>, DateTime<Utc>)],
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
    min: Duration,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut busy = busy.to_vec();
    busy.sort();
    let mut out = Vec::new();
    for (start, end) in windows {
        let mut at = *start;
        for (b0, b1) in busy.iter().filter(|(b0, b1)| b1 > start && b0 < end) {
            if *b0 > at && *b0 - at >= min {
                out.push((at, *b0));
            }
            at = at.max(*b1);
        }
        if *end > at && *end - at >= min {
            out.push((at, *end));
        }
    }
    out
}

impl Orbit {
    /// Free times of at least `min` on the days `[first, last)`, between `hours` (local), on
    /// weekdays unless `weekends`; timed events are busy, all-day ones and those the user marked
    /// free are not (an all-day event is usually a note: a holiday, a birthday).
    pub fn calendar_free_time(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        hours: (NaiveTime, NaiveTime),
        weekends: bool,
        min: Duration,
        tz: chrono_tz::Tz,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
        let mut windows = Vec::new();
        let mut day = first;
        while day < last {
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            if weekends || !weekend {
                let at = |t: NaiveTime| {
                    tz.from_local_datetime(&day.and_time(t))
                        .earliest()
                        .map(|d| d.with_timezone(&Utc))
                };
                if let (Some(a), Some(b)) = (at(hours.0), at(hours.1))
                    && b > a
                {
                    windows.push((a, b));
                }
            }
            day += Duration::days(1);
        }
        let (Some(from), Some(to)) = (windows.first().map(|w| w.0), windows.last().map(|w| w.1))
        else {
            return Ok(Vec::new());
        };
        let busy: Vec<_> = self
            .calendar_events(from, to, tz)?
            .into_iter()
            .filter(|o| !o.all_day)
            .filter_map(|o| {
                let a = DateTime::parse_from_rfc3339(&o.start).ok()?.to_utc();
                let b = DateTime::parse_from_rfc3339(&o.end).ok()?.to_utc();
                Some((a, b))
            })
            .collect();
        Ok(free_slots(&windows, &busy, min))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn gaps_between_overlapping_events_and_the_window_edges() {
        let windows = [(t("2026-12-01T09:00:00Z"), t("2026-12-01T18:00:00Z"))];
        let busy = [
            (t("2026-12-01T10:00:00Z"), t("2026-12-01T11:00:00Z")),
            (t("2026-12-01T10:30:00Z"), t("2026-12-01T12:00:00Z")),
            (t("2026-12-01T12:20:00Z"), t("2026-12-01T13:00:00Z")),
            (t("2026-12-01T17:30:00Z"), t("2026-12-01T19:00:00Z")),
        ];
        let got = free_slots(&windows, &busy, Duration::minutes(30));
        assert_eq!(
            got,
            vec![
                (t("2026-12-01T09:00:00Z"), t("2026-12-01T10:00:00Z")),
                (t("2026-12-01T13:00:00Z"), t("2026-12-01T17:30:00Z")),
            ],
            "12:00-12:20 is too short"
        );
    }
}
