//! Hand-made messages for each parsing rule: encoded words, charsets, alternative and
//! related bodies, attachments, nested messages, broken MIME, 8-bit headers, missing
//! headers, garbage, synthetic ids, reference chains and snippets.

use orbit_mail::{parse, reference_chain, synthetic_message_id};

/// Joins lines with CRLF, as messages arrive over IMAP.
fn crlf(lines: &[&str]) -> Vec<u8> {
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out.into_bytes()
}

#[test]
fn simple_message_headers() {
    let raw = crlf(&[
        "Message-ID:  <abc.123@example.com> ",
        "In-Reply-To: <parent@example.com> (Joe's message of Monday)",
        "References: <root@example.com>",
        "  <parent@example.com> <root@example.com>",
        "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=",
        "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@Example.COM>",
        "To: Alice <alice@example.com>, bob@example.com",
        "Cc: Team: carol@example.com, Dave <dave@example.com>;",
        "Bcc: undisclosed-recipients:;",
        "Reply-To: list@example.com",
        "Date: Tue, 1 Jul 2003 10:52:37 +0200",
        "",
        "Hello there.",
    ]);
    let m = parse(&raw);
    assert_eq!(
        m.message_id.as_deref(),
        Some("abc.123@example.com"),
        "id trimmed, no <>"
    );
    assert_eq!(
        m.in_reply_to,
        vec!["parent@example.com"],
        "prose after the id is ignored"
    );
    assert_eq!(
        m.references,
        vec!["root@example.com", "parent@example.com"],
        "deduplicated"
    );
    assert_eq!(m.subject, "Grüße aus München", "RFC 2047 B-encoded UTF-8");
    let from = m.from.clone().expect("sender");
    assert_eq!(
        from.name.as_deref(),
        Some("Jürgen Müller"),
        "RFC 2047 Q-encoded Latin-1"
    );
    assert_eq!(from.email, "juergen@Example.COM", "address kept as given");
    assert_eq!(from.to_string(), "Jürgen Müller <juergen@Example.COM>");
    let to: Vec<String> = m.to.iter().map(ToString::to_string).collect();
    assert_eq!(to, vec!["Alice <alice@example.com>", "bob@example.com"]);
    let cc: Vec<&str> = m.cc.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(
        cc,
        vec!["carol@example.com", "dave@example.com"],
        "group members listed"
    );
    assert!(m.bcc.is_empty(), "an empty group gives no address");
    assert_eq!(m.reply_to.len(), 1);
    assert_eq!(
        m.date,
        Some(1_057_049_557),
        "10:52:37 +0200 is 08:52:37 UTC"
    );
    assert_eq!(m.text.trim(), "Hello there.");
    assert_eq!(m.html, None);
    assert_eq!(m.snippet, "Hello there.");
    assert!(
        m.defects.is_empty(),
        "a clean message has no defects: {:?}",
        m.defects
    );
    assert_eq!(m.size, raw.len());
    assert_eq!(
        reference_chain(&m),
        vec!["root@example.com", "parent@example.com"],
        "references then in-reply-to, deduplicated"
    );
}

#[test]
fn reference_chain_excludes_own_id() {
    let raw = crlf(&[
        "Message-ID: <me@x>",
        "References: <a@x> <me@x> <b@x>",
        "In-Reply-To: <c@x>",
        "",
        "x",
    ]);
    let m = parse(&raw);
    assert_eq!(reference_chain(&m), vec!["a@x", "b@x", "c@x"]);
}

#[test]
fn alternative_prefers_plain_and_keeps_html() {
    let raw = crlf(&[
        "From: a@example.com",
        "Subject: alt",
        "Content-Type: multipart/alternative; boundary=\"b1\"",
        "",
        "--b1",
        "Content-Type: text/plain; charset=iso-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Caf=E9 at noon?",
        "--b1",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>Caf\u{e9} at <b>noon</b>?</p>",
        "--b1--",
    ]);
    let m = parse(&raw);
    assert_eq!(
        m.text.trim(),
        "Café at noon?",
        "text/plain decoded from Latin-1 QP"
    );
    assert_eq!(
        m.html.as_deref().map(str::trim),
        Some("<p>Café at <b>noon</b>?</p>")
    );
    assert!(m.attachments.is_empty(), "neither body is an attachment");
}

