//! Parsing a raw RFC 5322 message into [`ParsedMessage`]: decoded headers, readable text,
//! the HTML body, attachments (inline images and nested messages included), a snippet and
//! notes on whatever was wrong with it.
//!
//! MIME work is mail-parser 0.11's; this module picks the parts, reads the id headers itself
//! (see `ids`), re-reads 8-bit headers that are not UTF-8 as Windows-1252, and records
//! defects. mail-parser runs inside `catch_unwind`: it is third-party code fed hostile input,
//! and a panic there must become a defect, not a crashed sync.

use std::borrow::Cow;
use std::panic;

use mail_parser::{
    Header, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};
use sha2::{Digest, Sha256};

use crate::address::{self, Address};
use crate::html::html_to_text;
use crate::ids::parse_id_list;
use crate::snippet::make_snippet;

/// A file carried by a message: an attachment, an inline image, or a forwarded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name from `Content-Disposition: filename` or `Content-Type: name` (RFC 2047/2231
    /// decoded, directory parts removed); for a nested message without one, its subject plus
    /// `.eml`.
    pub filename: Option<String>,
    /// Lower-case `type/subtype`.
    pub mime_type: String,
    /// `Content-ID` without `<>`, which HTML refers to as `cid:…`.
    pub content_id: Option<String>,
    /// Shown in the body rather than listed: `Content-Disposition: inline`, or no disposition
    /// but a `Content-ID`.
    pub inline: bool,
    /// The decoded content (base64/quoted-printable undone). Text parts come as UTF-8; a
    /// nested message comes as its raw bytes, ready to save as `.eml`.
    pub data: Vec<u8>,
}

/// Everything Orbit keeps from one raw message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedMessage {
    /// `Message-ID` without angle brackets, trimmed; `None` when absent or unusable
    /// (see [`synthetic_message_id`]).
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    /// In header order, deduplicated, without `<>`.
    pub references: Vec<String>,
    /// RFC 2047 decoded, `""` when absent.
    pub subject: String,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// Unix seconds, UTC; `None` when absent or unparseable.
    pub date: Option<i64>,
    /// Readable plain text: the text/plain body parts joined, or the HTML converted when
    /// there is only HTML.
    pub text: String,
    /// The HTML body as sent (not sanitised), decoded to UTF-8.
    pub html: Option<String>,
    /// About 160 characters of `text` without quoted lines, for message lists.
    pub snippet: String,
    pub attachments: Vec<Attachment>,
    /// Length of the raw message in bytes.
    pub size: usize,
    /// Notes for people on what was missing or broken ("no Message-ID", …).
    pub defects: Vec<String>,
}

/// Parses a raw message. Never panics, whatever the bytes; see [`ParsedMessage::defects`].
pub fn parse(raw: &[u8]) -> ParsedMessage {
    if let Ok(parsed) = panic::catch_unwind(|| parse_message(raw, Mode::Full)) {
        return parsed;
    }
    // mail-parser gave up on the MIME structure (in debug builds its debug_assert!s fire on
    // some broken nestings): keep the headers, show the body's text.
    if let Ok(mut parsed) = panic::catch_unwind(|| parse_message(raw, Mode::HeadersOnly)) {
        parsed
            .defects
            .push("the MIME parser failed on this message's body; showing its raw text".into());
        return parsed;
    }
    let mut parsed = unparsed(raw);
    parsed
        .defects
        .push("the MIME parser failed on this message; showing it as plain text".into());
    parsed
}

/// How much of the message mail-parser is asked to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    /// Headers only; the body is salvaged as raw text.
    HeadersOnly,
}

/// A stable id for a message that has no usable `Message-ID`: `orbit-<sha256 hex>@local`
/// over the header block (everything before the first blank line), or over the whole
/// message when it has no blank line. The same bytes always give the same id.
pub fn synthetic_message_id(raw: &[u8]) -> String {
    let block = raw.get(..header_block_end(raw)).unwrap_or(raw);
    let digest = Sha256::digest(block);
    let mut id = String::with_capacity(6 + 64 + 6);
    id.push_str("orbit-");
    for byte in digest {
        id.push(hex_digit(byte >> 4));
        id.push(hex_digit(byte & 0x0f));
    }
    id.push_str("@local");
    id
}

