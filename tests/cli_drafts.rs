//! Drafts: reply, reply all and forward start from the right recipients, subject and quote;
//! a forwarded attachment goes out byte for byte; a sent draft leaves the drafts; and saving
//! drafts survives the process being killed at any moment.

#![allow(clippy::indexing_slicing)]

use std::time::Duration;

use orbit_tests::{
    Profile, ServerMailbox, Servers, TestResult, base64_lines, sending_profile, servers,
    smtp_received,
};
use serde_json::Value;

fn add_account(s: &Servers) -> Result<Profile, Box<dyn std::error::Error>> {
    Ok(sending_profile(s, s.smtp_port)?.0)
}

/// Puts `raw` in alice's INBOX, syncs, and returns the stored message's id.
fn stored(
    s: &Servers,
    profile: &Profile,
    raw: &str,
    message_id: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut server = ServerMailbox::login(s, "alice", &s.password)?;
    server.append("INBOX", raw, "")?;
    assert!(profile.run(&["--json", "sync"], None)?.ok);
    let list = profile
        .run(
            &[
                "--json", "mail", "list", "--folder", "inbox", "--limit", "1000",
            ],
            None,
        )?
        .json()?;
    list.as_array()
        .into_iter()
        .flatten()
        .find(|m| m["message_id"] == message_id)
        .map(|m| m["id"].to_string())
        .ok_or_else(|| "the message was not synced".into())
}

fn unique(tag: &str) -> String {
    format!(
        "{tag}-{}-{}@example.com",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

#[test]
fn reply_all_goes_to_everyone_else_once_with_the_quote() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = add_account(&s)?;
    let id = unique("plans");
    let raw = format!(
        "Message-ID: <{id}>\r\nFrom: Bob Stone <bob@example.com>\r\n\
         To: Alice <alice@example.com>, carol@example.com\r\nCc: Dave <dave@example.com>, BOB@example.com\r\n\
         Subject: Re: Plans\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nLunch on Friday?\r\n> earlier\r\n"
    );
    let message = stored(&s, &profile, &raw, &id)?;
    let run = profile.run(
        &["--json", "drafts", "create", "--reply-all", &message],
        Some("Friday works."),
    )?;
    assert!(run.ok, "{}", run.stderr);
    let d = run.json()?;
    assert_eq!(d["kind"], "reply_all");
    assert_eq!(
        d["to"],
        serde_json::json!(["Bob Stone <bob@example.com>", "carol@example.com"]),
        "{d}"
    );
    assert_eq!(
        d["cc"],
        serde_json::json!(["Dave <dave@example.com>"]),
        "own address out, no one twice: {d}"
    );
    assert_eq!(d["subject"], "Re: Plans", "no second Re:");
    let body = d["body"].as_str().unwrap_or_default();
    assert!(body.starts_with("Friday works.\n\nOn Tue, 24 Nov 2026 at 10:00 UTC, Bob Stone <bob@example.com> wrote:\n"), "{body}");
    assert!(body.contains("> Lunch on Friday?\n>> earlier\n"), "{body}");

    let reply = profile
        .run(
            &["--json", "drafts", "create", "--reply", &message],
            Some("Only to Bob."),
        )?
        .json()?;
    assert_eq!(
        reply["to"],
        serde_json::json!(["Bob Stone <bob@example.com>"])
    );
    assert_eq!(reply["cc"], serde_json::json!([]));
    let listed = profile.run(&["--json", "drafts", "list"], None)?.json()?;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    Ok(())
}

#[test]
fn a_forwarded_attachment_goes_out_byte_for_byte_and_the_draft_is_gone() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = add_account(&s)?;
    let id = unique("invoice");
    let pdf: Vec<u8> = (0..3000u32).map(|i| (i * 31 % 251) as u8).collect();
    let encoded = base64(&pdf);
    let raw = format!(
        "Message-ID: <{id}>\r\nFrom: Shop <shop@example.com>\r\nTo: alice@example.com\r\n\
         Subject: Your invoice\r\nDate: Tue, 24 Nov 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n\
         --b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b--\r\n"
    );
    let message = stored(&s, &profile, &raw, &id)?;
    let d = profile
        .run(
            &[
                "--json",
                "drafts",
                "create",
                "--forward",
                &message,
                "--to",
                "accounts@example.com",
            ],
            Some("For the books."),
        )?
        .json()?;
    assert_eq!(d["subject"], "Fwd: Your invoice");
    assert_eq!(d["attachments"][0]["filename"], "invoice.pdf", "{d}");
    assert!(
        d["body"]
            .as_str()
            .unwrap_or("")
            .contains("---------- Forwarded message ----------\nFrom: Shop <shop@example.com>")
    );
    let sent = profile.run(&["--json", "drafts", "send", &d["id"].to_string()], None)?;
    assert!(sent.ok, "{} {}", sent.stdout, sent.stderr);
    let item = sent.json()?;
    assert_eq!(item["state"], "sent", "{item}");
    assert_eq!(
        item["message_id"], d["message_id"],
        "the draft's Message-ID is the message's"
    );
    let received =
        received(item["message_id"].as_str().unwrap_or_default()).ok_or("not received")?;
    let parsed = orbit_mail::parse(&received);
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.contains("multipart/alternative"),
        "text plus an HTML alternative: {text}"
    );
    assert!(
        parsed
            .html
            .as_deref()
            .unwrap_or("")
            .contains("For the books."),
        "{:?}",
        parsed.html
    );
    assert!(parsed.text.contains("For the books."));
    assert_eq!(parsed.attachments.len(), 1);
    assert_eq!(parsed.attachments[0].data, pdf);
    assert_eq!(parsed.attachments[0].mime_type, "application/pdf");
    let listed = profile.run(&["--json", "drafts", "list"], None)?.json()?;
    assert_eq!(
        listed,
        Value::Array(vec![]),
        "a sent draft leaves the drafts"
    );
    Ok(())
}

