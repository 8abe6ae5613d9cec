//! IMAP commands for synchronisation, each as one exchange: send the command, read every
//! response up to its tagged completion, and return what the responses said as plain data
//! (folders, UIDs, flags, modification sequences, VANISHED ranges, message bytes).
//!
//! Reading the responses here, instead of through async-imap's streams, means nothing goes to
//! its bounded unsolicited channel (which silently drops past 100 entries): EXPUNGE, VANISHED
//! and FETCH data that arrive during any command are all returned to the caller.

use std::borrow::Cow;
use std::collections::BTreeSet;

use async_imap::imap_proto::{
    AttributeValue, MailboxDatum, NameAttribute, Response, ResponseCode, Status,
};
use orbit_net::{FailureKind, NetError};

use crate::{ImapError, Session, from_imap};

/// The special use of a folder (RFC 6154), or the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// INBOX.
    Inbox,
    /// \Sent.
    Sent,
    /// \Drafts.
    Drafts,
    /// \Archive.
    Archive,
    /// \Trash.
    Trash,
    /// \Junk.
    Junk,
    /// \All (every message, e.g. Gmail's All Mail).
    All,
    /// \Flagged (a virtual folder of flagged messages).
    Flagged,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inbox => "inbox",
            Role::Sent => "sent",
            Role::Drafts => "drafts",
            Role::Archive => "archive",
            Role::Trash => "trash",
            Role::Junk => "junk",
            Role::All => "all",
            Role::Flagged => "flagged",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Role> {
        Some(match name {
            "inbox" => Role::Inbox,
            "sent" => Role::Sent,
            "drafts" => Role::Drafts,
            "archive" => Role::Archive,
            "trash" => Role::Trash,
            "junk" => Role::Junk,
            "all" => Role::All,
            "flagged" => Role::Flagged,
            _ => return None,
        })
    }
}

/// A folder as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderInfo {
    /// The name as the server spells it (modified UTF-7), used in commands.
    pub name: String,
    /// The hierarchy delimiter.
    pub delimiter: Option<String>,
    /// Its special use.
    pub role: Option<Role>,
    /// Whether it can be selected (not `\Noselect`/`\NonExistent`).
    pub selectable: bool,
}

/// A message's flags (and modification sequence) on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFlags {
    /// UID.
    pub uid: u32,
    /// Flags as the server spells them (`\Seen`, `$Forwarded`…), sorted.
    pub flags: Vec<String>,
    /// MODSEQ, when the server has CONDSTORE.
    pub modseq: Option<u64>,
}

/// What SELECT reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selected {
    /// UIDVALIDITY.
    pub uidvalidity: u32,
    /// UIDNEXT (0 when the server did not say).
    pub uidnext: u32,
    /// HIGHESTMODSEQ; `None` when the server keeps no modification sequences (NOMODSEQ).
    pub highestmodseq: Option<u64>,
    /// EXISTS.
    pub exists: u32,
    /// UIDs reported gone (`VANISHED (EARLIER)` with QRESYNC).
    pub vanished: BTreeSet<u32>,
    /// Flag changes reported during SELECT with QRESYNC.
    pub changed: Vec<RemoteFlags>,
}

/// A fetched message header summary: enough to recognise a message we already have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSummary {
    /// UID.
    pub uid: u32,
    /// Flags.
    pub flags: Vec<String>,
    /// MODSEQ.
    pub modseq: Option<u64>,
    /// INTERNALDATE as Unix seconds.
    pub internal_date: Option<i64>,
    /// RFC822.SIZE.
    pub size: u32,
    /// The raw `Message-ID:` header block (may be empty).
    pub message_id_header: Vec<u8>,
}

/// A fetched whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    /// UID.
    pub uid: u32,
    /// Flags.
    pub flags: Vec<String>,
    /// MODSEQ.
    pub modseq: Option<u64>,
    /// INTERNALDATE as Unix seconds.
    pub internal_date: Option<i64>,
    /// The message.
    pub raw: Vec<u8>,
}

/// What a FETCH exchange returned: the data, plus anything the server announced meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOutcome<T> {
    /// One entry per message answered (UIDs the server no longer has are simply missing).
    pub items: Vec<T>,
    /// UIDs announced gone by VANISHED during the command.
    pub vanished: BTreeSet<u32>,
    /// Whether an EXPUNGE (by sequence number) arrived: UIDs can no longer be trusted to map,
    /// and the caller should re-list.
    pub expunged: bool,
}

