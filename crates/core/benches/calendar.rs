//! The month view as the app asks for it: `Orbit::calendar_events` for November 2026 over
//! 2,000 stored events (each its own CalDAV object, a fifth recurring with exceptions and a
//! moved occurrence, six time zones) — the first call (every item parsed) and the following
//! ones (parsed items cached, only the expansion). Prints p50/p95.
//!
//! ```sh
//! cargo bench -p orbit-core --bench calendar
//! ```
//! Without `--bench` (as `cargo test --all-targets` runs it) it runs a small case: no figures.

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

#[path = "common/profile.rs"]
mod profile;
use profile::percentile;

type Res<T> = Result<T, Box<dyn Error>>;

const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
    "America/Los_Angeles",
];

fn event(n: usize) -> Res<String> {
    let zone = ZONES.get(n % ZONES.len()).ok_or("zone")?;
    let day = i64::try_from(n * 547 % (3 * 365))?;
    let date =
        chrono::NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")? + chrono::Duration::days(day);
    let start = date.format("%Y%m%d").to_string();
    let hour = 8 + n % 10;
    let mut body = format!(
        "BEGIN:VEVENT\r\nUID:bench-{n}@orbit\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Event {n}\r\nDTSTART;TZID={zone}:{start}T{hour:02}0000\r\nDTEND;TZID={zone}:{start}T{hour:02}4500\r\n"
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
    Ok(format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Orbit//bench//EN\r\n{body}END:VCALENDAR\r\n"
    ))
}

fn main() -> Res<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let events = if bench { 2000 } else { 100 };
    let dir = tempfile::tempdir()?;
    let orbit = profile::open(dir.path())?;
    let account = orbit.local_account()?;
    // A calendar row as a sync would leave it (the bench has no server).
    let store = orbit_store::Store::open(
        &dir.path().join(orbit_store::DATABASE_FILE),
        orbit_store::StoreOptions {
            busy_timeout: Duration::from_secs(5),
        },
    )?;
    let calendar = store
        .write(|tx| orbit_store::calendar::upsert_calendar(tx, account, "/bench/", "Bench", ""))?;
    for n in 0..events {
        orbit.calendar_import(calendar, &event(n)?)?;
    }
    let from: DateTime<Utc> = "2026-11-01T00:00:00Z".parse()?;
    let to: DateTime<Utc> = "2026-12-01T00:00:00Z".parse()?;
    let t = Instant::now();
    let count = orbit
        .calendar_events(from, to, chrono_tz::Europe::Berlin)?
        .len();
    let first = t.elapsed().as_secs_f64() * 1000.0;
    let runs = if bench { 50 } else { 2 };
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        orbit.calendar_events(from, to, chrono_tz::Europe::Berlin)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"events\":{events},\"month_occurrences\":{count},\"first_call_ms\":{first:.2},\"p50_ms\":{:.2},\"p95_ms\":{:.2}}}",
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
    Ok(())
}
