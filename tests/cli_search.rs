//! `orbit search` and `orbit index` end to end: the index follows what sync stores, changes and
//! removes (real Dovecot); mistakes in a query are clear errors; killing the indexer at any
//! moment leaves nothing stale; a deleted or damaged index is rebuilt from the store.

// serde_json's `value["key"]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

use std::path::Path;
use std::time::Duration;

use orbit_tests::{
    Profile, ServerMailbox, TestResult, add_imap_account, hit_subjects, message, servers,
};

const PASSWORD: &str = "mail-secret-pw";

fn search(profile: &Profile, query: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    Ok(profile
        .run(&["--json", "search", query, "--limit", "100"], None)?
        .json()?)
}

/// The hits' subjects, sorted (a test names what it expects, not their rank).
fn subjects(results: &serde_json::Value) -> Vec<String> {
    let mut out = hit_subjects(results);
    out.sort();
    out
}

#[test]
fn the_index_follows_what_sync_stores_changes_and_removes() -> TestResult {
    let Some(s) = servers()? else { return Ok(()) };
    let user = "mail13";
    let mut server = ServerMailbox::login(&s, user, PASSWORD)?;
    server.wipe()?;
    for (id, subject, body, flags) in [
        (
            "s1",
            "Budget for 2027",
            "The budget draft is attached for review.",
            "",
        ),
        (
            "s2",
            "Lunch on Friday",
            "Shall we meet at noon?",
            "(\\Seen)",
        ),
        ("s3", "Rechnungen März", "Anbei die Rechnungen.", ""),
    ] {
        server.append(
            "INBOX",
            &message(
                &format!("{id}-{user}@example.com"),
                "Ann <ann@example.com>",
                subject,
                None,
                body,
            ),
            flags,
        )?;
    }
    let profile = Profile::new(&s)?;
    add_imap_account(&profile, user, s.imap_port)?;
    assert!(profile.run(&["sync"], None)?.ok);

    assert_eq!(subjects(&search(&profile, "budget")?), ["Budget for 2027"]);
    assert_eq!(
        subjects(&search(&profile, "rechnung")?),
        ["Rechnungen März"],
        "stemmed"
    );
    assert_eq!(search(&profile, "is:unread")?["total"], 2);
    assert_eq!(search(&profile, "in:inbox from:ann")?["total"], 3);

    // A local change: read.
    let budget = search(&profile, "budget")?["hits"][0]["message"]["id"].to_string();
    assert!(profile.run(&["mail", "flag", &budget, "--seen"], None)?.ok);
    assert_eq!(
        subjects(&search(&profile, "is:unread")?),
        ["Rechnungen März"]
    );

    // The server: one removed, one new, one flagged elsewhere.
    server.run("SELECT INBOX")?;
    server.run("UID STORE 2 +FLAGS.SILENT (\\Deleted)")?;
    server.run("UID EXPUNGE 2")?;
    server.run("UID STORE 3 +FLAGS.SILENT (\\Flagged)")?;
    server.append(
        "INBOX",
        &message(
            &format!("s4-{user}@example.com"),
            "Bob <bob@example.com>",
            "Quarterly numbers",
            None,
            "Revenue is up.",
        ),
        "",
    )?;
    assert!(profile.run(&["sync"], None)?.ok);
    assert_eq!(
        search(&profile, "lunch")?["total"],
        0,
        "removed on the server"
    );
    assert_eq!(
        subjects(&search(&profile, "revenue")?),
        ["Quarterly numbers"]
    );
    assert_eq!(
        subjects(&search(&profile, "is:flagged")?),
        ["Rechnungen März"]
    );
    assert_eq!(search(&profile, "-from:ann")?["total"], 1);

    // Archived locally: in:archive finds it, in:inbox no longer does.
    assert!(profile.run(&["mail", "archive", &budget], None)?.ok);
    assert_eq!(
        subjects(&search(&profile, "in:archive")?),
        ["Budget for 2027"]
    );
    assert_eq!(search(&profile, "in:inbox budget")?["total"], 0);
    Ok(())
}

#[test]
fn mistakes_in_a_query_are_clear_errors_not_empty_results() -> TestResult {
    let profile = Profile::bare()?;
    assert!(profile.run(&["import", "--sample"], None)?.ok);
    for (query, says) in [
        ("\"unclosed", "quote is not closed"),
        ("(a OR b", "not closed"),
        ("form:alice", "no “form:” filter"),
        ("is:maybe", "is:maybe is not known"),
        ("before:someday", "a date like"),
        ("in:nowhere", "no folder “nowhere”"),
    ] {
        let run = profile.run(&["--json", "search", query], None)?;
        assert!(!run.ok, "{query} must fail");
        let (code, message) = run.error()?;
        assert_eq!(code, "invalid_input", "{query}");
        assert!(message.contains(says), "{query}: {message}");
    }
    let semantic = profile.run(&["search", "photos", "--mode", "semantic"], None)?;
    assert!(
        !semantic.ok && semantic.stderr.contains("Semantic search is off"),
        "{}",
        semantic.stderr
    );
    Ok(())
}