#[test]
fn html_only_is_converted_to_text() {
    let raw = crlf(&[
        "From: a@example.com",
        "Subject: html",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<html><head><style>p { color: red }</style><title>T</title></head>",
        "<body><div>First line</div><div>Second &amp; last</div>",
        "<p>New paragraph</p><script>alert(1)</script></body></html>",
    ]);
    let m = parse(&raw);
    assert_eq!(m.text, "First line\nSecond & last\n\nNew paragraph");
    assert!(
        m.html.as_deref().is_some_and(|h| h.contains("<style>")),
        "raw HTML kept"
    );
    assert_eq!(m.snippet, "First line Second & last New paragraph");
}

#[test]
fn related_images_and_named_attachments() {
    let raw = crlf(&[
        "From: a@example.com",
        "Subject: files",
        "Content-Type: multipart/mixed; boundary=\"outer\"",
        "",
        "--outer",
        "Content-Type: multipart/related; boundary=\"rel\"",
        "",
        "--rel",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>Logo: <img src=\"cid:logo@x\"></p>",
        "--rel",
        "Content-Type: image/png",
        "Content-ID: <logo@x>",
        "Content-Transfer-Encoding: base64",
        "",
        "iVBORw0KGgo=",
        "--rel--",
        "--outer",
        "Content-Type: application/pdf; name=\"from-type.pdf\"",
        "Content-Transfer-Encoding: base64",
        "",
        "JVBERi0=",
        "--outer",
        "Content-Type: application/octet-stream",
        "Content-Disposition: attachment; filename*=UTF-8''%C3%BCbersicht.xlsx",
        "",
        "data",
        "--outer",
        "Content-Type: text/plain; name=\"notes.txt\"",
        "Content-Disposition: attachment; filename=\"C:\\\\Users\\\\x\\\\notes.txt\"",
        "",
        "plain attachment",
        "--outer--",
    ]);
    let m = parse(&raw);
    assert_eq!(
        m.text.trim(),
        "Logo:",
        "HTML converted when it is the only body"
    );
    let names: Vec<Option<&str>> = m
        .attachments
        .iter()
        .map(|a| a.filename.as_deref())
        .collect();
    assert_eq!(
        names,
        vec![
            None,
            Some("from-type.pdf"),
            Some("übersicht.xlsx"),
            Some("notes.txt")
        ],
        "names from Content-Type, RFC 2231, and without directories"
    );
    let logo = &m.attachments[0];
    assert_eq!(
        logo.content_id.as_deref(),
        Some("logo@x"),
        "Content-ID without <>"
    );
    assert!(
        logo.inline,
        "a Content-ID image with no disposition is inline"
    );
    assert_eq!(logo.mime_type, "image/png");
    assert!(logo.data.starts_with(b"\x89PNG"), "base64 decoded");
    assert_eq!(m.attachments[1].data, b"%PDF-");
    assert!(!m.attachments[2].inline);
    assert_eq!(m.attachments[3].data, b"plain attachment");
    assert_eq!(m.attachments[3].mime_type, "text/plain");
}

