//! Sync under failure: the syncing process killed at random points and restarted, and the
//! connection cut in the middle of a fetch by a proxy the test controls. Afterwards no
//! message is lost or duplicated and the database passes `PRAGMA integrity_check`.

// serde_json's `value["key"]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use orbit_tests::{
    Profile, ServerMailbox, Servers, TestResult, add_imap_account, message, servers,
};

const PASSWORD: &str = "mail-secret-pw";

fn fill(
    s: &Servers,
    user: &str,
    count: usize,
) -> Result<ServerMailbox, Box<dyn std::error::Error>> {
    let mut server = ServerMailbox::login(s, user, PASSWORD)?;
    server.wipe()?;
    append(&mut server, user, 0..count)?;
    Ok(server)
}

fn append(server: &mut ServerMailbox, user: &str, range: std::ops::Range<usize>) -> TestResult {
    for n in range {
        let body = format!(
            "Message {n}.\n{}",
            "Some text to give the message a realistic size. ".repeat(40)
        );
        let parent = (n % 5 != 0).then(|| format!("r{}-{user}@example.com", n - n % 5));
        server.append(
            "INBOX",
            &message(
                &format!("r{n}-{user}@example.com"),
                "Ann <ann@example.com>",
                &format!("Topic {}", n / 5),
                parent.as_deref(),
                &body,
            ),
            if n % 3 == 0 { "(\\Seen)" } else { "" },
        )?;
    }
    Ok(())
}

/// Counts (messages in the inbox, distinct Message-IDs, locations, integrity_check).
fn census(profile: &Profile) -> Result<(i64, i64, i64, String), rusqlite::Error> {
    let conn = rusqlite::Connection::open(profile.database())?;
    let inbox: i64 = conn.query_row(
        "SELECT COUNT(*) FROM message_locations l JOIN folders f ON f.id = l.folder_id WHERE f.role = 'inbox'",
        [],
        |r| r.get(0),
    )?;
    let distinct: i64 =
        conn.query_row("SELECT COUNT(DISTINCT message_id) FROM messages", [], |r| {
            r.get(0)
        })?;
    let locations: i64 =
        conn.query_row("SELECT COUNT(*) FROM message_locations", [], |r| r.get(0))?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    Ok((inbox, distinct, locations, integrity))
}

#[test]
fn killing_the_sync_at_random_points_loses_and_duplicates_nothing() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let mut count = 400;
    let mut server = fill(&s, "mail9", count)?;
    let profile = Profile::new(&s)?;
    add_imap_account(&profile, "mail9", s.imap_port)?;
    // A fixed-seed generator, so a failure can be replayed.
    let mut seed: u64 = 0x5eed_0bb1;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let mut killed_mid_sync = 0;
    for round in 0..40 {
        if round >= 5 {
            // New mail and a flag change on the server, so every sync has work to be cut in.
            append(&mut server, "mail9", count..count + 30)?;
            count += 30;
            server.run("SELECT INBOX")?;
            server.run(&format!("STORE {} +FLAGS (\\Flagged)", 1 + next() % 100))?;
        }
        let mut child = profile
            .command(&["sync", "--batch", "10"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let delay = 5 + next() % 120;
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait()?.is_none() {
            child.kill()?; // SIGKILL: no chance to clean up
            killed_mid_sync += 1;
        }
        child.wait()?;
        let (_, distinct, locations, integrity) = census(&profile)?;
        assert_eq!(
            integrity, "ok",
            "round {round}: the database is intact after the kill"
        );
        assert_eq!(
            distinct, locations,
            "round {round}: no message stored twice"
        );
    }
    eprintln!("{killed_mid_sync} of 40 kills landed during a sync");
    assert!(
        killed_mid_sync >= 20,
        "at least 20 kills landed during a sync ({killed_mid_sync} of 40)"
    );
    let run = profile.run(&["--json", "sync"], None)?;
    assert!(run.ok, "the final sync completes: {}", run.stderr);
    let (inbox, distinct, locations, integrity) = census(&profile)?;
    assert_eq!(
        (inbox, distinct, locations),
        (count as i64, count as i64, count as i64),
        "nothing lost, nothing doubled"
    );
    assert_eq!(integrity, "ok");
    Ok(())
}

/// A TCP proxy to the IMAP server that cuts its first connection once `cut_after` bytes came
/// from the server; later connections pass through.
fn start_proxy(target: u16, cut_after: usize) -> Result<(u16, Arc<AtomicBool>), std::io::Error> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let cut_done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cut_done);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(upstream) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let cut = !flag.swap(true, Ordering::SeqCst);
            pipe(client, upstream, if cut { Some(cut_after) } else { None });
        }
    });
    Ok((port, cut_done))
}