/// A Maildir of `count` messages, message n holding the word `tokenN`.
fn maildir(dir: &Path, count: usize) -> TestResult {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    for n in 0..count {
        let body = format!(
            "Word token{n} is unique here.\n{}",
            "Filler text about projects, meetings and plans. ".repeat(20)
        );
        std::fs::write(
            dir.join("cur").join(format!("{n}.orbit:2,S")),
            message(
                &format!("m{n}@bulk.example"),
                "Bulk <bulk@example.com>",
                &format!("Bulk {n}"),
                None,
                &body,
            ),
        )?;
    }
    Ok(())
}

#[test]
fn killing_the_indexer_leaves_nothing_stale_and_a_lost_index_is_rebuilt() -> TestResult {
    let source = tempfile::tempdir()?;
    let count = 3000;
    maildir(&source.path().join("bulk"), count)?;
    let profile = Profile::bare()?;
    let path = source.path().join("bulk");
    assert!(
        profile
            .run(&["import", path.to_str().unwrap_or_default()], None)?
            .ok
    );

    // Rebuild, killed at several moments: each time, the next search catches up fully.
    let mut cut_short = 0;
    for delay in [60, 150, 300, 600] {
        let mut child = profile.command(&["index", "rebuild"]).spawn()?;
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait()?.is_none() {
            child.kill()?;
            cut_short += 1;
        }
        child.wait()?;
        let found = search(&profile, "token2999")?;
        assert_eq!(found["total"], 1, "after a kill at {delay} ms: {found}");
        assert_eq!(found["pending"], 0);
        let status = profile.run(&["--json", "index", "status"], None)?.json()?;
        assert_eq!(status["indexed"], count, "{status}");
        assert_eq!(status["pending"], 0, "{status}");
    }
    assert!(cut_short > 0, "some rebuilds were cut short");

    // The index is derived: deleted, it is made again from the store by the next search.
    let index_dir = profile.dir.path().join("search");
    std::fs::remove_dir_all(&index_dir)?;
    assert_eq!(search(&profile, "token17")?["total"], 1);
    // Damaged (its metadata unreadable): the same.
    std::fs::write(index_dir.join("meta.json"), "{ damaged")?;
    assert_eq!(search(&profile, "token1234")?["total"], 1);
    assert_eq!(search(&profile, "bulk")?["total"], count);
    Ok(())
}

#[test]
fn every_corpus_message_is_searchable() -> TestResult {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/mime");
    let profile = Profile::bare()?;
    let imported = profile
        .run(
            &["--json", "import", corpus.to_str().unwrap_or_default()],
            None,
        )?
        .json()?;
    let stored = imported["imported"].as_u64().unwrap_or(0);
    assert!(stored > 50, "{imported}");
    let status = profile.run(&["--json", "index", "status"], None)?.json()?;
    assert_eq!(status["indexed"], stored, "{status}");
    // A known message of the corpus, by words of its subject, by sender and by phrase.
    let found = search(&profile, "\"multi-part mail\" from:crispin")?;
    assert!(found["total"].as_u64().unwrap_or(0) >= 1, "{found}");
    Ok(())
}

#[test]
fn the_text_of_text_attachments_is_searchable() -> TestResult {
    let source = tempfile::tempdir()?;
    let mail = "Message-ID: <att1@search.example>\r\nFrom: Ann <ann@example.com>\r\nTo: Sam <sam@example.com>\r\n\
        Subject: Trip notes\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee the notes.\r\n\
        --b1\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\n\
        Ferry to Zanzibar leaves at nine.\r\n--b1\r\nContent-Type: application/octet-stream; name=data.bin\r\n\
        Content-Disposition: attachment; filename=data.bin\r\n\r\nzanzibarish binary\r\n--b1--\r\n";
    std::fs::write(source.path().join("a.eml"), mail)?;
    let profile = Profile::bare()?;
    assert!(
        profile
            .run(
                &["import", source.path().to_str().unwrap_or_default()],
                None
            )?
            .ok
    );
    let found = search(&profile, "zanzibar")?;
    assert_eq!(subjects(&found), ["Trip notes"], "{found}");
    assert_eq!(search(&profile, "filename:notes")?["total"], 1);
    assert_eq!(
        search(&profile, "zanzibarish")?["total"],
        0,
        "a binary attachment's bytes are not read as text"
    );
    Ok(())
}