impl<T> Default for FetchOutcome<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            vanished: BTreeSet::new(),
            expunged: false,
        }
    }
}

/// Quotes a mailbox name as an IMAP quoted string.
pub fn quote(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Formats UIDs as a compact sequence set ("1:5,7,9:10").
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted: Vec<u32> = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut iter = sorted.into_iter();
    let Some(mut start) = iter.next() else {
        return String::new();
    };
    let mut end = start;
    for uid in iter {
        if uid == end + 1 {
            end = uid;
        } else {
            parts.push(if start == end {
                start.to_string()
            } else {
                format!("{start}:{end}")
            });
            start = uid;
            end = uid;
        }
    }
    parts.push(if start == end {
        start.to_string()
    } else {
        format!("{start}:{end}")
    });
    parts.join(",")
}

fn flags_of(list: &[Cow<'_, str>]) -> Vec<String> {
    let mut flags: Vec<String> = list.iter().map(|f| f.to_string()).collect();
    flags.sort();
    flags.dedup();
    flags
}

fn internal_date(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(text.trim(), "%d-%b-%Y %H:%M:%S %z")
        .ok()
        .map(|d| d.timestamp())
}

/// One response as the exchange saw it.
enum Seen<'a> {
    Fetch(&'a [AttributeValue<'a>]),
    Vanished(&'a [std::ops::RangeInclusive<u32>]),
    Expunge,
    Other(&'a Response<'a>),
}

