//! A 2,000-task board as the app asks for it: `Orbit::tasks` for the list (every task scored,
//! sub-task progress rolled up), and a card moved between columns (`task_move`, one
//! transaction with the queued change and the activity entry). Prints p50/p95.
//!
//! ```sh
//! cargo bench -p orbit-core --bench tasks
//! ```
//! Without `--bench` (as `cargo test --all-targets` runs it) it runs a small case: no figures.

use std::error::Error;
use std::time::Instant;

#[path = "common/profile.rs"]
mod profile;
use profile::percentile;

type Res<T> = Result<T, Box<dyn Error>>;

fn todo(n: usize) -> String {
    let due = if n.is_multiple_of(3) {
        format!("DUE;VALUE=DATE:202612{:02}\r\n", 1 + n % 28)
    } else {
        String::new()
    };
    let parent = if n % 10 == 9 {
        format!("RELATED-TO;RELTYPE=PARENT:bench-{}@orbit\r\n", n - 1)
    } else {
        String::new()
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Orbit//bench//EN\r\nBEGIN:VTODO\r\nUID:bench-{n}@orbit\r\nDTSTAMP:20261101T000000Z\r\nCREATED:20261101T000000Z\r\nSUMMARY:Board task {n}\r\nPRIORITY:{}\r\nSTATUS:NEEDS-ACTION\r\nCATEGORIES:tag{}\r\n{due}{parent}END:VTODO\r\nEND:VCALENDAR\r\n",
        n % 10,
        n % 7
    )
}

fn timed<T>(runs: usize, mut f: impl FnMut(usize) -> Res<T>) -> Res<(f64, f64)> {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((percentile(&times, 0.5), percentile(&times, 0.95)))
}

fn main() -> Res<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let count = if bench { 2000 } else { 50 };
    let dir = tempfile::tempdir()?;
    let orbit = profile::open(dir.path())?;
    let list = orbit.task_list_create("Bench")?.id;
    for n in 0..count {
        orbit.calendar_import(list, &todo(n))?;
    }
    let t = Instant::now();
    let tasks = orbit.tasks(Some(list))?;
    let first = t.elapsed().as_secs_f64() * 1000.0;
    if tasks.len() != count {
        return Err(format!("{} tasks, not {count}", tasks.len()).into());
    }
    let runs = if bench { 30 } else { 2 };
    let (list_p50, list_p95) = timed(runs, |_| Ok(orbit.tasks(Some(list))?))?;
    let uids: Vec<String> = tasks
        .iter()
        .filter(|t| t.parent.is_none())
        .map(|t| t.uid.clone())
        .collect();
    let (move_p50, move_p95) = timed(runs, |i| {
        let uid = uids.get(i * 7 % uids.len()).ok_or("no task")?;
        Ok(orbit.task_move(uid, if i % 2 == 0 { "doing" } else { "todo" }, None)?)
    })?;
    println!(
        "{{\"tasks\":{count},\"first_list_ms\":{first:.2},\"list_p50_ms\":{list_p50:.2},\"list_p95_ms\":{list_p95:.2},\"move_p50_ms\":{move_p50:.2},\"move_p95_ms\":{move_p95:.2}}}"
    );
    Ok(())
}
