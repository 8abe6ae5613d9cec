//! Mail sync through the real `orbit` binary against the real Dovecot: the first sync, a
//! no-change re-sync, server-side flag changes, expunges and new mail, the same message in
//! two folders, conversations, and a UIDVALIDITY change. Each test has its own mailbox.

// serde_json's `value["key"]` never panics (a missing key reads as Null), which is what
// these JSON checks want.
#![allow(clippy::indexing_slicing)]

use orbit_tests::{
    Profile, ServerMailbox, Servers, TestResult, add_imap_account, message, servers,
};
use serde_json::Value;

const PASSWORD: &str = "mail-secret-pw";

fn setup(s: &Servers, user: &str) -> Result<(Profile, ServerMailbox), Box<dyn std::error::Error>> {
    setup_at(s, s.imap_port, user)
}

fn setup_at(
    s: &Servers,
    port: u16,
    user: &str,
) -> Result<(Profile, ServerMailbox), Box<dyn std::error::Error>> {
    let mut server = ServerMailbox::login_at(port, user, PASSWORD)?;
    server.wipe()?;
    let profile = Profile::new(s)?;
    add_imap_account(&profile, user, port)?;
    Ok((profile, server))
}

fn sync(profile: &Profile, extra: &[&str]) -> Result<Value, Box<dyn std::error::Error>> {
    let mut args = vec!["--json", "sync"];
    args.extend_from_slice(extra);
    let run = profile.run(&args, None)?;
    assert!(run.ok, "sync failed: {}\n{}", run.stdout, run.stderr);
    let line = run.stdout.lines().last().unwrap_or_default();
    Ok(serde_json::from_str(line)?)
}

