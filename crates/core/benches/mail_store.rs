//! The mail store at scale: a profile with 100,000 imported messages, then how long the
//! queries the UI runs take (median and p95 over many runs):
//!
//! * the first page (50) of the inbox, and a page deep in it (offset 50,000);
//! * opening a conversation of six messages;
//! * the folder list with its counts.
//!
//! Goal: a page and a conversation under 5 ms. For every figure, the query plan of the SQL
//! behind it is printed (`EXPLAIN QUERY PLAN`), and a figure over its goal is flagged. Then
//! the SQL alone on the bench's own connections: the deep page as `list_folder` asks for it
//! against the plain join it replaced, and that join on the first of two connections of one
//! process (the bundled SQLite shares one page cache between them) with and without
//! `mmap_size`.
//!
//! ```sh
//! cargo bench -p orbit-core --bench mail_store
//! ORBIT_BENCH_MESSAGES=20000 cargo bench -p orbit-core --bench mail_store   # smaller
//! ORBIT_BENCH_DIR=/tmp/orbit-store-bench cargo bench ...   # keep (and reuse) the profile
//! ```
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it only does a quick smoke run
//! with 600 messages and writes no results.
//!
//! The mbox is generated here, deterministically: conversations of 1–6 messages (replies with
//! In-Reply-To, References and "Re:" subjects) over three years, from 300 senders. Results
//! also go to `tests/bench/results/store-latest.json`.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use orbit_core::{EnvOverrides, Keyring, OpenOptions, Orbit, SystemClock};
use rusqlite::{Connection, OpenFlags};

type Res<T> = Result<T, Box<dyn Error>>;

const DEFAULT_MESSAGES: usize = 100_000;
const SMOKE_MESSAGES: usize = 600;
const PAGE: u32 = 50;
const DEEP_OFFSET: u32 = 50_000;
const GOAL_MS: f64 = 5.0;

/// 2022-06-01T00:00:00Z and three years on.
const START: i64 = 1_654_041_600;
const SPAN: i64 = 3 * 365 * 86_400;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Isabel", "Jack", "Karen",
    "Liam", "Maria", "Noah", "Olivia", "Paul", "Rachel", "Sam", "Tina", "Victor",
];
const LAST: &[&str] = &[
    "Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Garcia", "Dubois",
    "Kowalski", "Nakamura", "Chen", "Patel", "Okafor",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "example.io"];
const TOPICS: &[&str] = &[
    "Quarterly report",
    "Budget review",
    "Team offsite",
    "Server migration",
    "Design review",
    "Contract renewal",
    "Hiring plan",
    "Customer escalation",
    "Weekly sync",
    "Security audit",
    "Release notes",
    "Travel plans",
    "Board meeting",
    "Roadmap",
    "Invoice",
];
const WORDS: &[&str] = &[
    "the",
    "project",
    "plan",
    "needs",
    "review",
    "before",
    "we",
    "ship",
    "next",
    "week",
    "numbers",
    "look",
    "good",
    "but",
    "budget",
    "is",
    "tight",
    "please",
    "check",
    "draft",
    "meeting",
    "agenda",
    "customer",
    "feedback",
    "deadline",
    "results",
    "team",
    "update",
    "design",
    "proposal",
    "server",
    "database",
    "migration",
    "backup",
    "latency",
    "memory",
    "tomorrow",
    "today",
    "monday",
    "friday",
    "call",
    "link",
    "question",
    "issue",
    "fix",
];

/// Thread sizes 1..=6 and their weights.
const SIZES: &[(usize, u64)] = &[(1, 40), (2, 20), (3, 15), (4, 10), (5, 8), (6, 7)];

struct Planned {
    date: i64,
    thread: usize,
    k: usize,
    sender: usize,
}

fn thread_size(rng: &mut Rng) -> usize {
    let total: u64 = SIZES.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total);
    for (size, weight) in SIZES {
        if roll < *weight {
            return *size;
        }
        roll -= weight;
    }
    1
}