fn pipe(client: TcpStream, upstream: TcpStream, cut_after: Option<usize>) {
    let (Ok(client_read), Ok(upstream_write)) = (client.try_clone(), upstream.try_clone()) else {
        return;
    };
    std::thread::spawn(move || copy(client_read, upstream_write, None));
    std::thread::spawn(move || copy(upstream, client, cut_after));
}

fn copy(mut from: TcpStream, mut to: TcpStream, cut_after: Option<usize>) {
    let sent = AtomicUsize::new(0);
    let mut buf = [0u8; 8192];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = buf.get(..n).unwrap_or_default();
        if to.write_all(chunk).is_err() {
            break;
        }
        let total = sent.fetch_add(n, Ordering::SeqCst) + n;
        if cut_after.is_some_and(|limit| total >= limit) {
            break; // the line goes dead in the middle of a response
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

#[test]
fn a_connection_cut_mid_fetch_is_resumed_by_the_next_sync() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let count = 150;
    let _server = fill(&s, "mail10", count)?;
    let (port, cut) = start_proxy(s.imap_port, 120_000)?;
    let profile = Profile::new(&s)?;
    add_imap_account(&profile, "mail10", port)?;
    let first = profile.run(&["--json", "sync", "--batch", "25"], None)?;
    assert!(
        cut.load(Ordering::SeqCst),
        "the proxy cut the first connection"
    );
    assert!(
        !first.ok,
        "the first sync reports the cut: {}",
        first.stdout
    );
    let (partial, _, _, integrity) = census(&profile)?;
    assert!(
        partial > 0 && partial < count as i64,
        "part of the mailbox arrived before the cut: {partial}"
    );
    assert_eq!(integrity, "ok");
    let second = profile.run(&["--json", "sync", "--batch", "25"], None)?;
    assert!(
        second.ok,
        "the next sync resumes: {}\n{}",
        second.stdout, second.stderr
    );
    let (inbox, distinct, locations, integrity) = census(&profile)?;
    assert_eq!(
        (inbox, distinct, locations),
        (count as i64, count as i64, count as i64),
        "resumed without loss or duplicates"
    );
    assert_eq!(integrity, "ok");
    Ok(())
}

/// A proxy that calls `hook` with each chunk the client sends before forwarding it.
fn start_hooked_proxy(
    target: u16,
    hook: impl Fn(&[u8]) + Send + Sync + 'static,
) -> Result<u16, std::io::Error> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let hook = Arc::new(hook);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(upstream) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let (Ok(mut client_read), Ok(mut upstream_write)) =
                (client.try_clone(), upstream.try_clone())
            else {
                continue;
            };
            let hook = Arc::clone(&hook);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = client_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let chunk = buf.get(..n).unwrap_or_default();
                    hook(chunk);
                    if upstream_write.write_all(chunk).is_err() {
                        break;
                    }
                }
                let _ = upstream_write.shutdown(Shutdown::Both);
            });
            std::thread::spawn(move || copy(upstream, client, None));
        }
    });
    Ok(port)
}

#[test]
fn a_message_expunged_between_listing_and_fetching_is_skipped() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let _server = fill(&s, "mail11", 6)?;
    // Another client expunges the newest message right when Orbit asks for the bodies, after
    // it listed the UIDs.
    let expunged = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&expunged);
    let imap_port = s.imap_port;
    let port = start_hooked_proxy(s.imap_port, move |chunk| {
        let text = String::from_utf8_lossy(chunk);
        if text.contains("BODY.PEEK[]") && !flag.swap(true, Ordering::SeqCst) {
            let done =
                ServerMailbox::login_at(imap_port, "mail11", PASSWORD).and_then(|mut other| {
                    other.run("SELECT INBOX")?;
                    other.run("STORE 6 +FLAGS (\\Deleted)")?;
                    other.run("EXPUNGE")
                });
            assert!(done.is_ok(), "the other client expunged: {done:?}");
        }
    })?;
    let profile = Profile::new(&s)?;
    add_imap_account(&profile, "mail11", port)?;
    let run = profile.run(&["--json", "sync"], None)?;
    assert!(run.ok, "the sync completes: {}\n{}", run.stdout, run.stderr);
    assert!(
        expunged.load(Ordering::SeqCst),
        "the expunge happened mid-sync"
    );
    let (inbox, distinct, locations, integrity) = census(&profile)?;
    assert_eq!(
        (inbox, distinct, locations),
        (5, 5, 5),
        "the vanished message is simply absent"
    );
    assert_eq!(integrity, "ok");
    let again = profile.run(&["--json", "sync"], None)?;
    assert!(again.ok);
    assert_eq!(census(&profile)?.0, 5, "and stays absent");
    Ok(())
}