#[test]
fn nested_messages_become_eml_attachments() {
    let raw = crlf(&[
        "From: a@example.com",
        "Subject: Fwd: report",
        "Content-Type: multipart/mixed; boundary=\"m\"",
        "",
        "--m",
        "Content-Type: text/plain",
        "",
        "See below.",
        "--m",
        "Content-Type: message/rfc822",
        "",
        "From: b@example.com",
        "Subject: Quarterly report",
        "Message-ID: <inner@x>",
        "",
        "Inner body.",
        "--m--",
    ]);
    let m = parse(&raw);
    assert_eq!(
        m.text.trim(),
        "See below.",
        "the nested body is not the outer text"
    );
    assert_eq!(m.attachments.len(), 1);
    let eml = &m.attachments[0];
    assert_eq!(eml.filename.as_deref(), Some("Quarterly report.eml"));
    assert_eq!(eml.mime_type, "message/rfc822");
    let inner = parse(&eml.data);
    assert_eq!(inner.subject, "Quarterly report");
    assert_eq!(inner.message_id.as_deref(), Some("inner@x"));
    assert_eq!(inner.text.trim(), "Inner body.");
    assert!(
        !String::from_utf8_lossy(&eml.data).contains("--m"),
        "no outer boundary in .eml"
    );
}

#[test]
fn broken_mime_is_best_effort_with_defects() {
    // The boundary never appears.
    let raw = crlf(&[
        "From: a@example.com",
        "Subject: broken",
        "Content-Type: multipart/mixed; boundary=\"nowhere\"",
        "",
        "Just some text.",
    ]);
    let m = parse(&raw);
    assert_eq!(m.text.trim(), "Just some text.", "the text is still shown");
    assert!(m.attachments.is_empty(), "not offered as a file");
    assert!(
        m.defects.iter().any(|d| d.contains("boundary never found")),
        "{:?}",
        m.defects
    );

    // No boundary parameter at all.
    let raw = crlf(&["From: a@x", "Content-Type: multipart/mixed", "", "Text."]);
    let m = parse(&raw);
    assert_eq!(m.text.trim(), "Text.");
    assert!(
        m.defects.iter().any(|d| d.contains("no boundary")),
        "{:?}",
        m.defects
    );

    // Truncated in the middle of a base64 attachment, closing boundary missing.
    let raw = crlf(&[
        "From: a@x",
        "Content-Type: multipart/mixed; boundary=\"t\"",
        "",
        "--t",
        "Content-Type: text/plain",
        "",
        "Body.",
        "--t",
        "Content-Type: image/png; name=\"cut.png\"",
        "Content-Transfer-Encoding: base64",
        "",
        "iVBORw0KGgoAAAANSUhE",
    ]);
    let m = parse(&raw);
    assert_eq!(m.text.trim(), "Body.");
    assert!(
        m.attachments
            .iter()
            .any(|a| a.filename.as_deref() == Some("cut.png"))
    );
    assert!(
        m.defects
            .iter()
            .any(|d| d.contains("closing boundary missing")),
        "{:?}",
        m.defects
    );
}

#[test]
fn eight_bit_and_charset_headers() {
    let mut raw = b"From: \"Fran\xe7ois\" <f@example.fr>\r\nSubject: caf\xe9 cr\xe8me\r\n".to_vec();
    raw.extend_from_slice(
        b"Content-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n",
    );
    let m = parse(&raw);
    assert_eq!(m.subject, "café crème", "8-bit Latin-1 subject");
    assert_eq!(m.from.and_then(|a| a.name).as_deref(), Some("François"));
    assert_eq!(m.text.trim(), "Привет", "KOI8-R body decoded");
    assert!(m.defects.iter().any(|d| d.contains("not UTF-8")));

    // Raw UTF-8 headers (RFC 6532) are fine and are no defect.
    let raw = "From: Zoë <z@example.com>\r\nSubject: naïve\r\nMessage-ID: <u@x>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nok\r\n";
    let m = parse(raw.as_bytes());
    assert_eq!(m.subject, "naïve");
    assert!(m.defects.is_empty(), "{:?}", m.defects);

    // ISO-2022-JP encoded word and body.
    let raw = crlf(&[
        "From: j@example.jp",
        "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=",
        "Content-Type: text/plain; charset=ISO-2022-JP",
        "",
        "\u{1b}$B$3$s$K$A$O\u{1b}(B",
    ]);
    let m = parse(&raw);
    assert_eq!(m.subject, "こんにちは");
    assert_eq!(m.text.trim(), "こんにちは");
}

