//! Import without a server (Maildir, mbox, .eml, folders of them), the bundled sample
//! workspace, and every message of the shared MIME corpus stored without a panic.

// serde_json's `value["key"]` never panics (a missing key reads as Null), which is what
// these JSON checks want.
#![allow(clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use orbit_tests::{Profile, TestResult, message};
use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/mime")
}

fn all_messages(profile: &Profile) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let folders = profile.run(&["--json", "mail", "folders"], None)?.json()?;
    let mut out = Vec::new();
    for folder in folders.as_array().into_iter().flatten() {
        let id = folder["id"].to_string();
        let run = profile.run(
            &[
                "--json", "mail", "list", "--folder", &id, "--limit", "10000",
            ],
            None,
        )?;
        assert!(run.ok, "{}", run.stderr);
        out.extend(run.json()?.as_array().cloned().unwrap_or_default());
    }
    Ok(out)
}

fn integrity(profile: &Profile) -> Result<String, rusqlite::Error> {
    rusqlite::Connection::open(profile.database())?
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
}

#[test]
fn every_corpus_message_is_stored_and_keeps_what_a_reader_needs() -> TestResult {
    let dir = corpus();
    assert!(dir.is_dir(), "the shared corpus is at {}", dir.display());
    let files = walk(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .count();
    let profile = Profile::bare()?;
    let run = profile.run(&["--json", "import", &dir.to_string_lossy()], None)?;
    assert!(run.ok, "{}", run.stderr);
    let report = run.json()?;
    assert_eq!(
        report["read"].as_u64(),
        Some(files as u64),
        "every .eml is read: {report}"
    );
    assert_eq!(report["errors"], Value::Array(vec![]));
    let imported = report["imported"].as_u64().unwrap_or(0);
    let messages = all_messages(&profile)?;
    assert_eq!(
        messages.len() as u64,
        imported,
        "one stored message per distinct Message-ID"
    );
    let originals: std::collections::HashSet<Vec<u8>> = walk(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(std::fs::read)
        .collect::<Result<_, _>>()?;
    let mut with_sender = 0;
    let mut attachments_read = 0;
    for m in &messages {
        let id = m["id"].to_string();
        let shown = profile.run(&["--json", "mail", "show", &id], None)?;
        assert!(shown.ok, "message {} opens: {}", m["id"], shown.stderr);
        // The raw message comes back byte for byte (from its pack).
        let raw = profile.run_bytes(&["mail", "show", "--raw", &id])?;
        assert!(
            originals.contains(&raw),
            "message {id}: the raw bytes are one of the imported files ({} bytes)",
            raw.len()
        );
        // Every attachment reads back at its recorded size.
        for a in shown.json()?["attachments"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let bytes =
                profile.run_bytes(&["mail", "attachment", &id, &a["ordinal"].to_string()])?;
            assert_eq!(
                Some(bytes.len() as u64),
                a["size"].as_u64(),
                "message {id} attachment {a}"
            );
            attachments_read += 1;
        }
        if !m["from"].as_str().unwrap_or("").is_empty() {
            with_sender += 1;
        }
    }
    assert!(
        with_sender * 10 >= messages.len() * 7,
        "most corpus messages have a sender: {with_sender}/{}",
        messages.len()
    );
    let attached = messages
        .iter()
        .filter(|m| m["has_attachments"] == true)
        .count();
    assert!(attached > 10, "attachments are recognised: {attached}");
    assert!(
        attachments_read > attached,
        "{attachments_read} attachments read back"
    );
    assert_eq!(integrity(&profile)?, "ok");
    // Importing again adds nothing.
    let again = profile
        .run(&["--json", "import", &dir.to_string_lossy()], None)?
        .json()?;
    assert_eq!(again["imported"], 0, "{again}");
    Ok(())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn maildir_mbox_and_eml_are_imported_with_their_flags_and_no_duplicates() -> TestResult {
    let source = tempfile::tempdir()?;
    let root = source.path();
    // A Maildir with one read+flagged message in cur/ and one new message.
    let maildir = root.join("Projects");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub))?;
    }
    std::fs::write(
        maildir.join("cur/1700000000.1.host:2,FS"),
        message(
            "md1@example.com",
            "Ann <ann@example.com>",
            "Read and flagged",
            None,
            "one",
        ),
    )?;
    std::fs::write(
        maildir.join("new/1700000001.2.host"),
        message(
            "md2@example.com",
            "Ann <ann@example.com>",
            "Brand new",
            None,
            "two",
        ),
    )?;
    // An mbox of two messages, one body line escaped as ">From ".
    let first = message(
        "mb1@example.com",
        "Bob <bob@example.com>",
        "Mbox one",
        None,
        "From the start of a line\nsecond line",
    );
    let second = message(
        "mb2@example.com",
        "Bob <bob@example.com>",
        "Re: Mbox one",
        Some("mb1@example.com"),
        "reply",
    );
    let escaped = first.replace("\r\nFrom the start", "\r\n>From the start");
    std::fs::write(
        root.join("archive.mbox"),
        format!(
            "From bob@example.com Tue Nov 24 10:00:00 2026\n{escaped}\nFrom bob@example.com Tue Nov 24 11:00:00 2026\n{second}\n"
        ),
    )?;
    // A single .eml and a stray README that is not mail.
    std::fs::write(
        root.join("note.eml"),
        message(
            "eml1@example.com",
            "Cat <cat@example.com>",
            "Single file",
            None,
            "hello",
        ),
    )?;
    std::fs::write(root.join("README.txt"), "not a message\n")?;

    let profile = Profile::bare()?;
    let run = profile.run(&["--json", "import", &root.to_string_lossy()], None)?;
    assert!(run.ok, "{}", run.stderr);
    let report = run.json()?;
    assert_eq!(
        (report["read"].as_u64(), report["imported"].as_u64()),
        (Some(5), Some(5)),
        "{report}"
    );

    let list = |folder: &str| -> Result<Vec<Value>, Box<dyn std::error::Error>> {
        Ok(profile
            .run(&["--json", "mail", "list", "--folder", folder], None)?
            .json()?
            .as_array()
            .cloned()
            .unwrap_or_default())
    };
    let projects = list("Projects")?;
    assert_eq!(projects.len(), 2);
    let flagged = projects
        .iter()
        .find(|m| m["subject"] == "Read and flagged")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        flagged["flags"],
        serde_json::json!(["seen", "flagged"]),
        "Maildir flags are kept"
    );
    let mbox = list("archive")?;
    assert_eq!(mbox.len(), 2, "one folder per mbox file: {mbox:?}");
    assert_eq!(mbox[0]["thread_id"], mbox[1]["thread_id"], "threaded");
    let one = mbox
        .iter()
        .find(|m| m["subject"] == "Mbox one")
        .cloned()
        .unwrap_or_default();
    let shown = profile
        .run(&["--json", "mail", "show", &one["id"].to_string()], None)?
        .json()?;
    assert!(
        shown["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("From the start"),
        ">From is unescaped: {shown}"
    );
    assert_eq!(
        list("Imported")?.len(),
        1,
        "loose .eml files go to Imported"
    );

    let again = profile
        .run(&["--json", "import", &root.to_string_lossy()], None)?
        .json()?;
    assert_eq!(
        (again["imported"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(5)),
        "re-import adds nothing"
    );
    let missing = profile.run(&["--json", "import", "/nonexistent/orbit-import"], None)?;
    assert_eq!(missing.error()?.0, "not_found");
    Ok(())
}

#[test]
fn the_sample_workspace_opens_offline() -> TestResult {
    let profile = Profile::bare()?;
    let run = profile.run(&["--json", "import", "--sample"], None)?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.json()?["imported"], 15);
    let inbox = profile.run(&["--json", "mail", "list"], None)?.json()?;
    let inbox = inbox.as_array().cloned().unwrap_or_default();
    assert_eq!(inbox.len(), 15);
    let launch: Vec<&Value> = inbox
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap_or("")
                .contains("Q1 launch plan")
        })
        .collect();
    assert_eq!(launch.len(), 4);
    assert!(
        launch
            .iter()
            .all(|m| m["thread_id"] == launch[0]["thread_id"]),
        "one conversation"
    );
    let thread = profile
        .run(
            &[
                "--json",
                "mail",
                "thread",
                &launch[0]["thread_id"].to_string(),
            ],
            None,
        )?
        .json()?;
    assert_eq!(
        thread[0]["attachments"][0]["filename"],
        "launch-plan-draft.txt"
    );
    let accounts = profile.run(&["--json", "account", "list"], None)?.json()?;
    assert_eq!(accounts[0]["name"], "On this computer");
    Ok(())
}
