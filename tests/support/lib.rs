//! Helpers for the end-to-end tests: the test servers' settings (from `tests/servers/start.sh`'s
//! `env.sh`), and running the real `orbit` binary in a fresh profile.
//!
//! The tests need the servers and a private keyring; `scripts/test` provides both. Without
//! them (`ORBIT_TEST_STATE_DIR` unset) a test says so and passes, unless `CI` is set, where a
//! missing server is a failure.

// serde_json's `value["key"]` never panics (a missing key reads as Null), which is what
// these JSON checks want.
#![allow(clippy::indexing_slicing)]

pub mod model;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A test's result.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The test servers, as `tests/servers/start.sh` describes them.
#[derive(Debug, Clone)]
pub struct Servers {
    /// PEM of the test CA.
    pub ca: String,
    /// Dovecot, plain with STARTTLS.
    pub imap_port: u16,
    /// Dovecot, implicit TLS.
    pub imaps_port: u16,
    /// A second Dovecot that offers neither CONDSTORE nor QRESYNC (plain + STARTTLS).
    pub legacy_imap_port: u16,
    /// SMTP, plain with AUTH.
    pub smtp_port: u16,
    /// SMTP, STARTTLS required.
    pub smtp_starttls_port: u16,
    /// SMTP, implicit TLS.
    pub smtps_port: u16,
    /// Radicale.
    pub caldav_url: String,
    /// Xandikos (no authentication; the user is alice).
    pub xandikos_url: String,
    /// Accepts and stays silent.
    pub blackhole_port: u16,
    /// Login.
    pub user: String,
    /// Password.
    pub password: String,
}

fn var(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set: run the tests through scripts/test"))
}

fn port(name: &str) -> Result<u16, String> {
    var(name)?.parse().map_err(|e| format!("{name}: {e}"))
}

/// The servers, or `None` (after printing why) when they are not running outside CI.
pub fn servers() -> Result<Option<Servers>, String> {
    if std::env::var_os("ORBIT_TEST_STATE_DIR").is_none() {
        if std::env::var_os("CI").is_some() {
            return Err(
                "the test servers are not running (ORBIT_TEST_STATE_DIR unset) under CI".into(),
            );
        }
        eprintln!("skipping: the test servers are not running; use scripts/test");
        return Ok(None);
    }
    Ok(Some(Servers {
        ca: var("ORBIT_TEST_CA")?,
        imap_port: port("ORBIT_TEST_IMAP_PORT")?,
        imaps_port: port("ORBIT_TEST_IMAPS_PORT")?,
        legacy_imap_port: port("ORBIT_TEST_LEGACY_IMAP_PORT")?,
        smtp_port: port("ORBIT_TEST_SMTP_PORT")?,
        smtp_starttls_port: port("ORBIT_TEST_SMTP_STARTTLS_PORT")?,
        smtps_port: port("ORBIT_TEST_SMTPS_PORT")?,
        caldav_url: var("ORBIT_TEST_CALDAV_URL")?,
        xandikos_url: var("ORBIT_TEST_XANDIKOS_URL")?,
        blackhole_port: port("ORBIT_TEST_BLACKHOLE_PORT")?,
        user: var("ORBIT_TEST_USER")?,
        password: var("ORBIT_TEST_PASSWORD")?,
    }))
}

/// The `orbit` binary built beside the test binary.
pub fn orbit_binary() -> PathBuf {
    // target/debug/deps/<test> → target/debug/orbit
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    dir.join(format!("orbit{}", std::env::consts::EXE_SUFFIX))
}

/// A fresh profile and a way to run `orbit` in it.
#[derive(Debug)]
pub struct Profile {
    /// The data directory.
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    removed_env: Vec<String>,
}

/// What a run printed.
#[derive(Debug)]
pub struct Run {
    /// Exit status was success.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.stdout).map_err(|e| {
            format!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// The `{error: {code, message}}` printed on standard error with `--json`.
    pub fn error(&self) -> Result<(String, String), String> {
        let line = self
            .stderr
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("stderr has no JSON error ({e}): {}", self.stderr))?;
        Ok((
            value["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            value["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ))
    }
}

impl Profile {
    /// A new empty profile that trusts the test CA.
    pub fn new(servers: &Servers) -> Result<Self, std::io::Error> {
        let mut profile = Self::bare()?;
        profile
            .env
            .push(("ORBIT_EXTRA_CA_CERTS".into(), servers.ca.clone()));
        Ok(profile)
    }