/// Sends `command` and hands each untagged response to `each`, until the tagged completion.
/// A NO or BAD completion is an error.
async fn exchange(
    session: &mut Session,
    command: &str,
    each: impl FnMut(Seen<'_>),
) -> Result<(), ImapError> {
    exchange_text(session, command, each).await.map(|_| ())
}

/// [`exchange`], returning the text of the tagged OK (response codes the parser does not know,
/// such as `[MODIFIED 7]`, are only there).
async fn exchange_text(
    session: &mut Session,
    command: &str,
    mut each: impl FnMut(Seen<'_>),
) -> Result<String, ImapError> {
    let doing = format!(
        "IMAP {}",
        command
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let tag = session
        .run_command(command)
        .await
        .map_err(|e| from_imap(e, &doing))?;
    loop {
        let Some(response) = session
            .read_response()
            .await
            .map_err(|e| NetError::new(orbit_net::classify_io(&e), format!("{doing}: {e}")))?
        else {
            return Err(NetError::new(
                FailureKind::Unreachable,
                format!("{doing}: the server closed the connection"),
            ));
        };
        match response.parsed() {
            Response::Done {
                tag: done,
                status,
                outcome,
            } if done.0 == tag.0 => {
                return match status {
                    Status::Ok => Ok(outcome.information.as_deref().unwrap_or("").to_owned()),
                    _ => Err(NetError::new(
                        FailureKind::Protocol,
                        format!(
                            "{doing}: the server said {}",
                            outcome.information.as_deref().unwrap_or("NO")
                        ),
                    )),
                };
            }
            Response::Fetch(_, attributes) => each(Seen::Fetch(attributes)),
            Response::Vanished { uids, .. } => each(Seen::Vanished(uids)),
            Response::Expunge(_) => each(Seen::Expunge),
            Response::Data {
                status: Status::Bye,
                outcome,
            } => {
                return Err(NetError::new(
                    FailureKind::Unreachable,
                    format!(
                        "{doing}: the server ended the session ({})",
                        outcome.information.as_deref().unwrap_or("BYE")
                    ),
                ));
            }
            other => each(Seen::Other(other)),
        }
    }
}

fn add_ranges(set: &mut BTreeSet<u32>, ranges: &[std::ops::RangeInclusive<u32>]) {
    for range in ranges {
        // A range from a hostile server could be huge; cap what one range can add.
        let (start, end) = (*range.start(), *range.end());
        if end >= start && end - start <= 10_000_000 {
            set.extend(start..=end);
        }
    }
}

/// Runs any command and checks that it completed with OK (for tests and maintenance).
pub async fn run(session: &mut Session, command: &str) -> Result<(), ImapError> {
    exchange(session, command, |_| {}).await
}

/// Turns on QRESYNC (and so CONDSTORE) when the server offers it. Returns whether it is on.
pub async fn enable_qresync(
    session: &mut Session,
    capabilities: &[String],
) -> Result<bool, ImapError> {
    if !capabilities.iter().any(|c| c == "QRESYNC") {
        return Ok(false);
    }
    exchange(session, "ENABLE QRESYNC", |_| {}).await?;
    Ok(true)
}

/// The capabilities after login, upper-case.
pub async fn capabilities(session: &mut Session) -> Result<Vec<String>, ImapError> {
    let caps = session
        .capabilities()
        .await
        .map_err(|e| from_imap(e, "IMAP CAPABILITY"))?;
    Ok(caps
        .iter()
        .map(|c| match c {
            async_imap::types::Capability::Imap4rev1 => "IMAP4REV1".to_owned(),
            async_imap::types::Capability::Auth(m) => format!("AUTH={}", m.to_uppercase()),
            async_imap::types::Capability::Atom(a) => a.to_uppercase(),
        })
        .collect())
}

/// Every folder, with its special use.
pub async fn list_folders(session: &mut Session) -> Result<Vec<FolderInfo>, ImapError> {
    let mut folders = Vec::new();
    exchange(session, "LIST \"\" \"*\"", |seen| {
        if let Seen::Other(Response::MailboxData(MailboxDatum::List(list))) = seen {
            let mut role = None;
            let mut selectable = true;
            for attribute in &list.name_attributes {
                match attribute {
                    NameAttribute::NoSelect => selectable = false,
                    NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent") => {
                        selectable = false;
                    }
                    NameAttribute::Sent => role = Some(Role::Sent),
                    NameAttribute::Drafts => role = Some(Role::Drafts),
                    NameAttribute::Archive => role = Some(Role::Archive),
                    NameAttribute::Trash => role = Some(Role::Trash),
                    NameAttribute::Junk => role = Some(Role::Junk),
                    NameAttribute::All => role = Some(Role::All),
                    NameAttribute::Flagged => role = Some(Role::Flagged),
                    _ => {}
                }
            }
            if list.name.eq_ignore_ascii_case("INBOX") {
                role = Some(Role::Inbox);
            }
            folders.push(FolderInfo {
                name: list.name.to_string(),
                delimiter: list.delimiter.as_ref().map(|d| d.to_string()),
                role,
                selectable,
            });
        }
    })
    .await?;
    Ok(folders)
}

/// SELECTs a folder. With `qresync = Some((uidvalidity, modseq))` (QRESYNC enabled), the
/// server reports what vanished and changed since; with `condstore`, it reports HIGHESTMODSEQ.
pub async fn select(
    session: &mut Session,
    name: &str,
    qresync: Option<(u32, u64)>,
    condstore: bool,
) -> Result<Selected, ImapError> {
    let command = match qresync {
        Some((validity, modseq)) if validity > 0 && modseq > 0 => {
            format!("SELECT {} (QRESYNC ({validity} {modseq}))", quote(name))
        }
        _ if condstore => format!("SELECT {} (CONDSTORE)", quote(name)),
        _ => format!("SELECT {}", quote(name)),
    };
    let mut selected = Selected::default();
    let mut nomodseq = false;
    exchange(session, &command, |seen| match seen {
        Seen::Fetch(attributes) => {
            if let Some(flags) = remote_flags(attributes) {
                selected.changed.push(flags);
            }
        }
        Seen::Vanished(ranges) => add_ranges(&mut selected.vanished, ranges),
        Seen::Expunge => {}
        Seen::Other(Response::MailboxData(MailboxDatum::Exists(n))) => selected.exists = *n,
        Seen::Other(Response::Data { outcome, .. }) => match &outcome.code {
            Some(ResponseCode::UidValidity(v)) => selected.uidvalidity = *v,
            Some(ResponseCode::UidNext(n)) => selected.uidnext = *n,
            Some(ResponseCode::HighestModSeq(m)) => selected.highestmodseq = Some(*m),
            _ => {
                if outcome
                    .information
                    .as_deref()
                    .is_some_and(|i| i.contains("NOMODSEQ"))
                {
                    nomodseq = true;
                }
            }
        },
        Seen::Other(_) => {}
    })
    .await?;
    if nomodseq {
        selected.highestmodseq = None;
    }
    if selected.uidvalidity == 0 {
        return Err(NetError::new(
            FailureKind::Protocol,
            format!("The server gave no UIDVALIDITY for {name}"),
        ));
    }
    Ok(selected)
}

fn remote_flags(attributes: &[AttributeValue<'_>]) -> Option<RemoteFlags> {
    let mut uid = None;
    let mut flags = None;
    let mut modseq = None;
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::Flags(f) => flags = Some(flags_of(f)),
            AttributeValue::ModSeq(m) => modseq = Some(*m),
            _ => {}
        }
    }
    Some(RemoteFlags {
        uid: uid?,
        flags: flags.unwrap_or_default(),
        modseq,
    })
}

/// `UID SEARCH <criteria>`: the matching UIDs, sorted.
pub async fn uid_search(session: &mut Session, criteria: &str) -> Result<Vec<u32>, ImapError> {
    let mut uids = Vec::new();
    exchange(session, &format!("UID SEARCH {criteria}"), |seen| {
        if let Seen::Other(Response::MailboxData(MailboxDatum::Search(found))) = seen {
            uids.extend_from_slice(found);
        }
    })
    .await?;
    uids.sort_unstable();
    uids.dedup();
    Ok(uids)
}

/// Runs a FETCH and turns each FETCH response into an item with `parse` (responses it
/// returns `None` for are skipped), collecting VANISHED and EXPUNGE announcements on the way.
async fn fetch_each<T>(
    session: &mut Session,
    command: &str,
    parse: impl Fn(&[AttributeValue<'_>]) -> Option<T>,
) -> Result<FetchOutcome<T>, ImapError> {
    let mut outcome = FetchOutcome::default();
    exchange(session, command, |seen| match seen {
        Seen::Fetch(attributes) => outcome.items.extend(parse(attributes)),
        Seen::Vanished(ranges) => add_ranges(&mut outcome.vanished, ranges),
        Seen::Expunge => outcome.expunged = true,
        Seen::Other(_) => {}
    })
    .await?;
    Ok(outcome)
}

/// Flags of the messages in `range` (a UID set), only those changed since `changed_since`
/// when given (CONDSTORE). With QRESYNC enabled, `vanished` asks the server to report expunged
/// UIDs in the range too.
pub async fn fetch_flags(
    session: &mut Session,
    range: &str,
    changed_since: Option<u64>,
    vanished: bool,
) -> Result<FetchOutcome<RemoteFlags>, ImapError> {
    let command = match changed_since {
        Some(modseq) if vanished => {
            format!("UID FETCH {range} (UID FLAGS) (CHANGEDSINCE {modseq} VANISHED)")
        }
        Some(modseq) => format!("UID FETCH {range} (UID FLAGS) (CHANGEDSINCE {modseq})"),
        None => format!("UID FETCH {range} (UID FLAGS)"),
    };
    fetch_each(session, &command, remote_flags).await
}

/// Summaries of the messages `uids`: flags, MODSEQ, INTERNALDATE, size and the Message-ID
/// header, so the caller can skip bodies it already has (the same message in several folders).
pub async fn fetch_summaries(
    session: &mut Session,
    uids: &[u32],
    condstore: bool,
) -> Result<FetchOutcome<HeaderSummary>, ImapError> {
    if uids.is_empty() {
        return Ok(FetchOutcome::default());
    }
    let modseq = if condstore { " MODSEQ" } else { "" };
    let command = format!(
        "UID FETCH {} (UID FLAGS INTERNALDATE RFC822.SIZE{modseq} BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])",
        uid_set(uids)
    );
    fetch_each(session, &command, |attributes| {
        let mut summary = HeaderSummary {
            uid: 0,
            flags: Vec::new(),
            modseq: None,
            internal_date: None,
            size: 0,
            message_id_header: Vec::new(),
        };
        for attribute in attributes {
            match attribute {
                AttributeValue::Uid(u) => summary.uid = *u,
                AttributeValue::Flags(f) => summary.flags = flags_of(f),
                AttributeValue::ModSeq(m) => summary.modseq = Some(*m),
                AttributeValue::InternalDate(d) => summary.internal_date = internal_date(d),
                AttributeValue::Rfc822Size(s) => summary.size = *s,
                AttributeValue::BodySection {
                    data: Some(data), ..
                } => {
                    summary.message_id_header = data.to_vec();
                }
                _ => {}
            }
        }
        (summary.uid > 0).then_some(summary)
    })
    .await
}

/// The whole messages `uids` (BODY.PEEK, so \Seen is not set), with flags and dates.
pub async fn fetch_messages(
    session: &mut Session,
    uids: &[u32],
    condstore: bool,
) -> Result<FetchOutcome<FetchedMessage>, ImapError> {
    if uids.is_empty() {
        return Ok(FetchOutcome::default());
    }
    let modseq = if condstore { " MODSEQ" } else { "" };
    let command = format!(
        "UID FETCH {} (UID FLAGS INTERNALDATE{modseq} BODY.PEEK[])",
        uid_set(uids)
    );
    fetch_each(session, &command, |attributes| {
        let mut message = FetchedMessage {
            uid: 0,
            flags: Vec::new(),
            modseq: None,
            internal_date: None,
            raw: Vec::new(),
        };
        let mut has_body = false;
        for attribute in attributes {
            match attribute {
                AttributeValue::Uid(u) => message.uid = *u,
                AttributeValue::Flags(f) => message.flags = flags_of(f),
                AttributeValue::ModSeq(m) => message.modseq = Some(*m),
                AttributeValue::InternalDate(d) => message.internal_date = internal_date(d),
                AttributeValue::BodySection { data, .. } | AttributeValue::Rfc822(data) => {
                    message.raw = data.as_deref().unwrap_or_default().to_vec();
                    has_body = true;
                }
                _ => {}
            }
        }
        (message.uid > 0 && has_body).then_some(message)
    })
    .await
}

/// `UID STORE uids ±FLAGS (flags)`, with `UNCHANGEDSINCE` when given. Returns the UIDs the
/// server refused because they changed meanwhile (the MODIFIED response code), which the
/// caller must re-read and reconcile.
pub async fn store_flags(
    session: &mut Session,
    uids: &[u32],
    add: bool,
    flags: &[&str],
    unchanged_since: Option<u64>,
) -> Result<Vec<u32>, ImapError> {
    if uids.is_empty() || flags.is_empty() {
        return Ok(Vec::new());
    }
    let sign = if add { '+' } else { '-' };
    let modifier = unchanged_since
        .map(|m| format!(" (UNCHANGEDSINCE {m})"))
        .unwrap_or_default();
    let command = format!(
        "UID STORE {}{modifier} {sign}FLAGS.SILENT ({})",
        uid_set(uids),
        flags.join(" ")
    );
    // A conditional STORE that found a message changed answers OK [MODIFIED uid-set] (RFC 7162).
    let text = exchange_text(session, &command, |_| {}).await?;
    Ok(modified_uids(&text, uids))
}

/// The UIDs of a `[MODIFIED set]` response code (all of `asked` if the set cannot be read).
fn modified_uids(text: &str, asked: &[u32]) -> Vec<u32> {
    let upper = text.to_ascii_uppercase();
    let Some(start) = upper.find("MODIFIED ") else {
        return Vec::new();
    };
    let set = text
        .get(start + "MODIFIED ".len()..)
        .unwrap_or_default()
        .split([']', ' '])
        .next()
        .unwrap_or_default();
    let mut uids = Vec::new();
    for part in set.split(',') {
        match part.split_once(':') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    uids.extend(
                        asked
                            .iter()
                            .copied()
                            .filter(|u| *u >= a.min(b) && *u <= a.max(b)),
                    );
                }
            }
            None => uids.extend(part.parse::<u32>().ok()),
        }
    }
    if uids.is_empty() {
        asked.to_vec()
    } else {
        uids
    }
}