#[test]
fn missing_and_bad_headers_are_defects() {
    let raw = crlf(&["Subject: nothing else", "", "body"]);
    let m = parse(&raw);
    assert_eq!(m.message_id, None);
    assert_eq!(m.date, None);
    assert_eq!(m.from, None);
    for want in ["no Message-ID", "no Date", "no From"] {
        assert!(
            m.defects.iter().any(|d| d == want),
            "{want} in {:?}",
            m.defects
        );
    }

    let raw = crlf(&[
        "From: a@x",
        "Date: the day after tomorrow",
        "Message-ID: no brackets",
        "",
        "b",
    ]);
    let m = parse(&raw);
    assert_eq!(m.date, None);
    assert!(
        m.defects
            .iter()
            .any(|d| d == "unparseable Date: the day after tomorrow"),
        "{:?}",
        m.defects
    );
    assert!(
        m.defects
            .iter()
            .any(|d| d.starts_with("unusable Message-ID")),
        "{:?}",
        m.defects
    );

    let raw = crlf(&["From: a@x", "Message-ID: bare@host", "", "b"]);
    assert_eq!(
        parse(&raw).message_id.as_deref(),
        Some("bare@host"),
        "id without <> accepted"
    );

    let raw = crlf(&["Sender: s@x", "Subject: only sender", "", "b"]);
    let m = parse(&raw);
    assert_eq!(
        m.from.map(|a| a.email).as_deref(),
        Some("s@x"),
        "Sender used when From is absent"
    );
}

#[test]
fn garbage_and_empty_input() {
    for raw in [
        &b""[..],
        b"\r\n\r\n",
        b"\x00\x01\x02\xff",
        b"no headers here at all",
        b":",
        b"\n\n\n--",
    ] {
        let m = parse(raw);
        assert_eq!(m.size, raw.len());
        assert!(!m.defects.is_empty(), "{raw:?} gives a defect");
    }
    let m = parse(b"not a mail message, just words");
    assert!(m.text.contains("just words") || !m.defects.is_empty());
}

#[test]
fn leading_blank_and_mbox_lines_are_skipped() {
    let raw = b"From someone@example.com Mon Jan  1 00:00:00 2024\r\nFrom: a@x\r\nSubject: mbox\r\n\r\nbody\r\n";
    let m = parse(raw);
    assert_eq!(m.subject, "mbox");
    assert_eq!(m.from.map(|a| a.email).as_deref(), Some("a@x"));
}

#[test]
fn synthetic_ids_are_stable_and_header_based() {
    let a = crlf(&["From: a@x", "Subject: s", "", "body one"]);
    let b = crlf(&["From: a@x", "Subject: s", "", "body two"]);
    let c = crlf(&["From: a@x", "Subject: t", "", "body one"]);
    let id = synthetic_message_id(&a);
    assert!(id.starts_with("orbit-") && id.ends_with("@local"), "{id}");
    assert_eq!(id.len(), "orbit-".len() + 64 + "@local".len());
    assert!(
        id["orbit-".len()..id.len() - "@local".len()]
            .chars()
            .all(|c| c.is_ascii_hexdigit())
    );
    assert_eq!(id, synthetic_message_id(&a), "stable");
    assert_eq!(id, synthetic_message_id(&b), "the header block decides");
    assert_ne!(id, synthetic_message_id(&c));
    assert_ne!(
        synthetic_message_id(b"no blank line one"),
        synthetic_message_id(b"no blank line two")
    );
    let _ = synthetic_message_id(b"");
}

#[test]
fn snippet_skips_quoted_reply() {
    let raw = crlf(&[
        "From: a@x",
        "Subject: Re: plan",
        "",
        "Works for me.",
        "",
        "On Tue, 2 Jan 2024 at 09:00, Bob <bob@x> wrote:",
        "> Shall we meet at ten?",
        "> Bob",
    ]);
    assert_eq!(parse(&raw).snippet, "Works for me.");
}
