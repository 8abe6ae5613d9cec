//! Bad input and failures give clear, specific errors and leave nothing half-done: a wrong
//! password, TLS failures, unreachable and silent hosts, invalid settings, a missing keyring,
//! and locked, damaged or newer database files.

// serde_json's `value["key"]` never panics (a missing key reads as Null), which is what
// these JSON checks want.
#![allow(clippy::indexing_slicing)]

use orbit_tests::{Profile, Servers, TestResult, contains_bytes, servers};
use serde_json::Value;

/// Adds an account with the given servers; returns its id.
fn add(
    profile: &Profile,
    s: &Servers,
    servers: &[&str],
    password: &str,
) -> Result<i64, Box<dyn std::error::Error>> {
    let mut args = vec![
        "--json",
        "account",
        "add",
        "--name",
        "Test",
        "--email",
        "alice@example.com",
        "--username",
        &s.user,
    ];
    args.extend_from_slice(servers);
    args.push("--password-stdin");
    let run = profile.run(&args, Some(password))?;
    assert!(run.ok, "add failed: {}", run.stderr);
    Ok(run.json()?["id"].as_i64().ok_or("no id")?)
}

/// `(service, kind)` of each check (`ok` when it passed), and each check's message.
type Outcome = (Vec<(String, String)>, Vec<String>);

/// Tests the account and returns `(service, kind)` of each check, plus the messages.
fn test(profile: &Profile, id: i64) -> Result<Outcome, Box<dyn std::error::Error>> {
    let run = profile.run(&["--json", "account", "test", &id.to_string()], None)?;
    let report = run.json()?;
    assert_eq!(
        run.ok,
        report["ok"].as_bool() == Some(true),
        "the exit status follows the report"
    );
    let list = report["checks"].as_array().cloned().unwrap_or_default();
    Ok((
        list.iter()
            .map(|c| {
                (
                    c["service"].as_str().unwrap_or("").to_owned(),
                    c["kind"].as_str().unwrap_or("ok").to_owned(),
                )
            })
            .collect(),
        list.iter()
            .map(|c| c["message"].as_str().unwrap_or("").to_owned())
            .collect(),
    ))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn a_wrong_password_is_reported_as_authentication_by_each_server() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = Profile::new(&s)?;
    let (imaps, smtps) = (s.imaps_port.to_string(), s.smtps_port.to_string());
    let id = add(
        &profile,
        &s,
        &[
            "--imap-host",
            "localhost",
            "--imap-port",
            &imaps,
            "--smtp-host",
            "localhost",
            "--smtp-port",
            &smtps,
            "--caldav-url",
            &s.caldav_url,
        ],
        "not-the-password",
    )?;
    let (kinds, messages) = test(&profile, id)?;
    assert_eq!(
        kinds,
        pairs(&[("imap", "auth"), ("smtp", "auth"), ("caldav", "auth")])
    );
    for message in &messages {
        assert!(
            message.contains("refused the username or password"),
            "{message}"
        );
        assert!(
            !message.contains("not-the-password"),
            "no secret in errors: {message}"
        );
    }
    Ok(())
}

