//! Sending through the real SMTP test server (aiosmtpd with AUTH) and Dovecot: what the
//! server receives is read back byte for byte (headers, MIME structure, attachment), the copy
//! lands in Sent, a reply carries In-Reply-To and References, the undo window takes a message
//! back before it goes, a refused recipient fails with the server's reason, and a message that
//! could not go (no server) waits in the outbox and goes on retry.

#![allow(clippy::indexing_slicing)]

use orbit_tests::{
    Profile, ServerMailbox, Servers, TestResult, message, sending_profile, servers, smtp_received,
};
use serde_json::Value;

const USER: &str = "alice";

fn received(message_id: &str) -> Option<Vec<u8>> {
    smtp_received(message_id)
}

fn add_account(
    s: &Servers,
    smtp_port: u16,
) -> Result<(Profile, String), Box<dyn std::error::Error>> {
    sending_profile(s, smtp_port)
}

fn send(
    profile: &Profile,
    args: &[&str],
    body: &str,
) -> Result<(bool, Value), Box<dyn std::error::Error>> {
    let mut all = vec!["--json", "mail", "send"];
    all.extend_from_slice(args);
    let run = profile.run(&all, Some(body))?;
    let json = run.json().map_err(|e| format!("{e}: {}", run.stderr))?;
    Ok((run.ok, json))
}

#[test]
fn a_message_reaches_the_server_as_written_and_a_copy_lands_in_sent() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, _) = add_account(&s, s.smtp_port)?;
    let sync = profile.run(&["--json", "sync"], None)?;
    assert!(sync.ok, "{}", sync.stderr);
    let dir = tempfile::tempdir()?;
    let report = dir.path().join("report.csv");
    let data: Vec<u8> = (0..5000u32)
        .flat_map(|i| format!("{i},{}\n", i * 7).into_bytes())
        .collect();
    std::fs::write(&report, &data)?;
    let html = dir.path().join("body.html");
    std::fs::write(&html, "<p>Numbers <b>attached</b>.</p>")?;
    let (ok, item) = send(
        &profile,
        &[
            "--to",
            "Bob <bob@example.com>",
            "--cc",
            "carol@example.com",
            "--bcc",
            "dave@example.com",
            "--subject",
            "Quarterly numbers — Grüße",
            "--attach",
            &report.to_string_lossy(),
            "--html",
            &html.to_string_lossy(),
        ],
        "Hi Bob,\n\nthe numbers are attached.\n\nAlice\n",
    )?;
    assert!(ok, "{item}");
    assert_eq!(item["state"], "sent", "{item}");
    assert_eq!(item["sent_copy"], "appended", "{item}");
    let id = item["message_id"].as_str().unwrap_or_default().to_owned();

    let raw = received(&id).ok_or("the SMTP server did not receive the message")?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert!(text.contains("X-Orbit-Test-Auth-User: alice"), "{text}");
    assert!(
        text.contains(
            "X-Orbit-Test-Rcpt-To: <bob@example.com>, <carol@example.com>, <dave@example.com>"
        ),
        "the envelope has every recipient, Bcc included: {text}"
    );
    assert!(
        !text.to_ascii_lowercase().contains("\nbcc:"),
        "no Bcc header: {text}"
    );
    let parsed = orbit_mail::parse(&raw);
    assert_eq!(parsed.subject, "Quarterly numbers — Grüße");
    assert_eq!(
        parsed.from.as_ref().map(|a| a.email.as_str()),
        Some("alice@example.com")
    );
    assert_eq!(
        parsed
            .to
            .iter()
            .map(|a| a.email.as_str())
            .collect::<Vec<_>>(),
        ["bob@example.com"]
    );
    assert_eq!(
        parsed
            .cc
            .iter()
            .map(|a| a.email.as_str())
            .collect::<Vec<_>>(),
        ["carol@example.com"]
    );
    assert!(
        parsed.text.contains("the numbers are attached."),
        "{}",
        parsed.text
    );
    assert_eq!(
        parsed.html.as_deref().map(str::trim),
        Some("<p>Numbers <b>attached</b>.</p>")
    );
    assert_eq!(parsed.attachments.len(), 1);
    assert_eq!(
        parsed.attachments[0].filename.as_deref(),
        Some("report.csv")
    );
    assert_eq!(parsed.attachments[0].mime_type, "text/csv");
    assert_eq!(
        parsed.attachments[0].data, data,
        "the attachment arrives byte for byte"
    );
    assert!(text.contains("multipart/mixed") && text.contains("multipart/alternative"));

    let mut server = ServerMailbox::login(&s, USER, &s.password)?;
    let sent = server.contents("Sent")?;
    assert!(
        sent.iter()
            .any(|(mid, flags)| mid == &id && flags.iter().any(|f| f == "\\Seen")),
        "{sent:?}"
    );

    let activity = profile
        .run(&["--json", "activity", "--action", "mail.sent"], None)?
        .json()?;
    assert_eq!(activity.as_array().map(Vec::len), Some(1), "{activity}");
    Ok(())
}