/// Moves messages: `UID MOVE` when the server has MOVE, else `UID COPY`, `+FLAGS \Deleted`
/// and `UID EXPUNGE` of exactly those UIDs (never a plain EXPUNGE, which would also remove
/// other clients' deleted messages). Needs UIDPLUS for the fallback.
pub async fn move_messages(
    session: &mut Session,
    uids: &[u32],
    destination: &str,
    has_move: bool,
    has_uidplus: bool,
) -> Result<(), ImapError> {
    if uids.is_empty() {
        return Ok(());
    }
    let set = uid_set(uids);
    if has_move {
        return exchange(
            session,
            &format!("UID MOVE {set} {}", quote(destination)),
            |_| {},
        )
        .await;
    }
    if !has_uidplus {
        return Err(NetError::new(
            FailureKind::Protocol,
            "The server supports neither MOVE nor UIDPLUS: moving would need a plain EXPUNGE, which could remove other clients' messages",
        ));
    }
    exchange(
        session,
        &format!("UID COPY {set} {}", quote(destination)),
        |_| {},
    )
    .await?;
    exchange(
        session,
        &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"),
        |_| {},
    )
    .await?;
    exchange(session, &format!("UID EXPUNGE {set}"), |_| {}).await
}

/// Deletes messages for good: `+FLAGS \Deleted` and `UID EXPUNGE` of exactly those UIDs.
pub async fn expunge_messages(
    session: &mut Session,
    uids: &[u32],
    has_uidplus: bool,
) -> Result<(), ImapError> {
    if uids.is_empty() {
        return Ok(());
    }
    if !has_uidplus {
        return Err(NetError::new(
            FailureKind::Protocol,
            "The server lacks UIDPLUS: deleting would need a plain EXPUNGE, which could remove other clients' messages",
        ));
    }
    let set = uid_set(uids);
    exchange(
        session,
        &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"),
        |_| {},
    )
    .await?;
    exchange(session, &format!("UID EXPUNGE {set}"), |_| {}).await
}