fn list(profile: &Profile, folder: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let run = profile.run(
        &[
            "--json", "mail", "list", "--folder", folder, "--limit", "500",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    Ok(run.json()?.as_array().cloned().unwrap_or_default())
}

fn subjects(list: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or("").to_owned())
        .collect();
    out.sort();
    out
}

fn integrity(profile: &Profile) -> Result<String, rusqlite::Error> {
    let conn = rusqlite::Connection::open(profile.database())?;
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
}

#[test]
fn the_first_sync_stores_every_folder_and_a_resync_changes_nothing() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup(&s, "mail1")?;
    server.append(
        "INBOX",
        &message(
            "a1@example.com",
            "Ann <ann@example.com>",
            "Budget",
            None,
            "First draft of the budget.",
        ),
        "",
    )?;
    server.append(
        "INBOX",
        &message(
            "a2@example.com",
            "Bob <bob@example.com>",
            "Re: Budget",
            Some("a1@example.com"),
            "Looks good.",
        ),
        "(\\Seen)",
    )?;
    server.append(
        "INBOX",
        &message(
            "a3@example.com",
            "Ann <ann@example.com>",
            "Re: Budget",
            Some("a2@example.com"),
            "Thanks!",
        ),
        "",
    )?;
    server.append(
        "INBOX",
        &message(
            "b1@example.com",
            "Cat <cat@example.com>",
            "Lunch?",
            None,
            "Noon?",
        ),
        "(\\Flagged)",
    )?;
    server.append(
        "INBOX",
        &message(
            "c1@example.com",
            "Dan <dan@example.com>",
            "Grüße aus München",
            None,
            "Hallo",
        ),
        "",
    )?;
    // The user's reply as the server saved it in Sent, and the same message filed in Archive.
    server.append(
        "Sent",
        &message(
            "a2@example.com",
            "Bob <bob@example.com>",
            "Re: Budget",
            Some("a1@example.com"),
            "Looks good.",
        ),
        "(\\Seen)",
    )?;
    server.append(
        "Archive",
        &message(
            "d1@example.com",
            "Eve <eve@example.com>",
            "Old news",
            None,
            "Archived.",
        ),
        "(\\Seen)",
    )?;

    let report = sync(&profile, &["--batch", "2"])?;
    assert_eq!(report["new_messages"], 6, "{report}");
    assert_eq!(
        report["new_locations"], 1,
        "the Sent copy is recognised by Message-ID: {report}"
    );
    assert_eq!(report["errors"], Value::Array(vec![]));

    let folders = profile.run(&["--json", "mail", "folders"], None)?.json()?;
    let roles: Vec<&str> = folders
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["role"].as_str())
        .collect();
    for role in ["inbox", "sent", "drafts", "trash", "junk", "archive"] {
        assert!(roles.contains(&role), "special-use {role} found: {roles:?}");
    }
    let inbox = folders
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["role"] == "inbox")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (inbox["total"].as_i64(), inbox["unread"].as_i64()),
        (Some(5), Some(4))
    );

    let messages = list(&profile, "inbox")?;
    assert_eq!(
        subjects(&messages),
        [
            "Budget",
            "Grüße aus München",
            "Lunch?",
            "Re: Budget",
            "Re: Budget"
        ]
    );
    for m in &messages {
        for field in ["id", "message_id", "subject", "from", "date", "flags"] {
            assert!(!m[field].is_null(), "{field} in {m}");
        }
    }
    let budget: Vec<&Value> = messages
        .iter()
        .filter(|m| m["subject"].as_str().unwrap_or("").contains("Budget"))
        .collect();
    assert_eq!(budget.len(), 3);
    assert!(
        budget
            .iter()
            .all(|m| m["thread_id"] == budget[0]["thread_id"]),
        "one conversation: {budget:?}"
    );
    let lunch = messages
        .iter()
        .find(|m| m["subject"] == "Lunch?")
        .cloned()
        .unwrap_or_default();
    assert_ne!(lunch["thread_id"], budget[0]["thread_id"]);
    assert_eq!(lunch["flags"], serde_json::json!(["flagged"]));

    let reply = messages
        .iter()
        .find(|m| m["message_id"] == "a2@example.com")
        .cloned()
        .unwrap_or_default();
    let shown = profile
        .run(&["--json", "mail", "show", &reply["id"].to_string()], None)?
        .json()?;
    assert_eq!(shown["text"].as_str().map(str::trim), Some("Looks good."));
    // The raw message is kept byte for byte, as the server sent it.
    let raw = profile.run_bytes(&["mail", "show", "--raw", &reply["id"].to_string()])?;
    assert_eq!(
        String::from_utf8_lossy(&raw),
        message(
            "a2@example.com",
            "Bob <bob@example.com>",
            "Re: Budget",
            Some("a1@example.com"),
            "Looks good.",
        )
    );
    assert_eq!(
        shown["folders"],
        serde_json::json!(["INBOX", "Sent"]),
        "one message, two folders"
    );
    let thread = profile
        .run(
            &["--json", "mail", "thread", &reply["thread_id"].to_string()],
            None,
        )?
        .json()?;
    assert_eq!(thread.as_array().map(Vec::len), Some(3));

    let again = sync(&profile, &[])?;
    for field in [
        "new_messages",
        "new_locations",
        "flag_changes",
        "removed",
        "resets",
    ] {
        assert_eq!(
            again[field], 0,
            "a re-sync with no change changes nothing: {again}"
        );
    }
    assert_eq!(list(&profile, "inbox")?.len(), 5, "no duplicates");
    assert_eq!(integrity(&profile)?, "ok");
    let activity = profile
        .run(&["--json", "activity", "--action", "mail"], None)?
        .json()?;
    assert_eq!(
        activity.as_array().map(Vec::len),
        Some(1),
        "the sync that changed something is logged once"
    );
    assert_eq!(activity[0]["actor"], "sync");
    Ok(())
}