#[test]
fn a_reply_carries_in_reply_to_and_references() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, _) = add_account(&s, s.smtp_port)?;
    let parent_id = format!("parent-{}@example.com", std::process::id());
    let mut server = ServerMailbox::login(&s, USER, &s.password)?;
    let mut raw = message(
        &parent_id,
        "Bob <bob@example.com>",
        "Plans",
        Some("root@example.com"),
        "What next?",
    );
    raw = raw.replace("\r\n\r\n", "\r\nReferences: <root@example.com>\r\n\r\n");
    server.append("INBOX", &raw, "")?;
    assert!(profile.run(&["--json", "sync"], None)?.ok);
    let list = profile
        .run(
            &[
                "--json", "mail", "list", "--folder", "inbox", "--limit", "500",
            ],
            None,
        )?
        .json()?;
    let parent = list
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["message_id"] == parent_id.as_str())
        .cloned()
        .ok_or("the parent was not synced")?;
    let (ok, item) = send(
        &profile,
        &[
            "--to",
            "bob@example.com",
            "--subject",
            "Re: Plans",
            "--reply-to",
            &parent["id"].to_string(),
        ],
        "Lunch.",
    )?;
    assert!(ok, "{item}");
    let raw = received(item["message_id"].as_str().unwrap_or_default()).ok_or("not received")?;
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains(&format!("In-Reply-To: <{parent_id}>")),
        "{text}"
    );
    assert!(
        text.contains(&format!("References: <root@example.com> <{parent_id}>")),
        "{text}"
    );
    Ok(())
}

#[test]
fn the_undo_window_takes_a_message_back_before_it_goes() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, _) = add_account(&s, s.smtp_port)?;
    let (ok, item) = send(
        &profile,
        &[
            "--to",
            "bob@example.com",
            "--subject",
            "Oops",
            "--delay",
            "60",
        ],
        "Not yet.",
    )?;
    assert!(ok, "{item}");
    assert_eq!(item["state"], "queued");
    let id = item["id"].to_string();
    // Not due yet: processing the outbox sends nothing.
    let pass = profile.run(&["--json", "outbox", "send"], None)?.json()?;
    assert_eq!(pass["sent"], 0, "{pass}");
    let cancelled = profile
        .run(&["--json", "outbox", "cancel", &id], None)?
        .json()?;
    assert_eq!(cancelled["item"]["state"], "cancelled", "{cancelled}");
    // Taken back, it is a draft again: same words, same recipients, same Message-ID.
    let draft = &cancelled["draft"];
    assert_eq!(draft["subject"], "Oops", "{cancelled}");
    assert_eq!(draft["to"][0], "bob@example.com", "{cancelled}");
    assert_eq!(draft["message_id"], item["message_id"], "{cancelled}");
    assert!(
        draft["body"]
            .as_str()
            .unwrap_or_default()
            .contains("Not yet."),
        "{cancelled}"
    );
    let drafts = profile.run(&["--json", "drafts", "list"], None)?.json()?;
    assert_eq!(drafts.as_array().map(Vec::len), Some(1), "{drafts}");
    // Cancelling twice, or a message that went, is refused with a clear message.
    let again = profile.run(&["--json", "outbox", "cancel", &id], None)?;
    assert!(
        !again.ok && again.stderr.contains("cannot be taken back"),
        "{}",
        again.stderr
    );
    assert!(received(item["message_id"].as_str().unwrap_or_default()).is_none());
    let activity = profile
        .run(
            &["--json", "activity", "--action", "mail.send_cancelled"],
            None,
        )?
        .json()?;
    assert_eq!(activity.as_array().map(Vec::len), Some(1));
    Ok(())
}

#[test]
fn a_refused_recipient_fails_with_the_servers_reason() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, _) = add_account(&s, s.smtp_port)?;
    let (ok, item) = send(
        &profile,
        &["--to", "nobody@rejected.example", "--subject", "Bounce"],
        "Hello?",
    )?;
    assert!(!ok, "a failed send exits with failure");
    assert_eq!(item["state"], "failed", "{item}");
    assert!(
        item["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("Recipient address rejected"),
        "{item}"
    );
    let listed = profile.run(&["--json", "outbox", "list"], None)?.json()?;
    assert_eq!(listed[0]["state"], "failed");
    // The message is back in the drafts with the reason, to fix and send again.
    let drafts = profile.run(&["--json", "drafts", "list"], None)?.json()?;
    assert_eq!(drafts.as_array().map(Vec::len), Some(1), "{drafts}");
    assert_eq!(drafts[0]["subject"], "Bounce");
    assert_eq!(
        drafts[0]["to"],
        serde_json::json!(["nobody@rejected.example"])
    );
    assert!(drafts[0]["body"].as_str().unwrap_or("").contains("Hello?"));
    assert!(
        drafts[0]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("Recipient address rejected"),
        "{drafts}"
    );
    Ok(())
}