/// The ids this message points at for threading: `References`, then `In-Reply-To`,
/// deduplicated, without the message's own id.
pub fn reference_chain(m: &ParsedMessage) -> Vec<String> {
    let mut chain: Vec<String> = Vec::with_capacity(m.references.len() + m.in_reply_to.len());
    for id in m.references.iter().chain(&m.in_reply_to) {
        if Some(id) != m.message_id.as_ref() && !chain.contains(id) {
            chain.push(id.clone());
        }
    }
    chain
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

/// Offset just past the header block: the end of the first blank line, or the whole length.
fn header_block_end(raw: &[u8]) -> usize {
    let mut line_start = 0;
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\n' {
            let line = raw.get(line_start..i).unwrap_or_default();
            if line.is_empty() || line == b"\r" {
                return if line_start == 0 { raw.len() } else { i + 1 };
            }
            line_start = i + 1;
        }
    }
    raw.len()
}

/// What is shown for input in which no header could be found: the bytes as text.
fn unparsed(raw: &[u8]) -> ParsedMessage {
    let text = String::from_utf8_lossy(raw).trim().to_string();
    ParsedMessage {
        snippet: make_snippet(&text),
        text,
        size: raw.len(),
        ..ParsedMessage::default()
    }
}

/// The header fields Orbit reads, each parsed as its kind; every other field (Received,
/// DKIM-Signature, List-*, …: often most of a header block) is kept raw, unparsed.
static PARSER: std::sync::LazyLock<MessageParser> = std::sync::LazyLock::new(|| {
    MessageParser::new()
        .with_mime_headers()
        .with_address_headers()
        .with_message_ids()
        .header_date(HeaderName::Date)
        .header_text(HeaderName::Subject)
        .default_header_raw()
});

fn parse_message(full: &[u8], mode: Mode) -> ParsedMessage {
    if full.iter().all(u8::is_ascii_whitespace) {
        let mut parsed = unparsed(full);
        parsed.defects.push("empty message".into());
        return parsed;
    }
    let mut defects = Vec::new();
    let skip = leading_junk(full);
    if skip > 0 {
        defects.push("blank or mbox \"From \" lines before the headers; skipped".to_string());
    }
    let raw = full.get(skip..).unwrap_or(full);
    let parser = &*PARSER;
    let parsed = match mode {
        Mode::Full => parser.parse(raw),
        Mode::HeadersOnly => parser.parse_headers(raw),
    };
    let Some(message) = parsed else {
        let mut parsed = unparsed(full);
        parsed
            .defects
            .push("no header found; showing the message as plain text".into());
        return parsed;
    };
    let Some(root) = message.parts.first() else {
        let mut parsed = unparsed(full);
        parsed.defects.push("no MIME part found".into());
        return parsed;
    };

    // Headers that are not UTF-8 are re-read as Windows-1252 for the display fields.
    let header_end = match mode {
        Mode::Full => usize::try_from(root.offset_body).unwrap_or(raw.len()),
        Mode::HeadersOnly => header_block_end(raw),
    }
    .min(raw.len());
    let header_bytes = raw.get(..header_end).unwrap_or_default();
    let recoded = if std::str::from_utf8(header_bytes).is_err() {
        defects.push("header bytes that are not UTF-8 (read as Windows-1252)".to_string());
        let mut text = decode_lossy_cp1252(header_bytes);
        text.push_str("\r\n\r\n");
        Some(text)
    } else {
        None
    };
    let recoded_message = recoded
        .as_deref()
        .and_then(|text| parser.parse_headers(text.as_bytes()));
    let display = match (
        &recoded,
        recoded_message.as_ref().and_then(|m| m.parts.first()),
    ) {
        (Some(text), Some(part)) => Headers {
            list: &part.headers,
            source: text.as_bytes(),
        },
        _ => Headers {
            list: &root.headers,
            source: raw,
        },
    };
    let ids = Headers {
        list: &root.headers,
        source: raw,
    };

    let message_id = read_message_id(&ids, &mut defects);
    let in_reply_to = ids.id_list(&HeaderName::InReplyTo);
    let references = ids.id_list(&HeaderName::References);
    let subject = read_subject(&display);
    let from = read_from(&display, &mut defects);
    let date = read_date(&ids, &mut defects);

    let (text, html, attachments) = match mode {
        Mode::Full => {
            let (text, html) = read_bodies(&message);
            let attachments = read_attachments(&message, raw, &mut defects);
            note_part_defects(&message, raw, &mut defects);
            (text, html, attachments)
        }
        Mode::HeadersOnly => (String::new(), None, Vec::new()),
    };

    let mut text = text;
    if text.trim().is_empty() && html.is_none() && attachments.is_empty() {
        let body = raw.get(header_end..).unwrap_or_default();
        if !body.iter().all(u8::is_ascii_whitespace) {
            text = salvage_body_text(body);
            if mode == Mode::Full {
                defects.push(if text.is_empty() {
                    "no readable body part".to_string()
                } else {
                    "no readable body part; showing the raw body text".to_string()
                });
            }
        }
    }

    ParsedMessage {
        message_id,
        in_reply_to,
        references,
        subject,
        from,
        to: display.addresses(&HeaderName::To),
        cc: display.addresses(&HeaderName::Cc),
        bcc: display.addresses(&HeaderName::Bcc),
        reply_to: display.addresses(&HeaderName::ReplyTo),
        date,
        snippet: make_snippet(&text),
        text,
        html,
        attachments,
        size: full.len(),
        defects,
    }
}