#[test]
fn flag_changes_expunges_and_new_mail_on_the_server_are_picked_up() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup(&s, "mail2")?;
    for n in 1..=4 {
        server.append(
            "INBOX",
            &message(
                &format!("m{n}@example.com"),
                "Ann <ann@example.com>",
                &format!("Note {n}"),
                None,
                "text",
            ),
            "",
        )?;
    }
    assert_eq!(sync(&profile, &[])?["new_messages"], 4);
    server.run("SELECT INBOX")?;
    // Sequence numbers, not UIDs: a re-run of the test continues the server's UID numbering.
    server.run("STORE 1 +FLAGS (\\Seen \\Flagged)")?;
    server.run("STORE 2 +FLAGS (\\Deleted)")?;
    server.run("EXPUNGE")?;
    server.append(
        "INBOX",
        &message(
            "m5@example.com",
            "Ann <ann@example.com>",
            "Note 5",
            None,
            "text",
        ),
        "",
    )?;
    let report = sync(&profile, &[])?;
    assert_eq!(
        (
            report["new_messages"].as_i64(),
            report["removed"].as_i64(),
            report["flag_changes"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{report}"
    );
    let messages = list(&profile, "inbox")?;
    assert_eq!(
        subjects(&messages),
        ["Note 1", "Note 3", "Note 4", "Note 5"]
    );
    let first = messages
        .iter()
        .find(|m| m["subject"] == "Note 1")
        .cloned()
        .unwrap_or_default();
    assert_eq!(first["flags"], serde_json::json!(["seen", "flagged"]));
    // A flag removed elsewhere is removed here too.
    server.run("STORE 1 -FLAGS (\\Flagged)")?;
    assert_eq!(sync(&profile, &[])?["flag_changes"], 1);
    let first = list(&profile, "inbox")?
        .into_iter()
        .find(|m| m["subject"] == "Note 1")
        .unwrap_or_default();
    assert_eq!(first["flags"], serde_json::json!(["seen"]));
    assert_eq!(integrity(&profile)?, "ok");
    Ok(())
}

#[test]
fn a_uidvalidity_change_resyncs_the_folder_without_losing_or_doubling_mail() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup(&s, "mail3")?;
    server.run("CREATE Projects")?;
    server.append(
        "Projects",
        &message(
            "p1@example.com",
            "Ann <ann@example.com>",
            "Plan",
            None,
            "v1",
        ),
        "",
    )?;
    server.append(
        "Projects",
        &message(
            "p2@example.com",
            "Ann <ann@example.com>",
            "Schedule",
            None,
            "v1",
        ),
        "",
    )?;
    assert_eq!(sync(&profile, &[])?["new_messages"], 2);
    // The folder is deleted and made again: same name, new UIDVALIDITY, different content.
    server.run("DELETE Projects")?;
    std::thread::sleep(std::time::Duration::from_millis(1100)); // UIDVALIDITY is time-based in Dovecot
    server.run("CREATE Projects")?;
    server.append(
        "Projects",
        &message(
            "p2@example.com",
            "Ann <ann@example.com>",
            "Schedule",
            None,
            "v1",
        ),
        "",
    )?;
    server.append(
        "Projects",
        &message(
            "p3@example.com",
            "Ann <ann@example.com>",
            "Budget",
            None,
            "v1",
        ),
        "",
    )?;
    server.append(
        "Projects",
        &message(
            "p4@example.com",
            "Ann <ann@example.com>",
            "Risks",
            None,
            "v1",
        ),
        "",
    )?;
    let report = sync(&profile, &[])?;
    assert_eq!(report["resets"], 1, "{report}");
    assert_eq!(
        subjects(&list(&profile, "Projects")?),
        ["Budget", "Risks", "Schedule"]
    );
    let again = sync(&profile, &[])?;
    assert_eq!(
        (again["new_messages"].as_i64(), again["resets"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(integrity(&profile)?, "ok");
    Ok(())
}

fn id_of(list: &[Value], message_id: &str) -> String {
    list.iter()
        .find(|m| m["message_id"] == message_id)
        .map(|m| m["id"].to_string())
        .unwrap_or_default()
}

#[test]
fn local_changes_apply_at_once_and_reach_the_server_at_the_next_sync() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup(&s, "mail4")?;
    for n in 1..=4 {
        server.append(
            "INBOX",
            &message(
                &format!("l{n}@example.com"),
                "Ann <ann@example.com>",
                &format!("Item {n}"),
                None,
                "text",
            ),
            "",
        )?;
    }
    sync(&profile, &[])?;
    let inbox = list(&profile, "inbox")?;
    let (one, two, three, four) = (
        id_of(&inbox, "l1@example.com"),
        id_of(&inbox, "l2@example.com"),
        id_of(&inbox, "l3@example.com"),
        id_of(&inbox, "l4@example.com"),
    );

    // Applied locally at once, before any sync.
    assert!(profile.run(&["mail", "flag", &one, "--seen"], None)?.ok);
    assert!(profile.run(&["mail", "flag", &one, "--flagged"], None)?.ok);
    assert!(profile.run(&["mail", "archive", &two], None)?.ok);
    assert!(profile.run(&["mail", "delete", &three], None)?.ok);
    assert!(
        profile
            .run(&["mail", "move", &four, "--to", "Junk"], None)?
            .ok
    );
    let inbox = list(&profile, "inbox")?;
    assert_eq!(subjects(&inbox), ["Item 1"]);
    assert_eq!(inbox[0]["flags"], serde_json::json!(["seen", "flagged"]));
    assert_eq!(subjects(&list(&profile, "archive")?), ["Item 2"]);
    assert_eq!(subjects(&list(&profile, "trash")?), ["Item 3"]);
    assert_eq!(subjects(&list(&profile, "junk")?), ["Item 4"]);
    let actions: Vec<String> = profile
        .run(&["--json", "activity", "--action", "mail"], None)?
        .json()?
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        actions,
        [
            "mail.moved",
            "mail.deleted",
            "mail.archived",
            "mail.flagged",
            "mail.read",
            "mail.synced"
        ]
    );
    assert_eq!(
        server.contents("INBOX")?.len(),
        4,
        "the server has not been told yet"
    );

    // The next sync sends the queue, then reads the server: nothing comes back undone.
    let report = sync(&profile, &[])?;
    assert_eq!(report["changes_sent"], 5, "{report}");
    assert_eq!(
        server.contents("INBOX")?,
        [(
            "l1@example.com".to_owned(),
            vec!["\\Flagged".to_owned(), "\\Seen".to_owned()]
        )]
    );
    assert_eq!(server.contents("Archive")?.len(), 1);
    assert_eq!(server.contents("Trash")?.len(), 1);
    assert_eq!(server.contents("Junk")?.len(), 1);
    assert_eq!(subjects(&list(&profile, "inbox")?), ["Item 1"]);
    assert_eq!(
        subjects(&list(&profile, "archive")?),
        ["Item 2"],
        "no duplicate once the server's copy arrives"
    );
    let again = sync(&profile, &[])?;
    assert_eq!(
        (
            again["new_messages"].as_i64(),
            again["removed"].as_i64(),
            again["changes_sent"].as_i64()
        ),
        (Some(0), Some(0), Some(0)),
        "{again}"
    );

    // Deleting from Trash deletes for good, on the server too.
    let trash = list(&profile, "trash")?;
    assert!(
        profile
            .run(&["mail", "delete", &id_of(&trash, "l3@example.com")], None)?
            .ok
    );
    sync(&profile, &[])?;
    assert_eq!(
        server.contents("Trash")?,
        Vec::<(String, Vec<String>)>::new()
    );
    assert_eq!(integrity(&profile)?, "ok");
    Ok(())
}

#[test]
fn changes_made_offline_wait_in_the_queue_and_survive_a_restart() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup(&s, "mail5")?;
    server.append(
        "INBOX",
        &message(
            "o1@example.com",
            "Ann <ann@example.com>",
            "Offline",
            None,
            "text",
        ),
        "",
    )?;
    sync(&profile, &[])?;
    let id = id_of(&list(&profile, "inbox")?, "o1@example.com");
    // The network goes away: the account points at a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port()
        .to_string();
    assert!(
        profile
            .run(&["account", "edit", "1", "--imap-port", &closed], None)?
            .ok
    );
    assert!(
        profile.run(&["mail", "flag", &id, "--seen"], None)?.ok,
        "works offline"
    );
    let run = profile.run(&["--json", "sync"], None)?;
    assert!(!run.ok, "the sync fails while offline");
    let queued: i64 = rusqlite::Connection::open(profile.database())?.query_row(
        "SELECT COUNT(*) FROM mail_changes",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(
        queued, 1,
        "the change waits (each run of orbit is a restart)"
    );
    assert_eq!(
        list(&profile, "inbox")?[0]["flags"],
        serde_json::json!(["seen"])
    );
    // The network comes back.
    let port = s.imap_port.to_string();
    assert!(
        profile
            .run(&["account", "edit", "1", "--imap-port", &port], None)?
            .ok
    );
    assert_eq!(sync(&profile, &[])?["changes_sent"], 1);
    assert_eq!(
        server.contents("INBOX")?,
        [("o1@example.com".to_owned(), vec!["\\Seen".to_owned()])]
    );
    Ok(())
}

#[test]
fn a_flag_changed_on_both_sides_keeps_both_changes() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup(&s, "mail6")?;
    server.append(
        "INBOX",
        &message(
            "x1@example.com",
            "Ann <ann@example.com>",
            "Both",
            None,
            "text",
        ),
        "",
    )?;
    sync(&profile, &[])?;
    let id = id_of(&list(&profile, "inbox")?, "x1@example.com");
    // Here the user reads it; meanwhile another client flags it (its MODSEQ moves on).
    assert!(profile.run(&["mail", "flag", &id, "--seen"], None)?.ok);
    server.run("SELECT INBOX")?;
    server.run("STORE 1 +FLAGS (\\Flagged)")?;
    let report = sync(&profile, &[])?;
    assert_eq!(
        report["conflicts"], 1,
        "UNCHANGEDSINCE noticed the other change: {report}"
    );
    assert_eq!(
        server.contents("INBOX")?,
        [(
            "x1@example.com".to_owned(),
            vec!["\\Flagged".to_owned(), "\\Seen".to_owned()]
        )]
    );
    assert_eq!(
        list(&profile, "inbox")?[0]["flags"],
        serde_json::json!(["seen", "flagged"])
    );
    Ok(())
}

