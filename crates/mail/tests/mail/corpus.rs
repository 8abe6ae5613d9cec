//! The shared MIME corpus (`shared/corpus/mime`, laid next to the repository): every file
//! parses without a panic, headers the source has come out, bodies and attachment names are
//! found; plus truncation and byte-flip runs over a few of its messages.

use std::error::Error;
use std::fs;
use std::panic;
use std::path::{Path, PathBuf};
use std::sync::Once;

use orbit_mail::{ParsedMessage, parse};

use crate::Lcg;

type TestResult = Result<(), Box<dyn Error>>;

/// `CARGO_MANIFEST_DIR/../../../shared/corpus/mime`: CI clones the repository next to
/// `shared/`. Missing is an error, not a silent pass.
fn corpus_dir() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/mime");
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "the MIME corpus is missing at {}: these tests expect the repository to be cloned \
             next to shared/ (shared/corpus/mime)",
            dir.display()
        ))
    }
}

fn corpus_files() -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut files = Vec::new();
    let mut dirs = vec![corpus_dir()?];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn short_name(path: &Path) -> String {
    let text = path.display().to_string();
    text.split("corpus/mime/")
        .last()
        .unwrap_or(&text)
        .to_string()
}

fn is_eml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "eml")
}

/// How a guarded parse went.
enum Outcome {
    Parsed(Box<ParsedMessage>),
    /// mail-parser panicked (in debug builds its `debug_assert!`s fire on broken structure)
    /// and `parse` recovered with its plain-text fallback.
    Recovered,
}

/// Parses with a panic out of `parse` turned into an error naming the input.
fn parse_guarded(raw: &[u8], what: &str) -> Result<Outcome, String> {
    quiet_mail_parser_panics();
    let parsed =
        panic::catch_unwind(|| parse(raw)).map_err(|_| format!("{what}: parse panicked"))?;
    if parsed
        .defects
        .iter()
        .any(|d| d.contains("MIME parser failed"))
    {
        Ok(Outcome::Recovered)
    } else {
        Ok(Outcome::Parsed(Box::new(parsed)))
    }
}

/// A real message must parse without even an internal recovery.
fn parse_cleanly(raw: &[u8], what: &str) -> Result<ParsedMessage, String> {
    match parse_guarded(raw, what)? {
        Outcome::Parsed(p) => Ok(*p),
        Outcome::Recovered => Err(format!("{what}: mail-parser panicked inside (recovered)")),
    }
}

/// Keeps the expected, recovered mail-parser panics out of the test log; every other panic
/// still prints as usual.
fn quiet_mail_parser_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let in_mail_parser = info
                .location()
                .is_some_and(|l| l.file().contains("mail-parser"));
            if !in_mail_parser {
                default(info);
            }
        }));
    });
}

/// The top-level header fields of a raw message (leading blank and mbox lines skipped),
/// unfolded, names lower-cased; and the body bytes after them.
fn top_headers(raw: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    let text = String::from_utf8_lossy(raw);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut offset = 0;
    let mut started = false;
    for line in text.split_inclusive('\n') {
        offset += line.len();
        let bare = line.trim_end_matches(['\r', '\n']);
        if !started && (bare.trim().is_empty() || bare.starts_with("From ")) {
            continue;
        }
        if bare.is_empty() {
            break;
        }
        started = true;
        if bare.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.1.push(' ');
                last.1.push_str(bare.trim());
            }
        } else if let Some((name, value)) = bare.split_once(':') {
            fields.push((name.trim().to_lowercase(), value.trim().to_string()));
        }
    }
    // Offsets in the lossy text differ from the raw only for invalid UTF-8 in headers;
    // good enough to find "is there a body".
    let body = raw.get(offset.min(raw.len())..).unwrap_or_default();
    (fields, body)
}