#[test]
fn watch_mode_idles_picks_up_new_mail_and_reconnects_after_a_cut() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let mut server = fill(&s, "mail12", 3)?;
    // A proxy whose live connections the test can cut at any moment.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let live: Arc<std::sync::Mutex<Vec<TcpStream>>> = Arc::default();
    let registry = Arc::clone(&live);
    let target = s.imap_port;
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(upstream) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            if let (Ok(a), Ok(mut list)) = (client.try_clone(), registry.lock()) {
                list.push(a);
            }
            pipe(client, upstream, None);
        }
    });
    let profile = Profile::new(&s)?;
    add_imap_account(&profile, "mail12", port)?;
    let mut child = profile
        .command(&["--json", "sync", "--watch"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(value) = serde_json::from_str(&line) {
                let _ = tx.send(value);
            }
        }
    });
    let wait = Duration::from_secs(20);
    let first = rx.recv_timeout(wait)?;
    assert_eq!(first["new_messages"], 3, "the first sync: {first}");
    // New mail while IDLE: the server tells Orbit, which syncs at once.
    server.append(
        "INBOX",
        &message(
            "idle1@example.com",
            "Ann <ann@example.com>",
            "While idle",
            None,
            "hi",
        ),
        "",
    )?;
    let woke = rx.recv_timeout(wait)?;
    assert_eq!(woke["new_messages"], 1, "IDLE woke the sync: {woke}");
    // The line goes dead: Orbit reconnects (with backoff) and catches up with what it missed.
    if let Ok(list) = live.lock() {
        for stream in list.iter() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
    server.append(
        "INBOX",
        &message(
            "idle2@example.com",
            "Ann <ann@example.com>",
            "After the cut",
            None,
            "hi",
        ),
        "",
    )?;
    let mut caught_up = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(report) if report["new_messages"] == 1 => {
                caught_up = true;
                break;
            }
            _ => {}
        }
    }
    assert!(
        caught_up,
        "the watcher reconnected and fetched the message sent during the cut"
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(census(&profile)?.0, 5);
    Ok(())
}

#[test]
fn a_sync_window_fetches_only_recent_mail() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let mut server = ServerMailbox::login(&s, "mail1", PASSWORD)?;
    server.run("CREATE Window").ok();
    server.run("SELECT Window")?;
    server.run("STORE 1:* +FLAGS.SILENT (\\Deleted)").ok();
    server.run("EXPUNGE")?;
    let old = "02-Jan-2020 10:00:00 +0000";
    let recent = chrono_like_today();
    server.append_dated(
        "Window",
        &message(
            "w-old@example.com",
            "Ann <ann@example.com>",
            "Old",
            None,
            "x",
        ),
        old,
    )?;
    server.append_dated(
        "Window",
        &message(
            "w-new@example.com",
            "Ann <ann@example.com>",
            "New",
            None,
            "x",
        ),
        &recent,
    )?;
    let profile = Profile::new(&s)?;
    add_imap_account(&profile, "mail1", s.imap_port)?;
    let run = profile.run(&["--json", "sync", "--window-days", "30"], None)?;
    assert!(run.ok, "{}", run.stderr);
    let list = profile
        .run(&["--json", "mail", "list", "--folder", "Window"], None)?
        .json()?;
    let subjects: Vec<&str> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert_eq!(
        subjects,
        ["New"],
        "mail older than the window is not fetched"
    );
    Ok(())
}

/// Today as an IMAP date-time.
fn chrono_like_today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let days = secs / 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let names = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let name = names
        .get(usize::try_from(month - 1).unwrap_or(0))
        .copied()
        .unwrap_or("Jan");
    format!("{day:02}-{name}-{year} 10:00:00 +0000")
}
