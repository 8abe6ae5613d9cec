//! Building the message a user sends: headers (From, To, Cc, Date, Message-ID, In-Reply-To,
//! References, Subject), a text body with an optional HTML alternative, attachments. lettre
//! writes the MIME (encoded words, quoted-printable or base64 as needed); Bcc goes to the
//! envelope only.

use std::time::SystemTime;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};

/// A file to attach.
#[derive(Debug, Clone)]
pub struct OutgoingFile {
    /// Name shown to the recipient.
    pub filename: String,
    /// `type/subtype`.
    pub mime_type: String,
    /// Content.
    pub data: Vec<u8>,
}

/// What the user wrote.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The sender: `Name <address>` or an address.
    pub from: String,
    /// Recipients, each `Name <address>` or an address.
    pub to: Vec<String>,
    /// Copies.
    pub cc: Vec<String>,
    /// Blind copies (envelope only).
    pub bcc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// The text body.
    pub text: String,
    /// An HTML alternative of the same body.
    pub html: Option<String>,
    /// Attachments.
    pub files: Vec<OutgoingFile>,
    /// The Message-ID to give it (without `<>`).
    pub message_id: String,
    /// The message answered (without `<>`).
    pub in_reply_to: Option<String>,
    /// The thread's ids, oldest first (without `<>`).
    pub references: Vec<String>,
    /// The Date header.
    pub date: SystemTime,
    /// An iTIP message (RFC 6047): its METHOD and iCalendar text, sent as a `text/calendar`
    /// alternative of the text.
    pub calendar: Option<(String, String)>,
}

/// A built message.
#[derive(Debug, Clone)]
pub struct Built {
    /// The RFC 5322 bytes (without Bcc).
    pub raw: Vec<u8>,
    /// Envelope sender (address only).
    pub mail_from: String,
    /// Envelope recipients: To, Cc and Bcc addresses, each once.
    pub recipients: Vec<String>,
}

fn mailbox(text: &str) -> Result<Mailbox, String> {
    text.trim()
        .parse::<Mailbox>()
        .map_err(|e| format!("{} is not a mail address: {e}", text.trim()))
}

/// Builds the message. Errors say which address or part is wrong.
pub fn build(m: &Outgoing) -> Result<Built, String> {
    if m.to.is_empty() && m.cc.is_empty() && m.bcc.is_empty() {
        return Err("The message has no recipient".into());
    }
    let from = mailbox(&m.from)?;
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .subject(m.subject.clone())
        .date(m.date)
        .message_id(Some(format!("<{}>", m.message_id)));
    let mut recipients: Vec<String> = Vec::new();
    let mut note = |mb: &Mailbox| {
        let address = mb.email.to_string();
        if !recipients.iter().any(|r| r.eq_ignore_ascii_case(&address)) {
            recipients.push(address);
        }
    };
    for to in &m.to {
        let mb = mailbox(to)?;
        note(&mb);
        builder = builder.to(mb);
    }
    for cc in &m.cc {
        let mb = mailbox(cc)?;
        note(&mb);
        builder = builder.cc(mb);
    }
    for bcc in &m.bcc {
        let mb = mailbox(bcc)?;
        note(&mb);
        builder = builder.bcc(mb);
    }
    if let Some(parent) = &m.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !m.references.is_empty() {
        let refs: Vec<String> = m.references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(refs.join(" "));
    }
    let body = match (&m.html, &m.calendar) {
        (_, Some((method, ics))) => {
            let content_type = ContentType::parse(&format!(
                "text/calendar; method={}; charset=utf-8",
                method.to_ascii_uppercase()
            ))
            .map_err(|e| format!("Cannot label the invitation: {e}"))?;
            Content::Multi(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(m.text.clone()))
                    .singlepart(SinglePart::builder().header(content_type).body(ics.clone())),
            )
        }
        (Some(html), None) => Content::Multi(MultiPart::alternative_plain_html(
            m.text.clone(),
            html.clone(),
        )),
        (None, None) => Content::Single(SinglePart::plain(m.text.clone())),
    };
    let message = if m.files.is_empty() {
        match body {
            Content::Multi(part) => builder.multipart(part),
            Content::Single(part) => builder.singlepart(part),
        }
    } else {
        let mut mixed = match body {
            Content::Multi(part) => MultiPart::mixed().multipart(part),
            Content::Single(part) => MultiPart::mixed().singlepart(part),
        };
        for file in &m.files {
            let content_type = ContentType::parse(&file.mime_type)
                .or_else(|_| ContentType::parse("application/octet-stream"))
                .map_err(|e| format!("{}: {e}", file.filename))?;
            // Always base64: binary-safe, and no line ever too long for SMTP.
            let body = Body::new_with_encoding(file.data.clone(), ContentTransferEncoding::Base64)
                .map_err(|_| format!("{}: cannot encode the attachment", file.filename))?;
            mixed =
                mixed.singlepart(Attachment::new(file.filename.clone()).body(body, content_type));
        }
        builder.multipart(mixed)
    }
    .map_err(|e| format!("Cannot build the message: {e}"))?;
    Ok(Built {
        raw: message.formatted(),
        mail_from: from.email.to_string(),
        recipients,
    })
}