/// The lines of a body MIME could not split, without boundary lines and part headers, for
/// a message that would otherwise show nothing.
fn salvage_body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let kept: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|line| !is_mime_scaffolding(line))
        .collect();
    kept.join("\n").trim().to_string()
}

/// A boundary line (`--…`) or a MIME part header (`Content-…:`).
fn is_mime_scaffolding(line: &str) -> bool {
    let lower = line.trim_start().to_ascii_lowercase();
    (line.starts_with("--") && !line.contains(' '))
        || lower.starts_with("content-") && lower.contains(':')
}

/// Bytes to skip before the headers: whitespace-only lines and an mbox `From ` line, but
/// only when a header field follows them (otherwise the input is left as it is).
fn leading_junk(raw: &[u8]) -> usize {
    let mut offset = 0;
    loop {
        let rest = raw.get(offset..).unwrap_or_default();
        let line_len = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |p| p + 1);
        let line = rest.get(..line_len).unwrap_or_default();
        let blank = line.iter().all(u8::is_ascii_whitespace);
        let mbox_from = line.starts_with(b"From ");
        if line_len < rest.len() && (blank || mbox_from) {
            offset += line_len;
            continue;
        }
        return if offset > 0 && starts_with_header_field(rest) {
            offset
        } else {
            0
        };
    }
}

/// Whether `bytes` starts with `Name:` (printable ASCII without space or colon, then ':').
fn starts_with_header_field(bytes: &[u8]) -> bool {
    let name_len = bytes
        .iter()
        .take_while(|&&b| b.is_ascii_graphic() && b != b':')
        .count();
    name_len > 0 && bytes.get(name_len) == Some(&b':')
}

/// A header list and the bytes its offsets point into.
struct Headers<'a, 'x> {
    list: &'a [Header<'x>],
    source: &'a [u8],
}

impl<'a, 'x> Headers<'a, 'x> {
    fn first(&self, name: &HeaderName<'_>) -> Option<&'a Header<'x>> {
        self.list.iter().find(|h| &h.name == name)
    }

    fn all(&self, name: &HeaderName<'_>) -> impl Iterator<Item = &'a Header<'x>> {
        self.list.iter().filter(move |h| &h.name == name)
    }

