//! A small Maildir of similar messages, for the benches' smoke runs (what `cargo test
//! --all-targets` runs): `count` messages from Alice to Bob, subject `{subject} {n}`, body
//! `{body} {n}.`.

// Each bench uses part of the common modules.
#![allow(dead_code)]

use std::path::Path;

pub fn small_maildir(dir: &Path, count: usize, subject: &str, body: &str) -> std::io::Result<()> {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    for n in 0..count {
        std::fs::write(
            dir.join("cur").join(format!("{n}.bench:2,S")),
            format!(
                "Message-ID: <b{n}@bench>\r\nFrom: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\n\
                 Subject: {subject} {n}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\n\
                 {body} {n}.\r\n"
            ),
        )?;
    }
    Ok(())
}