enum Content {
    Single(SinglePart),
    Multi(MultiPart),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            from: "Alice <alice@example.com>".into(),
            to: vec!["Bob <bob@example.com>".into()],
            cc: vec!["carol@example.com".into(), "BOB@example.com".into()],
            bcc: vec!["dave@example.com".into()],
            subject: "Re: Grüße".into(),
            text: "Hello\n\n> quoted".into(),
            html: Some("<p>Hello</p>".into()),
            files: vec![OutgoingFile {
                filename: "notes.txt".into(),
                mime_type: "text/plain".into(),
                data: b"some notes".to_vec(),
            }],
            message_id: "m1@example.com".into(),
            in_reply_to: Some("p1@example.com".into()),
            references: vec!["r0@example.com".into(), "p1@example.com".into()],
            date: SystemTime::UNIX_EPOCH,
            calendar: None,
        }
    }

    #[test]
    fn headers_body_and_envelope() {
        let built = build(&outgoing()).unwrap();
        let parsed = orbit_mail_check(&built.raw);
        assert!(parsed.contains("Message-ID: <m1@example.com>"), "{parsed}");
        assert!(parsed.contains("In-Reply-To: <p1@example.com>"), "{parsed}");
        assert!(
            parsed.contains("References: <r0@example.com> <p1@example.com>"),
            "{parsed}"
        );
        assert!(parsed.contains("multipart/mixed"), "{parsed}");
        assert!(parsed.contains("multipart/alternative"), "{parsed}");
        assert!(parsed.contains("filename=\"notes.txt\""), "{parsed}");
        assert!(
            !parsed.contains("dave@example.com"),
            "Bcc stays off the message: {parsed}"
        );
        assert_eq!(built.mail_from, "alice@example.com");
        assert_eq!(
            built.recipients,
            ["bob@example.com", "carol@example.com", "dave@example.com"]
        );
    }

    #[test]
    fn bad_addresses_and_no_recipient_are_errors() {
        let mut m = outgoing();
        m.to = vec!["not an address".into()];
        assert!(build(&m).unwrap_err().contains("not an address"));
        let mut m = outgoing();
        m.to.clear();
        m.cc.clear();
        m.bcc.clear();
        assert!(build(&m).unwrap_err().contains("no recipient"));
    }

    #[test]
    fn no_line_is_too_long_for_smtp() {
        let mut m = outgoing();
        m.text = format!("{}\nshort\n", "word ".repeat(700));
        m.html = None;
        m.files[0].data = "x".repeat(5000).into_bytes();
        let built = build(&m).unwrap();
        let longest = built
            .raw
            .split(|&b| b == b'\n')
            .map(<[u8]>::len)
            .max()
            .unwrap();
        assert!(longest <= 998, "longest line {longest}");
    }

    fn orbit_mail_check(raw: &[u8]) -> String {
        String::from_utf8_lossy(raw).into_owned()
    }
}