    /// The header's value as written, unfolded and trimmed, for defect notes and id lists.
    fn raw(&self, header: &Header<'_>) -> String {
        let start = usize::try_from(header.offset_start).unwrap_or(usize::MAX);
        let end = usize::try_from(header.offset_end).unwrap_or(usize::MAX);
        let bytes = self.source.get(start..end).unwrap_or_default();
        let text = String::from_utf8_lossy(bytes);
        text.split(['\r', '\n'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn id_list(&self, name: &HeaderName<'_>) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for header in self.all(name) {
            for id in parse_id_list(&self.raw(header)) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    fn addresses(&self, name: &HeaderName<'_>) -> Vec<Address> {
        let mut out: Vec<Address> = Vec::new();
        for header in self.all(name) {
            let found = match &header.value {
                HeaderValue::Address(a) => address::from_parser(a),
                _ => Vec::new(),
            };
            for a in found {
                let dup = !a.email.is_empty()
                    && out.iter().any(|o| o.email.eq_ignore_ascii_case(&a.email));
                if !dup {
                    out.push(a);
                }
            }
        }
        out
    }
}

fn read_message_id(headers: &Headers<'_, '_>, defects: &mut Vec<String>) -> Option<String> {
    let Some(header) = headers.first(&HeaderName::MessageId) else {
        defects.push("no Message-ID".into());
        return None;
    };
    let raw = headers.raw(header);
    let id = parse_id_list(&raw).into_iter().next();
    if id.is_none() {
        defects.push(format!("unusable Message-ID: {}", shorten(&raw)));
    }
    id
}

fn read_subject(headers: &Headers<'_, '_>) -> String {
    let Some(header) = headers.first(&HeaderName::Subject) else {
        return String::new();
    };
    let decoded = match &header.value {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(list) => list.join(" "),
        _ => headers.raw(header),
    };
    decoded
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn read_from(headers: &Headers<'_, '_>, defects: &mut Vec<String>) -> Option<Address> {
    let first_of = |name: &HeaderName<'_>| {
        headers
            .all(name)
            .filter_map(|h| match &h.value {
                HeaderValue::Address(a) => address::from_parser(a).into_iter().next(),
                _ => None,
            })
            .next()
    };
    if let Some(from) = first_of(&HeaderName::From) {
        return Some(from);
    }
    match headers.first(&HeaderName::From) {
        Some(header) => {
            let raw = headers.raw(header);
            if raw.is_empty() {
                defects.push("empty From".into());
            } else {
                defects.push(format!("unparseable From: {}", shorten(&raw)));
            }
        }
        None => defects.push("no From".into()),
    }
    let sender = first_of(&HeaderName::Sender);
    if sender.is_some() {
        defects.push("sender taken from the Sender header".into());
    }
    sender
}

fn read_date(headers: &Headers<'_, '_>, defects: &mut Vec<String>) -> Option<i64> {
    let Some(header) = headers.first(&HeaderName::Date) else {
        defects.push("no Date".into());
        return None;
    };
    match &header.value {
        HeaderValue::DateTime(dt) if dt.is_valid() => Some(dt.to_timestamp()),
        _ => {
            defects.push(format!(
                "unparseable Date: {}",
                shorten(&headers.raw(header))
            ));
            None
        }
    }
}

/// The readable text and the HTML body. Text is the text/plain body parts joined by blank
/// lines; when there are none, the HTML body parts converted to text.
fn read_bodies(message: &Message<'_>) -> (String, Option<String>) {
    let part = |id: &u32| message.parts.get(usize::try_from(*id).ok()?);
    let mut plain: Vec<&str> = Vec::new();
    for p in message.text_body.iter().filter_map(part) {
        if let PartType::Text(t) = &p.body {
            plain.push(t);
        }
    }
    let mut html_ids: Vec<u32> = Vec::new();
    for &id in message.html_body.iter().chain(&message.text_body) {
        if !html_ids.contains(&id) {
            html_ids.push(id);
        }
    }
    let html: Vec<&str> = html_ids
        .iter()
        .filter_map(part)
        .filter_map(|p| match &p.body {
            PartType::Html(h) => Some(h.as_ref()),
            _ => None,
        })
        .collect();
    let text = if plain.iter().any(|t| !t.trim().is_empty()) {
        join_parts(plain.iter().map(|t| t.trim_end().to_string()))
    } else if !html.is_empty() {
        join_parts(html.iter().map(|h| html_to_text(h)))
    } else {
        // A multipart whose boundary never came is all text; show it rather than nothing.
        join_parts(
            message
                .parts
                .iter()
                .filter_map(broken_multipart_text)
                .map(|t| t.trim_end().to_string()),
        )
    };
    let html = if html.is_empty() {
        None
    } else {
        Some(html.join("\n"))
    };
    (text, html)
}

/// The content of a part declared multipart that mail-parser had to keep whole (as text or
/// bytes) because its boundary is missing or never appeared.
fn broken_multipart_text<'m>(part: &'m MessagePart<'_>) -> Option<Cow<'m, str>> {
    let declared_multipart = part
        .content_type()
        .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"));
    if !declared_multipart {
        return None;
    }
    match &part.body {
        PartType::Text(t) => Some(Cow::Borrowed(t.as_ref())),
        PartType::Binary(b) | PartType::InlineBinary(b) => Some(String::from_utf8_lossy(b)),
        _ => None,
    }
}

fn join_parts(parts: impl Iterator<Item = String>) -> String {
    let parts: Vec<String> = parts.filter(|p| !p.trim().is_empty()).collect();
    parts.join("\n\n")
}

/// Every part mail-parser did not use as a body: attachments, inline images, nested
/// messages, and text parts that are not the body (a `.txt` attachment, `text/calendar`).
fn read_attachments(
    message: &Message<'_>,
    raw: &[u8],
    defects: &mut Vec<String>,
) -> Vec<Attachment> {
    let mut seen: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for &id in &message.attachments {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let Some(part) = usize::try_from(id).ok().and_then(|i| message.parts.get(i)) else {
            continue;
        };
        if broken_multipart_text(part).is_some() {
            // Shown as the text (see read_bodies), not offered as a file.
            continue;
        }
        if let Some(attachment) = attachment_of(part, raw, defects) {
            out.push(attachment);
        }
    }
    out
}

fn attachment_of(
    part: &MessagePart<'_>,
    raw: &[u8],
    defects: &mut Vec<String>,
) -> Option<Attachment> {
    let declared = part.content_type().map(|ct| match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
        None => ct.ctype().to_ascii_lowercase(),
    });
    let (default_type, data): (&str, Vec<u8>) = match &part.body {
        PartType::Text(t) => ("text/plain", t.as_bytes().to_vec()),
        PartType::Html(h) => ("text/html", h.as_bytes().to_vec()),
        PartType::Binary(b) | PartType::InlineBinary(b) => ("application/octet-stream", b.to_vec()),
        PartType::Message(m) => ("message/rfc822", nested_message_bytes(part, m, raw)),
        PartType::Multipart(_) => return None,
    };
    let mime_type = match declared {
        Some(t) if t.contains('/') => t,
        _ => default_type.to_string(),
    };
    let content_id = part
        .content_id()
        .map(crate::ids::clean_id)
        .filter(|id| !id.is_empty());
    let disposition = part
        .content_disposition()
        .map(|d| d.ctype().to_ascii_lowercase());
    let inline = match disposition.as_deref() {
        Some("attachment") => false,
        Some("inline") => true,
        _ => content_id.is_some(),
    };
    let mut filename = part
        .attachment_name()
        .map(clean_filename)
        .or_else(|| raw_filename(part, raw))
        .filter(|n| !n.is_empty());
    let is_message_type = ["message/rfc822", "message/global", "message/news"]
        .iter()
        .any(|t| mime_type.starts_with(t));
    if filename.is_none() && (is_message_type || matches!(part.body, PartType::Message(_))) {
        filename = Some(nested_filename(part));
    }
    if is_message_type && mime_type != "message/news" && !matches!(part.body, PartType::Message(_))
    {
        defects.push(format!(
            "attached message {} could not be parsed; kept as raw bytes",
            filename.as_deref().unwrap_or("(unnamed)")
        ));
    }
    Some(Attachment {
        filename,
        mime_type,
        content_id,
        inline,
        data,
    })
}

/// The raw bytes of a nested message. mail-parser keeps the outer message's bytes for a
/// nested message that was not transfer-encoded, so those are cut out by the part offsets.
fn nested_message_bytes(part: &MessagePart<'_>, nested: &Message<'_>, raw: &[u8]) -> Vec<u8> {
    let start = usize::try_from(part.offset_body).unwrap_or(usize::MAX);
    let end = usize::try_from(part.offset_end).unwrap_or(0);
    if matches!(part.encoding, mail_parser::Encoding::None)
        && let Some(bytes) = raw.get(start..end)
    {
        return trim_trailing_newline(bytes).to_vec();
    }
    nested.raw_message.to_vec()
}

fn trim_trailing_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// A `filename=` or `name=` parameter read straight from the part's raw header lines, for
/// headers too broken for mail-parser (`Content-Disposition: ;` followed by a filename).
fn raw_filename(part: &MessagePart<'_>, raw: &[u8]) -> Option<String> {
    let start = usize::try_from(part.offset_header).ok()?;
    let end = usize::try_from(part.offset_body).ok()?;
    let headers = String::from_utf8_lossy(raw.get(start..end)?);
    let lower = headers.to_ascii_lowercase();
    for key in ["filename=", "name="] {
        let mut from = 0;
        while let Some(found) = lower.get(from..).and_then(|rest| rest.find(key)) {
            let at = from + found;
            from = at + key.len();
            let boundary_ok = at == 0
                || lower
                    .get(..at)
                    .and_then(|before| before.chars().next_back())
                    .is_some_and(|c| c == ';' || c.is_whitespace());
            if !boundary_ok {
                continue;
            }
            let value = headers.get(from..)?;
            let name = match value.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next(),
                None => value.split([';', '\r', '\n', ' ', '\t']).next(),
            };
            if let Some(name) = name.map(clean_filename).filter(|n| !n.is_empty()) {
                return Some(name);
            }
        }
    }
    None
}

/// `"<subject>.eml"` for a nested message, or `"message.eml"`.
fn nested_filename(part: &MessagePart<'_>) -> String {
    let subject = part
        .message()
        .and_then(|m| m.parts.first())
        .and_then(|root| {
            root.headers
                .iter()
                .find(|h| h.name == HeaderName::Subject)
                .and_then(|h| h.value.as_text())
        })
        .map(clean_filename)
        .unwrap_or_default();
    let stem: String = subject.chars().take(100).collect();
    let stem = stem.trim();
    if stem.is_empty() {
        "message.eml".to_string()
    } else {
        format!("{stem}.eml")
    }
}

/// A filename without directory parts or control characters, trimmed.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.trim().to_string()
}

/// Notes on broken parts: undecodable content and multiparts without a usable boundary or
/// without their closing boundary.
fn note_part_defects(message: &Message<'_>, raw: &[u8], defects: &mut Vec<String>) {
    for (index, part) in message.parts.iter().enumerate() {
        let ctype = part.content_type();
        let is_multipart = ctype.is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"));
        if is_multipart {
            match ctype.and_then(|ct| ct.attribute("boundary")) {
                None => defects.push(format!("multipart part {index} has no boundary")),
                Some(_) if !part.is_multipart() => {
                    defects.push(format!("multipart part {index}: boundary never found"));
                }
                Some(boundary) => {
                    let mut closing = b"--".to_vec();
                    closing.extend_from_slice(boundary.as_bytes());
                    closing.extend_from_slice(b"--");
                    if !contains(raw, &closing) {
                        defects.push(format!(
                            "multipart part {index}: closing boundary missing (truncated part)"
                        ));
                    }
                }
            }
        }
        if part.is_encoding_problem {
            defects.push(format!(
                "part {index} is truncated or badly encoded; kept as found"
            ));
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(haystack, needle).is_some()
}

/// A header value shortened for a defect note.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Decodes bytes as UTF-8 where they are valid and as Windows-1252 where they are not, so
/// a header block mixing both (common in old mailers) reads as intended.
fn decode_lossy_cp1252(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                break;
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad_len = error.error_len().unwrap_or(after.len()).max(1);
                let (bad, next) = after.split_at(bad_len.min(after.len()));
                out.extend(bad.iter().map(|&b| cp1252_char(b)));
                rest = next;
            }
        }
    }
    out
}

/// One Windows-1252 byte as a char (0x80–0x9F hold typographic characters; the five
/// undefined bytes map to their Latin-1 control code points).
fn cp1252_char(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH
            .get(usize::from(byte - 0x80))
            .copied()
            .unwrap_or(char::REPLACEMENT_CHARACTER),
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_fallback_keeps_valid_utf8() {
        assert_eq!(decode_lossy_cp1252(b"L\xfctke"), "Lütke");
        assert_eq!(decode_lossy_cp1252("Юни\u{0}".as_bytes()), "Юни\u{0}");
        assert_eq!(decode_lossy_cp1252(b"\xd0\xae\xf1 x\x85"), "Юñ x…");
    }

    #[test]
    fn header_block_ends_at_first_blank_line() {
        assert_eq!(header_block_end(b"A: b\r\n\r\nbody"), 8);
        assert_eq!(header_block_end(b"A: b\n\nbody"), 6);
        assert_eq!(header_block_end(b"A: b\nC: d"), 9);
        assert_eq!(header_block_end(b""), 0);
        assert_eq!(
            header_block_end(b"\n\nbody"),
            6,
            "leading blank line: whole message"
        );
    }
}