/// How an IDLE wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleOutcome {
    /// The server reported a change (new mail, expunge, flags).
    Changed,
    /// The wait reached its timeout (re-IDLE well within 29 minutes).
    TimedOut,
    /// `stop` fired.
    Stopped,
}

/// IDLEs on the selected folder until the server reports a change, `timeout` passes or
/// `stop` completes, then ends the IDLE and gives the session back.
pub async fn idle(
    session: Session,
    timeout: std::time::Duration,
    stop: impl Future<Output = ()>,
) -> Result<(Session, IdleOutcome), ImapError> {
    let mut handle = session.idle();
    handle.init().await.map_err(|e| from_imap(e, "IMAP IDLE"))?;
    let outcome = {
        let (wait, interrupt) = handle.wait_with_timeout(timeout);
        tokio::pin!(wait);
        tokio::pin!(stop);
        let outcome = tokio::select! {
            result = &mut wait => match result.map_err(|e| from_imap(e, "IMAP IDLE"))? {
                async_imap::extensions::idle::IdleResponse::NewData(_) => IdleOutcome::Changed,
                async_imap::extensions::idle::IdleResponse::Timeout => IdleOutcome::TimedOut,
                async_imap::extensions::idle::IdleResponse::ManualInterrupt => IdleOutcome::Stopped,
            },
            () = &mut stop => {
                drop(interrupt);
                let _ = (&mut wait).await;
                IdleOutcome::Stopped
            }
        };
        outcome
    };
    finish(handle, outcome).await
}

