//! Expanding a month view from 2,000 events, as the calendar view does: each event its own
//! calendar object (as CalDAV stores them), a fifth of them recurring (daily, weekly, monthly,
//! with EXDATEs and a moved occurrence), spread over three years and six time zones.
//! Prints p50/p95 of expanding November 2026 for all of them.
//!
//! ```sh
//! cargo bench -p orbit-cal --bench expand
//! ```
//! Without `--bench` (as `cargo test --all-targets` runs it) it runs a few times: no figures.

use std::error::Error;
use std::time::Instant;

use chrono::{DateTime, Utc};

const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
    "America/Los_Angeles",
];

type Res<T> = Result<T, Box<dyn Error>>;

fn event(n: usize) -> Res<String> {
    let zone = ZONES.get(n % ZONES.len()).ok_or("zone")?;
    // Three years of dates from 2024-01-01.
    let day = i64::try_from(n * 547 % (3 * 365))?;
    let date =
        chrono::NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")? + chrono::Duration::days(day);
    let start = date.format("%Y%m%d").to_string();
    let hour = 8 + n % 10;
    let mut body = format!(
        "BEGIN:VEVENT\r\nUID:bench-{n}@orbit\r\nSUMMARY:Event {n}\r\nDTSTART;TZID={zone}:{start}T{hour:02}0000\r\nDTEND;TZID={zone}:{start}T{hour:02}4500\r\n"
    );
    if n.is_multiple_of(5) {
        let rule = match n % 3 {
            0 => "FREQ=DAILY;INTERVAL=2",
            1 => "FREQ=WEEKLY;BYDAY=MO,WE",
            _ => "FREQ=MONTHLY;BYMONTHDAY=15",
        };
        body.push_str(&format!(
            "RRULE:{rule}\r\nEXDATE;TZID={zone}:{start}T{hour:02}0000\r\n"
        ));
    }
    body.push_str("END:VEVENT\r\n");
    if n.is_multiple_of(10) {
        // A moved occurrence a week after the start.
        let moved = (date + chrono::Duration::days(7)).format("%Y%m%d");
        body.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:bench-{n}@orbit\r\nRECURRENCE-ID;TZID={zone}:{moved}T{hour:02}0000\r\nSUMMARY:Event {n} (moved)\r\nDTSTART;TZID={zone}:{moved}T{:02}0000\r\nDTEND;TZID={zone}:{moved}T{:02}3000\r\nEND:VEVENT\r\n",
            hour + 1,
            hour + 1
        ));
    }
    Ok(format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Orbit//bench//EN\r\n{body}END:VCALENDAR\r\n"
    ))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(f64::NAN)
}

fn main() -> Res<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let events = if bench { 2000 } else { 200 };
    let mut objects = Vec::with_capacity(events);
    for n in 0..events {
        objects.push(orbit_cal::parse(&event(n)?)?);
    }
    let from: DateTime<Utc> = "2026-11-01T00:00:00Z".parse()?;
    let to: DateTime<Utc> = "2026-12-01T00:00:00Z".parse()?;
    let runs = if bench { 50 } else { 2 };
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..runs {
        let t = Instant::now();
        count = objects
            .iter()
            .map(|o| orbit_cal::expand(o, from, to, chrono_tz::Europe::Berlin).len())
            .sum::<usize>();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"events\":{events},\"recurring\":{},\"month_occurrences\":{count},\"p50_ms\":{:.2},\"p95_ms\":{:.2}}}",
        events / 5,
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
    Ok(())
}