#[test]
fn killing_the_process_while_saving_never_leaves_a_broken_draft() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = add_account(&s)?;
    let mut seed: u64 = 0xd7a_f75;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let mut killed = 0;
    for round in 0..30 {
        let marker = format!("draft number {round}");
        let mut child = profile
            .command(&[
                "drafts",
                "create",
                "--to",
                "bob@example.com",
                "--subject",
                &marker,
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            let _ = stdin.write_all(format!("{marker}\n").repeat(200).as_bytes());
        }
        std::thread::sleep(Duration::from_millis(next() % 40));
        if child.try_wait()?.is_none() {
            child.kill()?;
            killed += 1;
        }
        child.wait()?;
    }
    assert!(killed > 0, "some saves were cut off");
    let list = profile.run(&["--json", "drafts", "list"], None)?;
    assert!(list.ok, "{}", list.stderr);
    for d in list.json()?.as_array().into_iter().flatten() {
        let subject = d["subject"].as_str().unwrap_or_default();
        let body = d["body"].as_str().unwrap_or_default();
        assert_eq!(
            body,
            format!("{subject}\n").repeat(200).trim_end(),
            "a saved draft is whole"
        );
        assert_eq!(d["to"], serde_json::json!(["bob@example.com"]));
    }
    let integrity: String = rusqlite::Connection::open(profile.database())?.query_row(
        "PRAGMA integrity_check",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(integrity, "ok");
    Ok(())
}

fn received(message_id: &str) -> Option<Vec<u8>> {
    smtp_received(message_id)
}

fn base64(bytes: &[u8]) -> String {
    base64_lines(bytes)
}
#[test]
fn a_draft_is_kept_once_in_the_servers_drafts_folder_and_leaves_when_sent() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let profile = add_account(&s)?;
    assert!(profile.run(&["--json", "sync"], None)?.ok);
    let subject = unique("draft-subject");
    let d = profile
        .run(
            &[
                "--json",
                "drafts",
                "create",
                "--to",
                "bob@example.com",
                "--subject",
                &subject,
            ],
            Some("First words."),
        )?
        .json()?;
    let message_id = d["message_id"].as_str().unwrap_or_default().to_owned();
    let copies =
        |server: &mut ServerMailbox| -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
            Ok(server
                .contents("Drafts")?
                .into_iter()
                .filter(|(id, _)| id == &message_id)
                .map(|(_, flags)| flags)
                .collect())
        };
    let mut server = ServerMailbox::login(&s, "alice", &s.password)?;

    let report = profile.run(&["--json", "sync"], None)?.json()?;
    assert_eq!(report["drafts_saved"], 1, "{report}");
    let found = copies(&mut server)?;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].iter().any(|f| f == "\\Draft"), "{found:?}");

    // An edit replaces the server copy: still one.
    let edited = profile.run(
        &[
            "--json",
            "drafts",
            "edit",
            &d["id"].to_string(),
            "--subject",
            &format!("{subject} v2"),
        ],
        Some("Better words."),
    )?;
    assert!(edited.ok, "{}", edited.stderr);
    let report = profile.run(&["--json", "sync"], None)?.json()?;
    assert_eq!(report["drafts_saved"], 1, "{report}");
    assert_eq!(
        copies(&mut server)?.len(),
        1,
        "the previous version is replaced"
    );
    // Nothing changed: nothing written.
    let report = profile.run(&["--json", "sync"], None)?.json()?;
    assert_eq!(report["drafts_saved"], 0, "{report}");

    // Sent: the draft's server copy goes at the next sync.
    let sent = profile.run(&["--json", "drafts", "send", &d["id"].to_string()], None)?;
    assert!(sent.ok, "{} {}", sent.stdout, sent.stderr);
    assert!(profile.run(&["--json", "sync"], None)?.ok);
    assert_eq!(
        copies(&mut server)?.len(),
        0,
        "no copy of a sent draft stays in Drafts"
    );
    Ok(())
}