#[test]
fn an_untrusted_certificate_is_reported_as_tls() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    // No ORBIT_EXTRA_CA_CERTS: the test CA is not trusted.
    let profile = Profile::bare()?;
    let (imaps, smtps, imap, submission) = (
        s.imaps_port.to_string(),
        s.smtps_port.to_string(),
        s.imap_port.to_string(),
        s.smtp_starttls_port.to_string(),
    );
    let id = add(
        &profile,
        &s,
        &[
            "--imap-host",
            "localhost",
            "--imap-port",
            &imaps,
            "--imap-security",
            "tls",
            "--smtp-host",
            "localhost",
            "--smtp-port",
            &smtps,
            "--smtp-security",
            "tls",
        ],
        &s.password,
    )?;
    let (kinds, messages) = test(&profile, id)?;
    assert_eq!(
        kinds,
        pairs(&[("imap", "tls"), ("smtp", "tls")]),
        "{messages:?}"
    );
    assert!(messages.iter().all(|m| m.contains("TLS")), "{messages:?}");
    let run = profile.run(
        &[
            "account",
            "edit",
            &id.to_string(),
            "--imap-port",
            &imap,
            "--imap-security",
            "starttls",
            "--smtp-port",
            &submission,
            "--smtp-security",
            "starttls",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let (kinds, messages) = test(&profile, id)?;
    assert_eq!(
        kinds,
        pairs(&[("imap", "tls"), ("smtp", "tls")]),
        "STARTTLS too: {messages:?}"
    );
    // TLS to a port that speaks plain IMAP is a TLS failure as well, not a hang.
    let run = profile.run(
        &[
            "account",
            "edit",
            &id.to_string(),
            "--imap-port",
            &imap,
            "--imap-security",
            "tls",
            "--no-smtp",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let (kinds, _) = test(&profile, id)?;
    assert_eq!(kinds, pairs(&[("imap", "tls")]));
    Ok(())
}

#[test]
fn unreachable_and_silent_servers_are_told_apart() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = Profile::new(&s)?.with_env("ORBIT_NET_TIMEOUT_MS", "1500");
    // A port nobody listens on: bind one, note it, close it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port()
        .to_string();
    let silent = s.blackhole_port.to_string();
    let silent_url = format!("http://127.0.0.1:{silent}/");
    let id = add(
        &profile,
        &s,
        &[
            "--imap-host",
            "127.0.0.1",
            "--imap-port",
            &closed,
            "--imap-security",
            "none",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &silent,
            "--smtp-security",
            "none",
            "--caldav-url",
            &silent_url,
        ],
        &s.password,
    )?;
    let started = std::time::Instant::now();
    let (kinds, messages) = test(&profile, id)?;
    assert_eq!(
        kinds,
        pairs(&[
            ("imap", "unreachable"),
            ("smtp", "timeout"),
            ("caldav", "timeout")
        ]),
        "{messages:?}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the checks run at once and time out"
    );
    let run = profile.run(
        &[
            "account",
            "edit",
            &id.to_string(),
            "--imap-port",
            &silent,
            "--no-smtp",
            "--no-caldav",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let (kinds, _) = test(&profile, id)?;
    assert_eq!(kinds, pairs(&[("imap", "timeout")]));
    let run = profile.run(
        &[
            "account",
            "edit",
            &id.to_string(),
            "--imap-host",
            "no-such-host.invalid",
            "--imap-port",
            "993",
            "--imap-security",
            "tls",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let (kinds, messages) = test(&profile, id)?;
    assert_eq!(kinds, pairs(&[("imap", "unreachable")]), "{messages:?}");
    Ok(())
}

#[test]
fn invalid_settings_are_refused_and_nothing_is_created() -> TestResult {
    let profile = Profile::bare()?;
    let cases: &[(&[&str], &str)] = &[
        (
            &["--imap-host", "imap.example.com", "--imap-security", "none"],
            "unencrypted",
        ),
        (
            &["--imap-host", "imap.example.com", "--imap-port", "70000"],
            "IMAP port",
        ),
        (
            &["--smtp-host", "smtp.example.com", "--smtp-security", "ssl3"],
            "SMTP security",
        ),
        (&["--caldav-url", "http://dav.example.com/"], "CalDAV URL"),
        (&["--imap-host", "https://imap.example.com"], "IMAP host"),
        (&[], "at least one server"),
    ];
    for (servers, needle) in cases {
        let mut args = vec![
            "--json",
            "account",
            "add",
            "--name",
            "X",
            "--email",
            "x@example.com",
            "--username",
            "x",
        ];
        args.extend_from_slice(servers);
        args.push("--password-stdin");
        let run = profile.run(&args, Some("pw"))?;
        assert!(!run.ok, "{servers:?} must be refused");
        let (code, message) = run.error()?;
        assert_eq!(code, "invalid_input", "{servers:?}");
        assert!(
            message.contains(needle),
            "{message:?} should mention {needle:?}"
        );
    }
    let run = profile.run(
        &[
            "--json",
            "account",
            "add",
            "--name",
            "X",
            "--email",
            "not-an-address",
            "--username",
            "x",
            "--imap-host",
            "imap.example.com",
            "--password-stdin",
        ],
        Some("pw"),
    )?;
    assert_eq!(run.error()?.0, "invalid_input");
    let run = profile.run(
        &[
            "account",
            "add",
            "--name",
            "X",
            "--email",
            "x@example.com",
            "--username",
            "x",
            "--imap-host",
            "imap.example.com",
            "--password-stdin",
        ],
        Some(""),
    )?;
    assert!(
        !run.ok && run.stderr.contains("Password is empty"),
        "{}",
        run.stderr
    );
    // Passwords are never taken from argv.
    let run = profile.run(
        &[
            "account",
            "add",
            "--name",
            "X",
            "--email",
            "x@example.com",
            "--username",
            "x",
            "--imap-host",
            "imap.example.com",
            "--password",
            "secret",
        ],
        None,
    )?;
    assert!(
        !run.ok && run.stderr.contains("unexpected argument"),
        "{}",
        run.stderr
    );
    // Without a terminal and without --password-stdin there is nothing to read.
    let run = profile.run(
        &[
            "account",
            "add",
            "--name",
            "X",
            "--email",
            "x@example.com",
            "--username",
            "x",
            "--imap-host",
            "imap.example.com",
        ],
        None,
    )?;
    assert!(
        !run.ok && run.stderr.contains("--password-stdin"),
        "{}",
        run.stderr
    );
    let list = profile.run(&["account", "list", "--json"], None)?.json()?;
    assert_eq!(list, Value::Array(vec![]), "no account was created");
    let run = profile.run(&["--json", "account", "test", "42"], None)?;
    assert_eq!(run.error()?.0, "not_found");
    Ok(())
}

#[test]
fn a_duplicate_address_is_refused_without_touching_the_first_account() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = Profile::new(&s)?;
    let id = add(&profile, &s, &["--caldav-url", &s.caldav_url], &s.password)?;
    let run = profile.run(
        &[
            "--json",
            "account",
            "add",
            "--name",
            "Again",
            "--email",
            "ALICE@example.com",
            "--username",
            "alice",
            "--caldav-url",
            &s.caldav_url,
            "--password-stdin",
        ],
        Some("other-password"),
    )?;
    let (code, message) = run.error()?;
    assert_eq!(code, "invalid_input");
    assert!(message.contains("already exists"), "{message}");
    let entry = format!("{}/account/{}/password", profile.profile_id()?, id + 1);
    assert_eq!(
        orbit_tests::secret_tool_lookup("app.orbit.desktop.dev", &entry)?,
        None,
        "no orphaned secret"
    );
    let (kinds, _) = test(&profile, id)?;
    assert_eq!(
        kinds,
        pairs(&[("caldav", "ok")]),
        "the first account's password is intact"
    );
    Ok(())
}

#[test]
fn a_missing_keyring_is_a_clear_error_and_leaves_no_account() -> TestResult {
    let profile = Profile::bare()?.with_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/orbit-test-bus",
    );
    let run = profile.run(
        &[
            "--json",
            "account",
            "add",
            "--name",
            "X",
            "--email",
            "x@example.com",
            "--username",
            "x",
            "--imap-host",
            "imap.example.com",
            "--password-stdin",
        ],
        Some("secret-pw"),
    )?;
    assert!(!run.ok);
    let (code, message) = run.error()?;
    assert_eq!(code, "keyring_unavailable", "{message}");
    assert!(message.contains("no OS keyring is available"), "{message}");
    assert!(!message.contains("secret-pw"));
    let list = profile.run(&["account", "list", "--json"], None)?;
    assert!(list.ok, "listing needs no keyring: {}", list.stderr);
    assert_eq!(
        list.json()?,
        Value::Array(vec![]),
        "no half-created account"
    );
    assert!(!contains_bytes(&profile.database_bytes()?, b"secret-pw"));
    let run = profile.run(
        &["--json", "settings", "set-key", "anthropic", "--stdin"],
        Some("sk-x"),
    )?;
    assert_eq!(run.error()?.0, "keyring_unavailable");
    let actions = profile
        .run(&["activity", "--json", "--action", "api_key"], None)?
        .json()?;
    assert_eq!(
        actions,
        Value::Array(vec![]),
        "a failed change is not logged as done"
    );
    Ok(())
}

#[test]
fn a_locked_database_is_reported_and_not_waited_on_forever() -> TestResult {
    let profile = Profile::bare()?.with_env("ORBIT_BUSY_TIMEOUT_MS", "300");
    assert!(profile.run(&["account", "list"], None)?.ok);
    let holder = rusqlite::Connection::open(profile.database())?;
    holder.execute_batch("BEGIN EXCLUSIVE")?;
    let run = profile.run(&["--json", "account", "list"], None)?;
    let (code, message) = run.error()?;
    assert_eq!(code, "database_locked");
    assert!(message.contains("locked by another process"), "{message}");
    holder.execute_batch("ROLLBACK")?;
    assert!(
        profile.run(&["account", "list"], None)?.ok,
        "works again once released"
    );
    Ok(())
}

#[test]
fn a_damaged_or_newer_database_is_refused_and_kept() -> TestResult {
    let profile = Profile::bare()?;
    std::fs::write(
        profile.database(),
        b"this is not an sqlite database, it is a text file with some words",
    )?;
    let run = profile.run(&["--json", "account", "list"], None)?;
    let (code, message) = run.error()?;
    assert_eq!(code, "database_corrupt");
    assert!(message.contains("damaged"), "{message}");
    assert!(
        std::fs::read(profile.database())?.starts_with(b"this is not"),
        "the file is kept for recovery"
    );

    let newer = Profile::bare()?;
    {
        let conn = rusqlite::Connection::open(newer.database())?;
        conn.execute_batch("CREATE TABLE future (x INTEGER) STRICT; PRAGMA user_version = 999;")?;
    }
    let before = std::fs::read(newer.database())?;
    let run = newer.run(&["--json", "account", "list"], None)?;
    let (code, message) = run.error()?;
    assert_eq!(code, "database_newer");
    assert!(message.contains("newer version of Orbit"), "{message}");
    assert_eq!(std::fs::read(newer.database())?, before, "left untouched");
    Ok(())
}
