//! The account lifecycle through the real `orbit` binary against real servers and a real
//! Secret Service: add (password from stdin to the keyring), list, test over every security
//! mode, edit, remove; the activity log; and secrets never reaching SQLite or the output.

// serde_json's `value["key"]` never panics (a missing key reads as Null), which is what
// these JSON checks want.
#![allow(clippy::indexing_slicing)]

use orbit_tests::{Profile, Servers, TestResult, contains_bytes, secret_tool_lookup, servers};
use serde_json::Value;

const DEV_SERVICE: &str = "app.orbit.desktop.dev";

fn add_args<'a>(
    s: &'a Servers,
    imap: (&'a str, &'a str),
    smtp: (&'a str, &'a str),
) -> Vec<&'a str> {
    vec![
        "--json",
        "account",
        "add",
        "--name",
        "Work",
        "--email",
        "alice@example.com",
        "--username",
        &s.user,
        "--imap-host",
        "localhost",
        "--imap-port",
        imap.0,
        "--imap-security",
        imap.1,
        "--smtp-host",
        "localhost",
        "--smtp-port",
        smtp.0,
        "--smtp-security",
        smtp.1,
        "--caldav-url",
        &s.caldav_url,
        "--password-stdin",
    ]
}

fn checks(report: &Value) -> Vec<(String, bool, String)> {
    report["checks"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| {
                    (
                        c["service"].as_str().unwrap_or_default().to_owned(),
                        c["ok"].as_bool().unwrap_or(false),
                        c["kind"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn version_is_printed() -> TestResult {
    let profile = Profile::bare()?;
    let run = profile.run(&["--version"], None)?;
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.starts_with("orbit "), "{}", run.stdout);
    Ok(())
}

#[test]
fn an_account_is_added_tested_edited_and_removed_with_its_secret() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = Profile::new(&s)?;
    let imaps = s.imaps_port.to_string();
    let smtps = s.smtps_port.to_string();

    // Add: the password comes from stdin, never argv.
    let run = profile.run(
        &add_args(&s, (&imaps, "tls"), (&smtps, "tls")),
        Some(&format!("{}\n", s.password)),
    )?;
    assert!(run.ok, "add failed: {}", run.stderr);
    let account = run.json()?;
    let id = account["id"]
        .as_i64()
        .ok_or("the added account has an id")?;
    assert!(
        !run.stdout.contains(&s.password),
        "the password is not printed"
    );

    // The secret is in the OS keyring under the dev namespace and this profile, and nowhere else.
    let entry = format!("{}/account/{id}/password", profile.profile_id()?);
    assert_eq!(
        secret_tool_lookup(DEV_SERVICE, &entry)?.as_deref(),
        Some(s.password.as_str())
    );
    assert_eq!(
        secret_tool_lookup("app.orbit.desktop", &entry)?,
        None,
        "release entries are untouched"
    );
    assert!(
        !contains_bytes(&profile.database_bytes()?, s.password.as_bytes()),
        "no secret in SQLite"
    );

    // List: an array of objects with ids, and no password.
    let run = profile.run(&["account", "list", "--json"], None)?;
    assert!(run.ok, "{}", run.stderr);
    let list = run.json()?;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"].as_i64(), Some(id));
    assert_eq!(
        list[0]["imap"]["port"].as_i64(),
        Some(i64::from(s.imaps_port))
    );
    assert!(list[0]["last_test"].is_null(), "not tested yet");
    assert!(!run.stdout.contains(&s.password));

    // Test over implicit TLS (IMAPS, SMTPS) and CalDAV: all pass.
    let run = profile.run(&["--json", "account", "test", &id.to_string()], None)?;
    assert!(run.ok, "test failed: {}\n{}", run.stdout, run.stderr);
    let report = run.json()?;
    assert_eq!(report["ok"], Value::Bool(true));
    assert_eq!(
        checks(&report),
        [
            ("imap".into(), true, String::new()),
            ("smtp".into(), true, String::new()),
            ("caldav".into(), true, String::new())
        ]
    );

    // STARTTLS for both.
    let imap = s.imap_port.to_string();
    let submission = s.smtp_starttls_port.to_string();
    let run = profile.run(
        &[
            "--json",
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
    let run = profile.run(&["--json", "account", "test", &id.to_string()], None)?;
    assert!(
        run.ok,
        "STARTTLS test failed: {}\n{}",
        run.stdout, run.stderr
    );

    // Plain to loopback (allowed only there).
    let smtp = s.smtp_port.to_string();
    let run = profile.run(
        &[
            "account",
            "edit",
            &id.to_string(),
            "--imap-security",
            "none",
            "--smtp-port",
            &smtp,
            "--smtp-security",
            "none",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let run = profile.run(&["--json", "account", "test", &id.to_string()], None)?;
    assert!(run.ok, "plain test failed: {}\n{}", run.stdout, run.stderr);
    let listed = profile.run(&["account", "list", "--json"], None)?.json()?;
    assert_eq!(
        listed[0]["last_test"]["ok"],
        Value::Bool(true),
        "the passing test is recorded"
    );

    // A new password through stdin replaces the keyring entry.
    let run = profile.run(
        &["account", "edit", &id.to_string(), "--password-stdin"],
        Some("changed-pw\n"),
    )?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        secret_tool_lookup(DEV_SERVICE, &entry)?.as_deref(),
        Some("changed-pw")
    );
    let run = profile.run(
        &["account", "edit", &id.to_string(), "--password-stdin"],
        Some(&s.password),
    )?;
    assert!(run.ok, "{}", run.stderr);

    // Remove without --yes and without a terminal is refused; with --yes it goes, secret too.
    let run = profile.run(&["account", "remove", &id.to_string()], None)?;
    assert!(!run.ok, "removal needs confirmation");
    let run = profile.run(&["account", "remove", &id.to_string(), "--yes"], None)?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        secret_tool_lookup(DEV_SERVICE, &entry)?,
        None,
        "no orphaned secret"
    );
    let list = profile.run(&["account", "list", "--json"], None)?.json()?;
    assert_eq!(list, Value::Array(vec![]));

    // Every change is in the activity log, newest first, with who did it.
    let run = profile.run(&["activity", "--json"], None)?;
    assert!(run.ok, "{}", run.stderr);
    let activities = run.json()?;
    let actions: Vec<&str> = activities
        .as_array()
        .map(|l| l.iter().filter_map(|a| a["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        actions,
        [
            "account.removed",
            "account.updated",
            "account.updated",
            "account.tested",
            "account.updated",
            "account.tested",
            "account.updated",
            "account.tested",
            "account.added",
            "profile.created"
        ]
    );
    assert!(
        activities
            .as_array()
            .into_iter()
            .flatten()
            .all(|a| a["id"].is_i64())
    );
    assert_eq!(activities[0]["actor"], "user");
    assert_eq!(activities[0]["target"], format!("account:{id}"));
    let filtered = profile
        .run(
            &[
                "activity",
                "--json",
                "--action",
                "account.tested",
                "--limit",
                "2",
            ],
            None,
        )?
        .json()?;
    assert_eq!(filtered.as_array().map(Vec::len), Some(2));
    assert!(
        !profile
            .run(&["activity", "--json"], None)?
            .stdout
            .contains(&s.password)
    );
    assert!(
        !contains_bytes(&profile.database_bytes()?, s.password.as_bytes()),
        "still no secret in SQLite"
    );
    Ok(())
}

#[test]
fn api_keys_go_to_the_keyring_and_the_environment_overrides_them() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = Profile::new(&s)?;
    let key = "sk-ant-test-0123456789";
    let run = profile.run(
        &["--json", "settings", "set-key", "anthropic", "--stdin"],
        Some(key),
    )?;
    assert!(run.ok, "{}", run.stderr);
    let shown = run.json()?;
    assert_eq!(shown["anthropic"]["has_key"], Value::Bool(true));
    assert_eq!(shown["anthropic"]["key_from_env"], Value::Bool(false));
    assert_eq!(shown["openai"]["has_key"], Value::Bool(false));
    assert!(!run.stdout.contains(key), "the key is never shown");
    let entry = format!("{}/api/anthropic", profile.profile_id()?);
    assert_eq!(
        secret_tool_lookup(DEV_SERVICE, &entry)?.as_deref(),
        Some(key)
    );
    assert!(!contains_bytes(&profile.database_bytes()?, key.as_bytes()));

    let run = profile.run(
        &[
            "--json",
            "settings",
            "provider",
            "openai",
            "--base-url",
            "http://127.0.0.1:11434/v1",
            "--model",
            "llama3.2",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.json()?["openai"]["base_url"],
        "http://127.0.0.1:11434/v1"
    );
    let run = profile.run(
        &[
            "--json",
            "settings",
            "provider",
            "openai",
            "--base-url",
            "http://models.example.com/v1",
        ],
        None,
    )?;
    assert!(!run.ok, "http to a remote host is refused");
    assert_eq!(run.error()?.0, "invalid_input");

    // The conventional variables override the stored settings for one run.
    let run = profile_with_env(
        &profile,
        &[
            ("ANTHROPIC_API_KEY", "sk-from-env"),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/anthropic"),
            ("OPENAI_API_KEY", "sk-openai-env"),
        ],
        &["--json", "settings", "show"],
    )?;
    let shown = run.json()?;
    assert_eq!(shown["anthropic"]["key_from_env"], Value::Bool(true));
    assert_eq!(
        shown["anthropic"]["base_url"],
        "http://127.0.0.1:9/anthropic"
    );
    assert_eq!(shown["anthropic"]["base_url_from_env"], Value::Bool(true));
    assert_eq!(shown["openai"]["has_key"], Value::Bool(true));
    assert!(!run.stdout.contains("sk-from-env"));
    // …and only for that run.
    let shown = profile.run(&["--json", "settings", "show"], None)?.json()?;
    assert_eq!(shown["anthropic"]["base_url"], "https://api.anthropic.com");
    assert_eq!(shown["openai"]["has_key"], Value::Bool(false));

    let run = profile.run(&["--json", "settings", "remove-key", "anthropic"], None)?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.json()?["anthropic"]["has_key"], Value::Bool(false));
    assert_eq!(secret_tool_lookup(DEV_SERVICE, &entry)?, None);
    let actions = profile
        .run(&["activity", "--json", "--action", "api_key"], None)?
        .json()?;
    assert_eq!(
        actions.as_array().map(Vec::len),
        Some(2),
        "set and removal are logged"
    );
    Ok(())
}

fn profile_with_env(
    profile: &Profile,
    env: &[(&str, &str)],
    args: &[&str],
) -> Result<orbit_tests::Run, std::io::Error> {
    let mut command = std::process::Command::new(orbit_tests::orbit_binary());
    command.arg("--data-dir").arg(profile.dir.path()).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output()?;
    Ok(orbit_tests::Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}