async fn finish(
    handle: async_imap::extensions::idle::Handle<Box<dyn crate::ImapStream>>,
    outcome: IdleOutcome,
) -> Result<(Session, IdleOutcome), ImapError> {
    let session = handle.done().await.map_err(|e| from_imap(e, "IMAP DONE"))?;
    Ok((session, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[3, 1, 2, 7, 9, 10, 10]), "1:3,7,9:10");
    }

    #[test]
    fn modified_sets_are_read() {
        assert_eq!(
            modified_uids("[MODIFIED 7] Conditional STORE failed", &[7]),
            vec![7]
        );
        assert_eq!(
            modified_uids("[MODIFIED 2:4,9] x", &[1, 2, 3, 9, 10]),
            vec![2, 3, 9]
        );
        assert_eq!(modified_uids("Store completed.", &[1]), Vec::<u32>::new());
    }

    #[test]
    fn names_are_quoted() {
        assert_eq!(quote("INBOX"), "\"INBOX\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn internal_dates_parse() {
        assert_eq!(
            internal_date("17-Jul-1996 02:44:25 -0700"),
            Some(837_596_665)
        );
        assert_eq!(
            internal_date(" 1-Jan-2020 00:00:00 +0000"),
            Some(1_577_836_800)
        );
        assert_eq!(internal_date("garbage"), None);
    }
}