    /// A new empty profile that trusts only the public roots.
    pub fn bare() -> Result<Self, std::io::Error> {
        Ok(Self {
            dir: tempfile::Builder::new()
                .prefix("orbit-profile-")
                .tempdir()?,
            env: vec![("ORBIT_NET_TIMEOUT_MS".into(), "3000".into())],
            removed_env: vec![
                "ORBIT_DATA_DIR".into(),
                "ORBIT_EXTRA_CA_CERTS".into(),
                "ANTHROPIC_API_KEY".into(),
                "ANTHROPIC_BASE_URL".into(),
                "OPENAI_API_KEY".into(),
                "OPENAI_BASE_URL".into(),
            ],
        })
    }

    /// Sets an environment variable for every run.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("orbit.sqlite3")
    }

    /// The command `orbit --data-dir <profile> ARGS` with this profile's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(orbit_binary());
        command.arg("--data-dir").arg(self.dir.path()).args(args);
        for name in &self.removed_env {
            command.env_remove(name);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Runs `orbit --data-dir <profile> ARGS` with `stdin` piped in.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Result<Run, std::io::Error> {
        let mut command = self.command(args);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
            pipe.write_all(text.as_bytes())?;
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output()?;
        Ok(Run {
            ok: status.success(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }

    /// Runs `orbit` and returns its standard output as bytes; an error when it fails.
    pub fn run_bytes(&self, args: &[&str]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let output = self.command(args).stdin(Stdio::null()).output()?;
        if !output.status.success() {
            return Err(format!(
                "orbit {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(output.stdout)
    }

    /// The profile id (keyring entries are named under it).
    pub fn profile_id(&self) -> Result<String, rusqlite::Error> {
        let conn = rusqlite::Connection::open(self.database())?;
        conn.query_row(
            "SELECT value FROM settings WHERE key = 'profile.id'",
            [],
            |r| r.get(0),
        )
    }

    /// Every byte the profile's database holds on disk (main file and WAL).
    pub fn database_bytes(&self) -> Result<Vec<u8>, std::io::Error> {
        let mut bytes = std::fs::read(self.database())?;
        if let Ok(wal) = std::fs::read(self.dir.path().join("orbit.sqlite3-wal")) {
            bytes.extend(wal);
        }
        Ok(bytes)
    }
}

/// Whether `haystack` contains `needle` as bytes.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Looks a secret up in the Secret Service with `secret-tool`, as another program would.
pub fn secret_tool_lookup(service: &str, username: &str) -> Result<Option<String>, std::io::Error> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", username])
        .output()?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// A message as the server holds it: its Message-ID and flags.
pub type ServerMessage = (String, Vec<String>);

/// A second IMAP client for the tests: it changes a mailbox on the server the way another
/// mail program would (append, flag, expunge, recreate folders).
#[derive(Debug)]
pub struct ServerMailbox {
    runtime: tokio::runtime::Runtime,
    session: Option<orbit_imap::Session>,
}

impl ServerMailbox {
    /// Logs in to the test Dovecot as `user` (plain, loopback).
    pub fn login(
        servers: &Servers,
        user: &str,
        password: &str,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        Self::login_at(servers.imap_port, user, password)
    }

    /// Logs in to the Dovecot on `port` as `user` (plain, loopback).
    pub fn login_at(
        port: u16,
        user: &str,
        password: &str,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let session = runtime.block_on(orbit_imap::connect(&orbit_imap::ImapConfig {
            host: "127.0.0.1".into(),
            port,
            security: orbit_net::Security::None,
            username: user.into(),
            password: orbit_secrets::Sensitive::new(password.into()),
            timeout: std::time::Duration::from_secs(10),
        }))?;
        Ok(Self {
            runtime,
            session: Some(session),
        })
    }

    /// Runs one IMAP command.
    pub fn run(&mut self, command: &str) -> Result<(), Box<dyn std::error::Error>> {
        let session = self.session.as_mut().ok_or("no session")?;
        self.runtime
            .block_on(orbit_imap::mailbox::run(session, command))?;
        Ok(())
    }

    /// Appends a message with an INTERNALDATE (`"24-Nov-2026 10:00:00 +0000"`).
    pub fn append_dated(
        &mut self,
        folder: &str,
        raw: &str,
        date: &str,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let session = self.session.as_mut().ok_or("no session")?;
        let quoted = format!("\"{date}\"");
        self.runtime
            .block_on(session.append(folder, None, Some(&quoted), raw.as_bytes()))?;
        Ok(())
    }

    /// Appends a message to a folder.
    pub fn append(
        &mut self,
        folder: &str,
        raw: &str,
        flags: &str,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let session = self.session.as_mut().ok_or("no session")?;
        self.runtime
            .block_on(session.append(folder, Some(flags), None, raw.as_bytes()))?;
        Ok(())
    }

    /// What a folder holds on the server: `(Message-ID, flags)` of each message, by UID.
    pub fn contents(
        &mut self,
        folder: &str,
    ) -> Result<Vec<ServerMessage>, Box<dyn std::error::Error>> {
        let session = self.session.as_mut().ok_or("no session")?;
        let rt = &self.runtime;
        rt.block_on(orbit_imap::mailbox::select(session, folder, None, false))?;
        let uids = rt.block_on(orbit_imap::mailbox::uid_search(session, "ALL"))?;
        let found = rt.block_on(orbit_imap::mailbox::fetch_summaries(session, &uids, false))?;
        let mut out: Vec<(u32, String, Vec<String>)> = found
            .items
            .into_iter()
            .map(|m| {
                let header = String::from_utf8_lossy(&m.message_id_header).into_owned();
                let id = header
                    .split(['<', '>'])
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                (m.uid, id, m.flags)
            })
            .collect();
        out.sort();
        Ok(out.into_iter().map(|(_, id, flags)| (id, flags)).collect())
    }

    /// Empties every folder and removes folders other than the standard ones.
    pub fn wipe(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let session = self.session.as_mut().ok_or("no session")?;
        let folders = self
            .runtime
            .block_on(orbit_imap::mailbox::list_folders(session))?;
        for folder in folders.iter().filter(|f| f.selectable) {
            let quoted = orbit_imap::mailbox::quote(&folder.name);
            if folder.role.is_none() {
                self.run(&format!("DELETE {quoted}"))?;
                continue;
            }
            self.run(&format!("SELECT {quoted}"))?;
            self.run("STORE 1:* +FLAGS.SILENT (\\Deleted)").ok();
            self.run("EXPUNGE")?;
        }
        Ok(())
    }
}

/// A message in wire form (CRLF line ends).
pub fn message(
    id: &str,
    from: &str,
    subject: &str,
    in_reply_to: Option<&str>,
    body: &str,
) -> String {
    let mut headers = vec![
        format!("Message-ID: <{id}>"),
        format!("From: {from}"),
        "To: Team <team@example.com>".to_owned(),
        format!("Subject: {subject}"),
        "Date: Tue, 24 Nov 2026 10:00:00 +0000".to_owned(),
        "MIME-Version: 1.0".to_owned(),
        "Content-Type: text/plain; charset=utf-8".to_owned(),
    ];
    if let Some(parent) = in_reply_to {
        headers.push(format!("In-Reply-To: <{parent}>"));
        headers.push(format!("References: <{parent}>"));
    }
    format!(
        "{}\r\n\r\n{}\r\n",
        headers.join("\r\n"),
        body.replace('\n', "\r\n")
    )
}

/// A profile with alice's account on the test servers, IMAP and SMTP (plain, loopback), the
/// SMTP server on `smtp_port`. Returns the profile and the account id.
pub fn sending_profile(
    s: &Servers,
    smtp_port: u16,
) -> Result<(Profile, String), Box<dyn std::error::Error>> {
    let profile = Profile::new(s)?;
    let id = add_account(
        &profile,
        s,
        ("Alice Example", "alice@example.com", "alice", &s.password),
        smtp_port,
        false,
    )?;
    Ok((profile, id))
}

/// A profile with one account (`name`, `email`, login `user` / `password`) that reads, sends
/// and keeps calendars on the test servers: IMAP, SMTP and CalDAV.
pub fn calendar_mail_profile(
    s: &Servers,
    name: &str,
    email: &str,
    user: &str,
    password: &str,
) -> Result<Profile, Box<dyn std::error::Error>> {
    let profile = Profile::new(s)?;
    add_account(
        &profile,
        s,
        (name, email, user, password),
        s.smtp_port,
        true,
    )?;
    Ok(profile)
}

/// Adds an account (name, address, login, password) on the test servers to `profile`: IMAP
/// and SMTP plain on loopback (SMTP on `smtp_port`), and CalDAV when `caldav`. Returns its id.
fn add_account(
    profile: &Profile,
    s: &Servers,
    (name, email, user, password): (&str, &str, &str, &str),
    smtp_port: u16,
    caldav: bool,
) -> Result<String, Box<dyn std::error::Error>> {
    let imap = s.imap_port.to_string();
    let smtp = smtp_port.to_string();
    let mut args = vec![
        "--json",
        "account",
        "add",
        "--name",
        name,
        "--email",
        email,
        "--username",
        user,
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &imap,
        "--imap-security",
        "none",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp,
        "--smtp-security",
        "none",
        "--password-stdin",
    ];
    if caldav {
        args.extend(["--caldav-url", s.caldav_url.as_str()]);
    }
    let run = profile.run(&args, Some(password))?;
    if !run.ok {
        return Err(format!("account add failed: {}", run.stderr).into());
    }
    Ok(run.json()?["id"].to_string())
}

/// The message the SMTP test server received with this Message-ID (its Maildir under
/// `ORBIT_TEST_STATE_DIR`), if any.
pub fn smtp_received(message_id: &str) -> Option<Vec<u8>> {
    let dir = PathBuf::from(std::env::var("ORBIT_TEST_STATE_DIR").unwrap_or_default())
        .join("smtp/maildir/new");
    let needle = format!("Message-ID: <{message_id}>");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path()).ok())
        .find(|bytes| String::from_utf8_lossy(bytes).contains(&needle))
}

/// Base64 (RFC 2045 alphabet), lines of 76 characters, for building MIME test messages.
pub fn base64_lines(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (n, chunk) in bytes.chunks(3).enumerate() {
        if n > 0 && n % 19 == 0 {
            out.push_str("\r\n");
        }
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let v = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = usize::try_from((v >> (18 - 6 * i)) & 63).unwrap_or(0);
                out.push(char::from(T.get(index).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The subjects of `orbit --json search` hits, in their order.
pub fn hit_subjects(results: &serde_json::Value) -> Vec<String> {
    results
        .get("hits")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .map(|h| {
            h.pointer("/message/subject")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Adds `user`'s IMAP-only account on the test Dovecot at `port` (plain, loopback) to
/// `profile`, with the test mailboxes' password; panics with the CLI's error if it fails.
pub fn add_imap_account(profile: &Profile, user: &str, port: u16) -> TestResult {
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
        Some("mail-secret-pw"),
    )?;
    assert!(run.ok, "{}", run.stderr);
    Ok(())
}

/// A CalDAV client for `user` on `url`: another client (a phone) changing the calendar.
pub fn calendar_server(
    url: &str,
    user: &str,
    password: &str,
) -> Result<orbit_dav::CalendarServer, orbit_dav::DavError> {
    orbit_dav::CalendarServer::new(&orbit_dav::DavConfig {
        url: url.to_owned(),
        username: user.to_owned(),
        password: orbit_secrets::Sensitive::new(password.to_owned()),
        timeout: std::time::Duration::from_secs(10),
    })
}

/// A fresh profile with one account that has only a CalDAV server (Radicale) for `user`.
pub fn caldav_profile(
    s: &Servers,
    name: &str,
    user: &str,
    password: &str,
) -> Result<Profile, Box<dyn std::error::Error>> {
    caldav_profile_at(s, name, user, password, &s.caldav_url)
}

/// [`caldav_profile`] with the account's CalDAV URL set to `url` (a server in front of
/// Radicale).
pub fn caldav_profile_at(
    s: &Servers,
    name: &str,
    user: &str,
    password: &str,
    url: &str,
) -> Result<Profile, Box<dyn std::error::Error>> {
    let profile = Profile::new(s)?;
    let email = format!("{user}@example.com");
    let run = profile.run(
        &[
            "--json",
            "account",
            "add",
            "--name",
            name,
            "--email",
            &email,
            "--username",
            user,
            "--caldav-url",
            url,
            "--password-stdin",
        ],
        Some(password),
    )?;
    if !run.ok {
        return Err(format!("account add failed: {}", run.stderr).into());
    }
    Ok(profile)
}
