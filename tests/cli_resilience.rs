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

use orbit_tests::{Profile, ServerMailbox, Servers, TestResult, message, servers};

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

fn add_account(profile: &Profile, user: &str, port: u16) -> TestResult {
    let port = port.to_string();
    let run = profile.run(
        &[
            "account",
            "add",
            "--name",
            "R",
            "--email",
            &format!("{user}@example.com"),
            "--username",
            user,
            "--imap-host",
            "127.0.0.1",
            "--imap-port",
            &port,
            "--imap-security",
            "none",
            "--password-stdin",
        ],
        Some(PASSWORD),
    )?;
    assert!(run.ok, "{}", run.stderr);
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
    add_account(&profile, "mail9", s.imap_port)?;
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
    add_account(&profile, "mail10", port)?;
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