fn header<'h>(fields: &'h [(String, String)], name: &str) -> Option<&'h str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Plain `filename=`/`name=` values in MIME header lines anywhere in the raw message
/// (encoded RFC 2047/2231 forms are skipped: their decoding is mail-parser's to test).
fn declared_filenames(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut names = Vec::new();
    let mut in_mime_header = false;
    for line in text.lines() {
        let lower = line.to_lowercase();
        if lower.starts_with("content-type:") || lower.starts_with("content-disposition:") {
            in_mime_header = true;
        } else if !line.starts_with([' ', '\t']) {
            in_mime_header = false;
        }
        if !in_mime_header {
            continue;
        }
        for key in ["filename=", "name="] {
            let mut rest = lower.as_str();
            let mut base = 0;
            while let Some(pos) = rest.find(key) {
                let start = base + pos + key.len();
                let preceded_ok = base + pos == 0
                    || matches!(lower.as_bytes()[base + pos - 1], b' ' | b'\t' | b';');
                let value = &line[start..];
                let name = if let Some(quoted) = value.strip_prefix('"') {
                    quoted.split('"').next().unwrap_or_default()
                } else {
                    value.split([';', ' ', '\t']).next().unwrap_or_default()
                };
                if preceded_ok
                    && !name.is_empty()
                    && !name.contains("=?")
                    && !name.contains('\u{fffd}')
                {
                    names.push(name.to_string());
                }
                base = start;
                rest = &lower[start..];
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn every_corpus_file_parses_and_keeps_what_the_source_has() -> TestResult {
    let files = corpus_files()?;
    assert!(
        files.len() >= 100,
        "expected the full corpus, found {} files",
        files.len()
    );
    let mut problems: Vec<String> = Vec::new();
    let (mut messages, mut with_defects, mut defect_total) = (0, 0, 0);

    for path in &files {
        let name = short_name(path);
        let raw = fs::read(path)?;
        let parsed = match parse_cleanly(&raw, &name) {
            Ok(p) => p,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if parsed.size != raw.len() {
            problems.push(format!("{name}: size {} != {}", parsed.size, raw.len()));
        }
        if !is_eml(path) {
            // READMEs, licences, address lists: only "never panics" applies.
            continue;
        }
        messages += 1;
        if !parsed.defects.is_empty() {
            with_defects += 1;
            defect_total += parsed.defects.len();
        }

        let (fields, body) = top_headers(&raw);
        if let Some(from) = header(&fields, "from")
            && !from.is_empty()
            && parsed.from.is_none()
        {
            problems.push(format!("{name}: From {from:?} but no sender"));
        }
        if let Some(subject) = header(&fields, "subject")
            && !subject.is_empty()
            && parsed.subject.is_empty()
        {
            problems.push(format!("{name}: Subject {subject:?} but empty subject"));
        }
        if let Some(date) = header(&fields, "date")
            && parsed.date.is_none()
            && !parsed
                .defects
                .iter()
                .any(|d| d.starts_with("unparseable Date"))
        {
            problems.push(format!("{name}: Date {date:?} but no date and no defect"));
        }
        if let Some(id) = header(&fields, "message-id")
            && id.contains('<')
            && parsed.message_id.is_none()
        {
            problems.push(format!("{name}: Message-ID {id:?} but none parsed"));
        }
        if header(&fields, "message-id").is_none()
            && !parsed.defects.iter().any(|d| d == "no Message-ID")
        {
            problems.push(format!("{name}: no Message-ID header but no defect"));
        }
        // Content beyond boundary lines and part headers (malformed/000 has none).
        let body_has_content = String::from_utf8_lossy(body).lines().any(|line| {
            let lower = line.trim().to_ascii_lowercase();
            let boundary = lower.starts_with("--") && !lower.contains(' ');
            let part_header = lower.starts_with("content-") && lower.contains(':');
            !lower.is_empty() && !boundary && !part_header
        });
        if body_has_content
            && parsed.text.trim().is_empty()
            && parsed.html.is_none()
            && parsed.attachments.is_empty()
        {
            problems.push(format!(
                "{name}: non-empty body but no text, html or attachment"
            ));
        }
        for declared in declared_filenames(&raw) {
            // Directory parts are dropped from names ("/u/nsb/RFC-MIME.ps" → "RFC-MIME.ps").
            let declared = declared
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(&declared)
                .to_string();
            let found = parsed.attachments.iter().any(|a| {
                a.filename.as_deref() == Some(declared.as_str())
                    || contains(&a.data, declared.as_bytes())
            }) || parsed.text.contains(&declared)
                || parsed
                    .html
                    .as_deref()
                    .is_some_and(|h| h.contains(&declared));
            if !found {
                problems.push(format!("{name}: attachment name {declared:?} not found"));
            }
        }
        for a in &parsed.attachments {
            if a.mime_type.starts_with("message/rfc822") {
                let what = format!("{name} → {}", a.filename.as_deref().unwrap_or("nested"));
                if let Err(e) = parse_cleanly(&a.data, &what) {
                    problems.push(e);
                }
            }
        }
    }

    println!(
        "MIME corpus: {} files, {messages} messages, {} with defects ({defect_total} defects)",
        files.len(),
        with_defects
    );
    assert!(
        problems.is_empty(),
        "{} corpus problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn corpus_message(relative: &str) -> Result<ParsedMessage, Box<dyn Error>> {
    let raw = fs::read(corpus_dir()?.join(relative))?;
    Ok(parse_cleanly(&raw, relative)?)
}

#[test]
fn known_corpus_messages_come_out_right() -> TestResult {
    let m = corpus_message("mailgun-flanker/messages/attached-pdf.eml")?;
    let pdf = m
        .attachments
        .iter()
        .find(|a| a.filename.as_deref() == Some("test.pdf"));
    let pdf = pdf.ok_or("attached-pdf.eml: test.pdf attachment")?;
    assert_eq!(pdf.mime_type, "application/pdf");
    assert!(pdf.data.starts_with(b"%PDF"), "the PDF is base64-decoded");
    assert!(!pdf.inline, "Content-Disposition: attachment is not inline");
    assert_eq!(
        m.text.trim(),
        "Test - body content",
        "the preamble is not the text"
    );

    let m = corpus_message("mailgun-flanker/messages/from-encoding.eml")?;
    let from = m.from.ok_or("from-encoding.eml: sender")?;
    assert_eq!(
        from.name.as_deref(),
        Some("Ingo Lütkebohle"),
        "8-bit Latin-1 name read"
    );
    assert!(
        m.defects.iter().any(|d| d.contains("not UTF-8")),
        "8-bit header noted"
    );
    assert!(m.references.len() == 1 && m.subject.starts_with("Re: running server"));

    let m = corpus_message("mailgun-flanker/messages/bilingual-simple.eml")?;
    assert!(
        m.subject.contains("Как ты поживаешь?"),
        "RFC 2047 subject: {}",
        m.subject
    );

    let m = corpus_message("mailgun-flanker/messages/long-header.eml")?;
    assert!(
        m.subject.starts_with("Die heiße Zypernsonne quälte Max"),
        "long folded subject"
    );

    let m = corpus_message("mailgun-flanker/messages/enclosed.eml")?;
    assert_eq!(
        m.subject, "Wow",
        "headers after a leading blank line are found"
    );
    let nested = m
        .attachments
        .iter()
        .find(|a| a.mime_type == "message/rfc822");
    let nested = nested.ok_or("enclosed.eml: nested message")?;
    assert_eq!(nested.filename.as_deref(), Some("thanks.eml"));
    let inner = parse(&nested.data);
    assert!(
        inner.from.is_some() && !inner.subject.is_empty(),
        "nested .eml parses: {inner:?}"
    );

    let m = corpus_message("mailgun-flanker/messages/iphone.eml")?;
    let photo = m
        .attachments
        .iter()
        .find(|a| a.filename.as_deref() == Some("photo.JPG"));
    let photo = photo.ok_or("iphone.eml: photo")?;
    assert!(
        photo.inline && photo.mime_type == "image/jpeg",
        "inline photo: {photo:?}"
    );
    assert!(photo.data.starts_with(&[0xff, 0xd8]), "JPEG decoded");

    let m = corpus_message("stalwartlabs-mail-parser/thirdparty/017.eml")?;
    assert!(
        m.text.contains("Search for hähä"),
        "text/plain preferred: {}",
        m.text
    );
    assert!(
        m.html.as_deref().is_some_and(|h| h.contains("<img")),
        "HTML kept"
    );
    let image = m.attachments.first().ok_or("017.eml: embedded image")?;
    assert!(image.inline, "related image is inline");
    assert_eq!(
        image.content_id.as_deref(),
        Some("part1.8C5E6A81.D0C1B91A@example.com")
    );
    let html = m.html.unwrap_or_default();
    assert!(
        html.contains("cid:part1.8C5E6A81.D0C1B91A@example.com"),
        "cid reference in HTML"
    );

    let m = corpus_message("mailgun-flanker/messages/torture.eml")?;
    let nested = m
        .attachments
        .iter()
        .filter(|a| a.mime_type == "message/rfc822")
        .count();
    assert!(
        nested >= 5,
        "torture.eml nests several messages, found {nested}"
    );

    let m = corpus_message("mailgun-flanker/messages/missing-final-boundary.eml")?;
    assert_eq!(m.text.trim(), "Some body");
    assert!(
        m.defects
            .iter()
            .any(|d| d.contains("closing boundary missing")),
        "missing final boundary noted: {:?}",
        m.defects
    );

    let m = corpus_message("stalwartlabs-mail-parser/rfc/001.eml")?;
    assert_eq!(m.date, None);
    assert!(
        m.defects.iter().any(|d| d == "unparseable Date: Whenever"),
        "{:?}",
        m.defects
    );
    Ok(())
}

/// Messages small enough to parse at every prefix length.
const SMALL: &[&str] = &[
    "stalwartlabs-mail-parser/thirdparty/016.eml",
    "stalwartlabs-mail-parser/rfc/000.eml",
    "stalwartlabs-mail-parser/rfc/008.eml",
    "stalwartlabs-mail-parser/malformed/019.eml",
    "mailgun-flanker/messages/from-encoding.eml",
    "mailgun-flanker/messages/bounce/delayed.eml",
];

/// Larger ones, cut at a stride and flipped.
const LARGER: &[&str] = &[
    "mailgun-flanker/messages/iphone.eml",
    "mailgun-flanker/messages/enclosed.eml",
    "mailgun-flanker/messages/torture-part.eml",
    "mailgun-flanker/messages/outlook-express.eml",
    "stalwartlabs-mail-parser/thirdparty/015.eml",
];

#[test]
fn every_truncation_never_panics() -> TestResult {
    let mut problems = Vec::new();
    let (mut runs, mut recovered) = (0, 0);
    for relative in SMALL.iter().chain(LARGER) {
        let raw = fs::read(corpus_dir()?.join(relative))?;
        let stride = if SMALL.contains(relative) {
            1
        } else {
            (raw.len() / 400).max(1)
        };
        for len in (0..=raw.len()).step_by(stride) {
            runs += 1;
            let prefix = &raw[..len];
            match parse_guarded(prefix, &format!("{relative} cut at {len}")) {
                Ok(Outcome::Parsed(_)) => {}
                Ok(Outcome::Recovered) => recovered += 1,
                Err(e) => problems.push(e),
            }
        }
    }
    println!("truncation: {runs} parses, {recovered} recovered from a mail-parser panic");
    assert!(
        problems.is_empty(),
        "{} truncations failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    Ok(())
}

#[test]
fn random_byte_flips_never_panic() -> TestResult {
    const INTERESTING: &[u8] = b"\n\r\t :;<>=?-\"'\\/*%@[]()\x00\xff\x80\xc3";
    let mut rng = Lcg::new(0x5eed_0b17);
    let mut problems = Vec::new();
    let (mut runs, mut recovered) = (0, 0);
    for relative in SMALL.iter().chain(LARGER) {
        let raw = fs::read(corpus_dir()?.join(relative))?;
        if raw.is_empty() {
            continue;
        }
        for round in 0..150 {
            let mut mutated = raw.clone();
            let flips = 1 + rng.below(8);
            for _ in 0..flips {
                let at = rng.below(mutated.len());
                mutated[at] = if rng.below(2) == 0 {
                    INTERESTING[rng.below(INTERESTING.len())]
                } else {
                    rng.next_u64() as u8
                };
            }
            // Sometimes also cut it short.
            if round % 5 == 0 {
                let len = rng.below(mutated.len() + 1);
                mutated.truncate(len);
            }
            runs += 1;
            match parse_guarded(&mutated, &format!("{relative} mutation {round}")) {
                Ok(Outcome::Parsed(_)) => {}
                Ok(Outcome::Recovered) => recovered += 1,
                Err(e) => problems.push(e),
            }
        }
    }
    println!("byte flips: {runs} parses, {recovered} recovered from a mail-parser panic");
    assert!(
        problems.is_empty(),
        "{} mutations failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    Ok(())
}