#[test]
fn without_a_server_the_message_waits_and_goes_on_retry() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    // Port 1 on loopback: nothing listens, the connection is refused.
    let (profile, account) = add_account(&s, 1)?;
    let (ok, item) = send(
        &profile,
        &["--to", "bob@example.com", "--subject", "Offline"],
        "Later.",
    )?;
    assert!(!ok);
    assert_eq!(
        item["state"], "queued",
        "a transient failure keeps it queued: {item}"
    );
    assert_eq!(item["attempts"], 1);
    assert!(!item["last_error"].as_str().unwrap_or("").is_empty());
    // The network is back.
    let fixed = profile.run(
        &[
            "--json",
            "account",
            "edit",
            &account,
            "--smtp-port",
            &s.smtp_port.to_string(),
        ],
        None,
    )?;
    assert!(fixed.ok, "{}", fixed.stderr);
    let retried = profile
        .run(
            &["--json", "outbox", "retry", &item["id"].to_string()],
            None,
        )?
        .json()?;
    assert_eq!(retried[0]["state"], "sent", "{retried}");
    assert!(received(item["message_id"].as_str().unwrap_or_default()).is_some());
    Ok(())
}

#[test]
fn after_eight_failed_tries_the_message_goes_back_to_the_drafts() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, _) = add_account(&s, 1)?;
    let (_, item) = send(
        &profile,
        &["--to", "bob@example.com", "--subject", "Never"],
        "Still offline.",
    )?;
    let id = item["id"].to_string();
    let mut last = item;
    for _ in 1..8 {
        assert_eq!(last["state"], "queued", "{last}");
        assert!(
            profile
                .run(&["--json", "drafts", "list"], None)?
                .json()?
                .as_array()
                .is_some_and(Vec::is_empty),
            "no draft while it is still trying"
        );
        let retried = profile
            .run(&["--json", "outbox", "retry", &id], None)?
            .json()?;
        last = retried[0].clone();
    }
    assert_eq!(last["state"], "failed", "{last}");
    assert_eq!(last["attempts"], 8, "{last}");
    let drafts = profile.run(&["--json", "drafts", "list"], None)?.json()?;
    assert_eq!(drafts.as_array().map(Vec::len), Some(1), "{drafts}");
    assert_eq!(drafts[0]["subject"], "Never");
    assert!(
        !drafts[0]["last_error"].as_str().unwrap_or("").is_empty(),
        "{drafts}"
    );
    // Failed means it is in the drafts: the outbox will not send a second copy.
    let again = profile.run(&["--json", "outbox", "retry", &id], None)?;
    assert!(
        !again.ok && again.stderr.contains("back in your drafts"),
        "{}",
        again.stderr
    );
    Ok(())
}

#[test]
fn when_the_server_files_sent_mail_itself_orbit_adds_no_copy() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, account) = add_account(&s, s.smtp_port)?;
    assert!(profile.run(&["--json", "sync"], None)?.ok);
    let set = profile.run(&["--json", "mail", "sent-copy", &account, "server"], None)?;
    assert!(set.ok, "{}", set.stderr);
    assert_eq!(
        set.json()?["server_saves_sent"],
        serde_json::json!([account.parse::<i64>()?])
    );
    let (ok, item) = send(
        &profile,
        &["--to", "bob@example.com", "--subject", "No copy"],
        "Hi.",
    )?;
    assert!(ok, "{item}");
    assert_eq!(item["sent_copy"], "none", "{item}");
    let id = item["message_id"].as_str().unwrap_or_default().to_owned();
    let mut server = ServerMailbox::login(&s, USER, &s.password)?;
    assert!(!server.contents("Sent")?.iter().any(|(mid, _)| mid == &id));
    // The undo window is a setting too, within limits.
    let too_long = profile.run(&["--json", "mail", "undo-send", "500"], None)?;
    assert!(
        !too_long.ok && too_long.stderr.contains("at most 120"),
        "{}",
        too_long.stderr
    );
    let undo = profile
        .run(&["--json", "mail", "undo-send", "30"], None)?
        .json()?;
    assert_eq!(undo["undo_send_secs"], 30);
    Ok(())
}