/// Writes `count` messages as an mbox (oldest first). Returns the thread numbers of complete
/// six-message conversations.
fn write_mbox(path: &Path, count: usize) -> Res<Vec<usize>> {
    let mut rng = Rng(0x0b17_be9c);
    let people: Vec<(String, String)> = (0..300)
        .map(|_| {
            let first = rng.pick(FIRST);
            let last = rng.pick(LAST);
            let domain = rng.pick(DOMAINS);
            let n = rng.below(100);
            (
                format!("{first} {last}"),
                format!(
                    "{}.{}{n}@{domain}",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
            )
        })
        .collect();
    let mut planned = Vec::with_capacity(count);
    let mut six = Vec::new();
    let mut thread = 0;
    while planned.len() < count {
        let wanted = thread_size(&mut rng);
        let size = wanted.min(count - planned.len());
        if size == 6 {
            six.push(thread);
        }
        let cast = [
            rng.below(people.len() as u64),
            rng.below(people.len() as u64),
            rng.below(people.len() as u64),
        ];
        let mut date = START + i64::try_from(rng.below((SPAN - 10 * 86_400) as u64))?;
        for k in 0..size {
            if k > 0 {
                date += 60 + i64::try_from(rng.below(2 * 86_400))?;
            }
            let sender = cast.get(k % cast.len()).copied().unwrap_or(0);
            planned.push(Planned {
                date,
                thread,
                k,
                sender: usize::try_from(sender)?,
            });
        }
        thread += 1;
    }
    planned.sort_by_key(|p| (p.date, p.thread, p.k));

    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let mut text = String::new();
    for p in &planned {
        let (name, email) = people.get(p.sender).ok_or("no such sender")?;
        let when = chrono::DateTime::from_timestamp(p.date, 0).ok_or("bad date")?;
        let mut body_rng = Rng(((p.thread as u64) << 8) ^ p.k as u64);
        let topic = TOPICS
            .get(p.thread % TOPICS.len())
            .copied()
            .unwrap_or("Topic");
        writeln!(out, "From {email} {}", when.format("%a %b %e %H:%M:%S %Y"))?;
        writeln!(out, "Date: {}", when.format("%a, %d %b %Y %H:%M:%S +0000"))?;
        writeln!(out, "From: {name} <{email}>")?;
        writeln!(out, "To: Me <me@example.com>")?;
        let re = if p.k > 0 { "Re: " } else { "" };
        writeln!(out, "Subject: {re}{topic} #{}", p.thread)?;
        writeln!(out, "Message-ID: <t{}.m{}@bench.example>", p.thread, p.k)?;
        if p.k > 0 {
            writeln!(
                out,
                "In-Reply-To: <t{}.m{}@bench.example>",
                p.thread,
                p.k - 1
            )?;
            let refs: Vec<String> = (0..p.k)
                .map(|j| format!("<t{}.m{j}@bench.example>", p.thread))
                .collect();
            writeln!(out, "References: {}", refs.join("\n "))?;
        }
        writeln!(out, "MIME-Version: 1.0")?;
        writeln!(out, "Content-Type: text/plain; charset=utf-8")?;
        writeln!(out)?;
        text.clear();
        for _ in 0..2 + body_rng.below(5) {
            let words = 6 + body_rng.below(12);
            for w in 0..words {
                let word = body_rng.pick(WORDS);
                if w > 0 {
                    text.push(' ');
                }
                text.push_str(word);
            }
            text.push_str(".\n");
        }
        writeln!(out, "{text}\n-- \n{name}\n")?;
    }
    out.flush()?;
    Ok(six)
}

struct Timing {
    name: String,
    runs: usize,
    median_ms: f64,
    p95_ms: f64,
    goal_ms: Option<f64>,
}

fn measure<T>(
    name: &str,
    runs: usize,
    goal_ms: Option<f64>,
    mut f: impl FnMut(usize) -> Res<T>,
) -> Res<Timing> {
    for i in 0..runs.div_ceil(10) {
        f(i)?; // warm-up
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        let out = f(i)?;
        times.push(t.elapsed());
        drop(out);
    }
    times.sort();
    let at = |q: f64| -> f64 {
        let idx = ((times.len() as f64 * q).ceil() as usize).saturating_sub(1);
        times
            .get(idx)
            .copied()
            .unwrap_or(Duration::ZERO)
            .as_secs_f64()
            * 1000.0
    };
    Ok(Timing {
        name: name.to_owned(),
        runs,
        median_ms: at(0.5),
        p95_ms: at(0.95),
        goal_ms,
    })
}

/// `EXPLAIN QUERY PLAN` of `sql`, as an indented tree.
fn plan(conn: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Res<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = stmt
        .query_map(params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut depth: BTreeMap<i64, usize> = BTreeMap::new();
    let mut out = String::new();
    for (id, parent, detail) in rows {
        let d = depth.get(&parent).map_or(0, |d| d + 1);
        depth.insert(id, d);
        writeln!(out, "    {}{detail}", "  ".repeat(d))?;
    }
    Ok(out)
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

// The SQL behind the measured calls, copied from crates/store/src/mail.rs for the plans.
const SUMMARY_COLUMNS: &str = "m.id, m.message_id, m.thread_id, l.folder_id, l.uid, m.subject, \
     m.from_name, m.from_email, l.date, m.snippet, m.has_attachments, l.seen, l.flagged, \
     l.answered, l.draft, l.keywords";
const MESSAGE_COLUMNS: &str = "id, account_id, message_id, thread_id, subject, from_name, \
     from_email, recipients, date, body_text, has_html, has_attachments, raw_blob";

fn main() -> Res<()> {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it
    // (in a debug build): then only a quick smoke run, and no results file.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let count = env_usize("ORBIT_BENCH_MESSAGES")
        .filter(|_| !smoke)
        .unwrap_or(if smoke {
            SMOKE_MESSAGES
        } else {
            DEFAULT_MESSAGES
        });
    let runs = if smoke {
        10
    } else {
        env_usize("ORBIT_BENCH_RUNS").unwrap_or(200).max(10)
    };
    let (_temp, root): (Option<tempfile::TempDir>, PathBuf) =
        match std::env::var_os("ORBIT_BENCH_DIR") {
            Some(dir) => (None, PathBuf::from(dir)),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("orbit-store-bench")
                    .tempdir()?;
                let p = t.path().to_owned();
                (Some(t), p)
            }
        };
    std::fs::create_dir_all(&root)?;
    let mbox = root.join(format!("bench-{count}.mbox"));
    let profile = root.join(format!("profile-{count}"));
    let built = profile.join("built");

    println!(
        "mail_store bench: {count} messages in {}{}",
        root.display(),
        if smoke { " (smoke run)" } else { "" }
    );
    let t = Instant::now();
    let six = write_mbox(&mbox, count)?;
    let mbox_mb = std::fs::metadata(&mbox)?.len() as f64 / 1e6;
    println!(
        "  mbox: {mbox_mb:.1} MB, {} six-message conversations, written in {:.1} s",
        six.len(),
        t.elapsed().as_secs_f64()
    );

    let orbit = Orbit::open(OpenOptions {
        data_dir: profile.clone(),
        keyring: Keyring::in_memory("bench")?,
        clock: Arc::new(SystemClock),
        env: EnvOverrides::default(),
        net_timeout: Duration::from_secs(20),
        busy_timeout: Duration::from_secs(5),
    })?;
    let mut import_s = None;
    if built.exists() {
        println!("  profile: reusing {}", profile.display());
    } else {
        let t = Instant::now();
        let report = orbit.mail_import(&mbox, Some("Inbox"))?;
        let secs = t.elapsed().as_secs_f64();
        import_s = Some(secs);
        println!(
            "  import: {} read, {} imported, {} errors in {secs:.1} s ({:.0} messages/s)",
            report.read,
            report.imported,
            report.errors.len(),
            report.imported as f64 / secs
        );
        if report.imported != count {
            return Err(format!("imported {} of {count} messages", report.imported).into());
        }
        std::fs::write(&built, b"")?;
    }

    let inbox = orbit.mail_folder(None, "inbox")?;
    println!("  inbox: folder {} with {} messages", inbox.id, inbox.total);

    let db = profile.join("orbit.sqlite3");
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // Up to 20 six-message conversations spread over the mailbox.
    let step = (six.len() / 20).max(1);
    let mut threads = Vec::new();
    for t in six.iter().step_by(step).take(20) {
        let id: i64 = conn.query_row(
            "SELECT thread_id FROM messages WHERE message_id = ?1",
            [format!("t{t}.m0@bench.example")],
            |r| r.get(0),
        )?;
        let size = orbit.mail_thread(id)?.len();
        if size != 6 {
            return Err(format!("conversation {id} has {size} messages, expected 6").into());
        }
        threads.push(id);
    }
    if threads.is_empty() {
        return Err("no six-message conversation".into());
    }
    let deep = DEEP_OFFSET.min(u32::try_from(count)?.saturating_sub(PAGE));

    let mut results = Vec::new();
    results.push(measure(
        "inbox first page (50)",
        runs,
        Some(GOAL_MS),
        |_| Ok(orbit.mail_list(inbox.id, PAGE, 0)?),
    )?);
    let deep_name = format!("inbox deep page (offset {deep})");
    results.push(measure(
        &deep_name,
        (runs / 2).max(10),
        Some(GOAL_MS),
        |_| Ok(orbit.mail_list(inbox.id, PAGE, deep)?),
    )?);
    results.push(measure(
        "open a 6-message conversation",
        runs,
        Some(GOAL_MS),
        |i| {
            let id = threads.get(i % threads.len()).copied().unwrap_or(0);
            Ok(orbit.mail_thread(id)?)
        },
    )?);
    results.push(measure(
        "folders with counts",
        (runs / 2).max(10),
        None,
        |_| Ok(orbit.mail_folders(None)?),
    )?);

    println!();
    println!(
        "  {:<44} {:>6} {:>11} {:>11}  goal",
        "operation", "runs", "median ms", "p95 ms"
    );
    let mut misses = Vec::new();
    for r in &results {
        let verdict = match r.goal_ms {
            Some(g) if r.p95_ms <= g => format!("< {g} ms: ok"),
            Some(g) => {
                misses.push(r.name.clone());
                format!("< {g} ms: MISSED")
            }
            None => "-".to_owned(),
        };
        println!(
            "  {:<44} {:>6} {:>11.3} {:>11.3}  {verdict}",
            r.name, r.runs, r.median_ms, r.p95_ms
        );
    }

    // The plans of the SQL behind each figure (copied from crates/store/src/mail.rs).
    let thread = threads.first().copied().unwrap_or(0);
    let list_sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM (
             SELECT id FROM message_locations WHERE folder_id = ?1
             ORDER BY date DESC, id DESC LIMIT ?2 OFFSET ?3
         ) AS page
         JOIN message_locations l ON l.id = page.id
         JOIN messages m ON m.id = l.message
         ORDER BY l.date DESC, l.id DESC"
    );
    let counts_sql = "SELECT f.id, COUNT(l.id), COALESCE(SUM(l.seen = 0), 0)
             FROM folders f LEFT JOIN message_locations l ON l.folder_id = f.id
             WHERE f.account_id = ?1 GROUP BY f.id";
    let plans = [
        (
            "mail_list -> list_folder",
            list_sql.clone(),
            vec![inbox.id, i64::from(PAGE), i64::from(deep)],
        ),
        (
            "mail_thread -> thread_messages",
            format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = ?1 ORDER BY date, id"
            ),
            vec![thread],
        ),
        (
            "mail_thread -> mail_show: attachments",
            "SELECT ordinal, filename, mime_type, content_id, inline, size, blob
             FROM attachments WHERE message = ?1 ORDER BY ordinal"
                .to_owned(),
            vec![1],
        ),
        (
            "mail_thread -> mail_show: message_locations",
            "SELECT folder_id, uid FROM message_locations WHERE message = ?1 ORDER BY folder_id"
                .to_owned(),
            vec![1],
        ),
        (
            "mail_folders -> folder_counts",
            counts_sql.to_owned(),
            vec![inbox.account_id],
        ),
    ];
    println!();
    println!("  query plans (EXPLAIN QUERY PLAN):");
    let mut plan_json = serde_json::Map::new();
    for (name, sql, args) in &plans {
        let params: Vec<&dyn rusqlite::ToSql> =
            args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
        let text = plan(&conn, sql, &params)?;
        println!("  {name}:\n{text}");
        plan_json.insert((*name).to_owned(), serde_json::Value::String(text));
    }

    // The SQL alone, on connections of our own.
    let sql_runs = (runs / 2).max(10);
    let page_on = |c: &Connection, sql: &str| -> Res<usize> {
        let mut stmt = c.prepare_cached(sql)?;
        let n = stmt
            .query_map(rusqlite::params![inbox.id, PAGE, deep], |r| {
                r.get::<_, i64>(0)
            })?
            .count();
        Ok(n)
    };
    let counts_on = |c: &Connection| -> Res<Vec<(i64, i64, i64)>> {
        let mut stmt = c.prepare_cached(counts_sql)?;
        let rows = stmt
            .query_map([inbox.account_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    };
    // The deep page as list_folder asks for it, and the plain join it replaced (every
    // skipped row was joined with its message).
    let joined_sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM message_locations l JOIN messages m ON m.id = l.message
         WHERE l.folder_id = ?1 ORDER BY l.date DESC, l.id DESC LIMIT ?2 OFFSET ?3"
    );
    let mut sql_results = vec![
        measure("SQL: list_folder, deep page", sql_runs, None, |_| {
            page_on(&conn, &list_sql)
        })?,
        measure("SQL: the plain join, deep page", sql_runs, None, |_| {
            page_on(&conn, &joined_sql)
        })?,
        measure("SQL: folder_counts", sql_runs, None, |_| counts_on(&conn))?,
    ];
    // Two read connections in one process, as Orbit's reader pool has. The bundled SQLite is
    // built with SQLITE_ENABLE_MEMORY_MANAGEMENT, so all connections share one page-cache
    // group, and a connection used again after another one ran a big scan can find its cache
    // starved: every page it reads becomes a pread. The plain-join deep page is such a scan;
    // the same with memory-mapped reads for comparison.
    for (name, mmap) in [
        ("SQL: plain join, 1st of 2 connections", false),
        ("SQL: the same with PRAGMA mmap_size=256MiB", true),
    ] {
        let open = || -> Res<Connection> {
            let c = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            if mmap {
                c.execute_batch("PRAGMA mmap_size = 268435456")?;
            }
            Ok(c)
        };
        let (a, b) = (open()?, open()?);
        page_on(&a, &joined_sql)?;
        page_on(&b, &joined_sql)?;
        sql_results.push(measure(name, sql_runs, None, |_| page_on(&a, &joined_sql))?);
    }

    println!("  the SQL alone, on connections of the bench's own:");
    for r in &sql_results {
        println!(
            "  {:<44} {:>6} {:>11.3} {:>11.3}",
            r.name, r.runs, r.median_ms, r.p95_ms
        );
    }

    if misses.is_empty() {
        println!("\n  every goal met");
    } else {
        println!("\n  MISSED: {}", misses.join(", "));
    }

    let json = serde_json::json!({
        "messages": count,
        "mbox_mb": mbox_mb,
        "import_seconds": import_s,
        "import_messages_per_s": import_s.map(|s| count as f64 / s),
        "results": results.iter().chain(sql_results.iter()).map(|r| serde_json::json!({
            "name": r.name, "runs": r.runs, "median_ms": r.median_ms, "p95_ms": r.p95_ms,
            "goal_ms": r.goal_ms,
        })).collect::<Vec<_>>(),
        "plans": plan_json,
        "missed": misses,
    });
    if smoke {
        println!("  smoke run (no --bench): results not written");
        return Ok(());
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bench/results");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("store-latest.json");
    std::fs::write(&file, serde_json::to_string_pretty(&json)?)?;
    println!("  results: {}", file.display());
    Ok(())
}