#[test]
fn mail_arriving_in_a_folder_that_was_empty_at_the_first_sync_is_fetched() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup(&s, "mail7")?;
    // A new folder starts at UIDNEXT 1 on every run of this test.
    server.run("CREATE Fresh")?;
    sync(&profile, &[])?;
    assert_eq!(list(&profile, "Fresh")?.len(), 0);
    server.append(
        "Fresh",
        &message(
            "f1@example.com",
            "Ann <ann@example.com>",
            "First",
            None,
            "text",
        ),
        "",
    )?;
    assert_eq!(sync(&profile, &[])?["new_messages"], 1);
    assert_eq!(subjects(&list(&profile, "Fresh")?), ["First"]);
    Ok(())
}

#[test]
fn without_condstore_or_qresync_the_fallback_finds_every_change() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let (profile, mut server) = setup_at(&s, s.legacy_imap_port, "mail8")?;
    for n in 1..=5 {
        server.append(
            "INBOX",
            &message(
                &format!("g{n}@example.com"),
                "Ann <ann@example.com>",
                &format!("Legacy {n}"),
                None,
                "text",
            ),
            "",
        )?;
    }
    assert_eq!(sync(&profile, &["--batch", "2"])?["new_messages"], 5);
    server.run("SELECT INBOX")?;
    server.run("STORE 1 +FLAGS (\\Seen)")?;
    server.run("STORE 5 +FLAGS (\\Deleted)")?;
    server.run("EXPUNGE")?;
    server.append(
        "INBOX",
        &message(
            "g6@example.com",
            "Ann <ann@example.com>",
            "Legacy 6",
            None,
            "text",
        ),
        "",
    )?;
    let report = sync(&profile, &[])?;
    assert_eq!(
        (
            report["new_messages"].as_i64(),
            report["removed"].as_i64(),
            report["flag_changes"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "UID and flag comparison: {report}"
    );
    assert_eq!(
        subjects(&list(&profile, "inbox")?),
        ["Legacy 1", "Legacy 2", "Legacy 3", "Legacy 4", "Legacy 6"]
    );
    // A local change reaches the server without UNCHANGEDSINCE.
    let id = id_of(&list(&profile, "inbox")?, "g2@example.com");
    assert!(profile.run(&["mail", "archive", &id], None)?.ok);
    assert_eq!(sync(&profile, &[])?["changes_sent"], 1);
    assert_eq!(server.contents("Archive")?.len(), 1);
    let again = sync(&profile, &[])?;
    for field in ["new_messages", "flag_changes", "removed"] {
        assert_eq!(again[field], 0, "{again}");
    }
    assert_eq!(integrity(&profile)?, "ok");
    Ok(())
}
