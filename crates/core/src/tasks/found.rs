//! Tasks found in mail and in what the user tells the assistant: suggestions the user accepts or
//! dismisses — never created silently. When the user lets the model read new mail for tasks (a
//! setting, off by default: it sends each new message to the provider), the model reads each
//! message and chat line; otherwise, offline, or when the model fails, a rule-based reader
//! catches explicit requests and the dates they name.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use orbit_store::tasks::{NewSuggestion, Source};
use serde::Serialize;
use serde_json::Value;

use super::{Task, TaskPatch, mail_links};
use crate::activity::Actor;
use crate::error::ErrorCode;
use crate::{Error, Orbit, Result};

/// A task found in mail or chat, waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskSuggestion {
    /// Id.
    pub id: i64,
    /// Proposed title.
    pub title: String,
    /// Due, if the message said.
    pub due: Option<String>,
    /// Who asked.
    pub from: String,
    /// The mail message, for one found in mail.
    pub message_id: Option<i64>,
    /// The chat session, for one found in what the user told the assistant.
    pub chat_session: Option<i64>,
    /// `mail` or `chat`.
    pub source: String,
    /// `rules` (Orbit's own reader) or `model` (the assistant).
    pub found_by: String,
    /// Why: the words that asked.
    pub reason: String,
}

/// Phrases that ask the reader to do something.
const ASKS: &[&str] = &[
    "could you",
    "can you",
    "would you",
    "will you",
    "please ",
    "i need you to",
    "we need you to",
    "action item",
    "action required",
    "todo:",
    "to do:",
    "don't forget to",
    "remember to",
    "make sure to",
];

/// Phrases with which the user says they have something to do (their own words, in chat).
const COMMITS: &[&str] = &[
    "remind me to",
    "don't let me forget to",
    "i need to",
    "i have to",
    "i must",
    "i've got to",
    "i promised to",
    "i should",
    "don't forget to",
    "remember to",
    "todo:",
    "to do:",
];

/// The sentences of a text that ask the reader to do something (rule-based, offline):
/// `(sentence, title)`. Quoted lines (`>`) and signatures are left out.
pub fn extract_requests(text: &str) -> Vec<(String, String)> {
    extract(text, ASKS)
}

/// The sentences in which the user says they have something to do: `(sentence, title)`.
pub fn extract_commitments(text: &str) -> Vec<(String, String)> {
    // "Do I need to renew it?" asks; it does not commit.
    extract_with(text, COMMITS, false)
}

fn extract(text: &str, phrases: &[&str]) -> Vec<(String, String)> {
    extract_with(text, phrases, true)
}

fn extract_with(text: &str, phrases: &[&str], questions: bool) -> Vec<(String, String)> {
    let mut body = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t == "--" || t.starts_with("On ") && t.ends_with("wrote:") {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        body.push_str(t);
        body.push(' ');
    }
    let mut out = Vec::new();
    for sentence in body.split_inclusive(['.', '?', '!', '\n']) {
        let s = sentence.trim();
        if !questions && s.ends_with('?') {
            continue;
        }
        let lower = s.to_lowercase();
        let Some(ask) = phrases.iter().find(|a| lower.contains(*a)) else {
            continue;
        };
        if s.len() < 12 || s.len() > 300 {
            continue;
        }
        // The title: what is asked, from after the asking words.
        let at = lower.find(ask).map_or(0, |i| i + ask.len());
        let rest = s
            .get(at..)
            .unwrap_or(s)
            .trim()
            .trim_start_matches([':', ',', ' '])
            .trim_end_matches(['.', '?', '!'])
            .trim();
        let rest = rest.strip_prefix("please ").unwrap_or(rest);
        let mut title: String = rest.chars().take(80).collect();
        if let Some(first) = title.get(..1) {
            title = format!("{}{}", first.to_uppercase(), title.get(1..).unwrap_or(""));
        }
        if title.len() >= 4 {
            out.push((s.to_owned(), title));
        }
    }
    out
}

/// How many of the newest inbox messages, and of the user's newest chat messages, are looked at.
const SCAN: u32 = 50;
const CHAT_SCAN: u32 = 20;
/// At most this many model calls per look; what is left waits for the next one.
const MODEL_CALLS: usize = 10;
/// The setting that lets the model read new mail and chat for tasks.
const MODEL_SETTING: &str = "tasks.extract_with_model";
/// How much of a message goes to the model.
const MODEL_CHARS: usize = 8_000;

/// Who reads new mail and chat for tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// The model when the user allowed it and one is set up, else the rules.
    Auto,
    /// Orbit's own rules only (offline).
    Rules,
    /// The model (an error when none is set up).
    Model,
}

/// What a look for tasks did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Messages and chat lines looked at.
    pub looked_at: usize,
    /// Suggestions found.
    pub found: usize,
    /// Of those looked at, how many the model read.
    pub by_model: usize,
    /// Why the model stopped reading (the rest went to the rules), if it did.
    pub model_error: Option<String>,
}

/// Something to look at for tasks.
struct Item {
    source: Source,
    /// Header lines for the model (mail: from, subject, date).
    head: String,
    text: String,
    /// Who asked, when the model does not say.
    from: String,
    /// The day relative dates count from.
    today: NaiveDate,
}

/// One task found.
struct Found {
    title: String,
    due: String,
    sender: String,
    reason: String,
}

impl Orbit {
    /// Whether the user lets the model read new mail and chat for tasks (off by default).
    pub fn task_extraction_with_model(&self) -> Result<bool> {
        Ok(self
            .store
            .read(|c| orbit_store::settings::get(c, MODEL_SETTING))?
            .as_deref()
            == Some("on"))
    }

    /// Lets the model read new mail and chat for tasks, or stops it.
    pub fn set_task_extraction_with_model(&self, on: bool) -> Result<()> {
        let now = self.now_stamp();
        self.store.write(|tx| -> Result<()> {
            orbit_store::settings::set(tx, MODEL_SETTING, if on { "on" } else { "off" }, &now)?;
            self.record(
                tx,
                &crate::activity::Record {
                    actor: Actor::User,
                    action: "settings.changed",
                    target: "tasks".into(),
                    summary: if on {
                        "Let the assistant read new mail and chat for tasks".into()
                    } else {
                        "Stopped the assistant reading new mail and chat for tasks".into()
                    },
                    details: serde_json::json!({ "extract_with_model": on }),
                },
            )?;
            Ok(())
        })
    }

    /// Looks at new inbox mail and the user's new chat messages for tasks, and records what it
    /// finds as suggestions. Each message is looked at once. A second look while one runs
    /// returns at once with nothing done.
    pub async fn task_scan(&self, mode: ScanMode) -> Result<ScanReport> {
        let Ok(_one) = self.task_scan.try_lock() else {
            return Ok(ScanReport::default());
        };
        let items = self.scan_items()?;
        if items.is_empty() {
            return Ok(ScanReport::default());
        }
        let ready = self.assistant_settings()?.ready;
        let mut use_model = match mode {
            ScanMode::Rules => false,
            ScanMode::Auto => ready && self.task_extraction_with_model()?,
            ScanMode::Model if ready => true,
            ScanMode::Model => {
                return Err(Error::new(
                    ErrorCode::NoApiKey,
                    "The assistant is not set up: add an API key or a local model in Settings",
                ));
            }
        };
        let mut known: HashSet<String> = self
            .tasks(None)?
            .iter()
            .filter(|t| t.completed_at.is_none())
            .map(|t| t.title.to_lowercase())
            .collect();
        known.extend(
            self.store
                .read(orbit_store::tasks::pending)?
                .into_iter()
                .map(|r| r.title.to_lowercase()),
        );
        let mut report = ScanReport::default();
        let mut calls = 0;
        for item in items {
            let mut found = None;
            if use_model && !item.text.trim().is_empty() {
                if calls >= MODEL_CALLS {
                    break;
                }
                calls += 1;
                match self.read_for_tasks(&item).await {
                    Ok(Some(list)) => found = Some(list),
                    Ok(None) => use_model = false,
                    Err(e) => {
                        tracing::info!(error = %e.message(), "the model could not read mail for tasks; using the rules");
                        report.model_error = Some(e.message().to_owned());
                        use_model = false;
                    }
                }
            }
            let found_by = if found.is_some() { "model" } else { "rules" };
            if found.is_some() {
                report.by_model += 1;
            }
            let found: Vec<Found> = found
                .unwrap_or_else(|| rules(&item))
                .into_iter()
                .filter(|f| known.insert(f.title.to_lowercase()))
                .collect();
            let now = self.now_stamp();
            self.store.write(|tx| -> Result<()> {
                // Another Orbit (the CLI beside the app) may have looked at it meanwhile.
                if orbit_store::tasks::seen(tx, item.source)? {
                    return Ok(());
                }
                if found.is_empty() {
                    let none = NewSuggestion {
                        status: "none",
                        found_by,
                        ..NewSuggestion::default()
                    };
                    orbit_store::tasks::insert(tx, item.source, &none, &now)?;
                }
                for f in &found {
                    let row = NewSuggestion {
                        title: &f.title,
                        due: &f.due,
                        sender: &f.sender,
                        reason: &f.reason,
                        status: "pending",
                        found_by,
                    };
                    orbit_store::tasks::insert(tx, item.source, &row, &now)?;
                }
                Ok(())
            })?;
            report.looked_at += 1;
            report.found += found.len();
        }
        Ok(report)
    }

    /// New inbox mail (not the user's own) and new chat lines the user wrote, newest first.
    /// The user's own mail is marked looked-at here.
    fn scan_items(&self) -> Result<Vec<Item>> {
        let tz = crate::assistant::user_zone();
        let me: Vec<String> = self
            .account_list()?
            .into_iter()
            .map(|a| a.email.to_ascii_lowercase())
            .collect();
        let inboxes: Vec<i64> = self
            .mail_folders(None)?
            .into_iter()
            .filter(|f| f.role.as_deref() == Some("inbox"))
            .map(|f| f.id)
            .collect();
        let today_of = |stamp: &str| {
            chrono::DateTime::parse_from_rfc3339(stamp)
                .map(|d| d.with_timezone(&tz).date_naive())
                .unwrap_or_else(|_| self.clock.now().with_timezone(&tz).date_naive())
        };
        let mut items = Vec::new();
        for folder in inboxes {
            for m in self.mail_list(folder, SCAN, 0)? {
                let source = Source::Mail(m.id);
                if self.store.read(|c| orbit_store::tasks::seen(c, source))? {
                    continue;
                }
                let sender = m.from.to_ascii_lowercase();
                if me.iter().any(|a| sender.contains(a.as_str())) {
                    let now = self.now_stamp();
                    let none = NewSuggestion {
                        status: "none",
                        found_by: "rules",
                        ..NewSuggestion::default()
                    };
                    self.store
                        .write(|tx| orbit_store::tasks::insert(tx, source, &none, &now))?;
                    continue;
                }
                let full = self.mail_show(m.id)?;
                items.push(Item {
                    source,
                    head: format!(
                        "From: {}\nSubject: {}\nDate: {}",
                        m.from, full.subject, m.date
                    ),
                    text: full.text,
                    from: m.from.clone(),
                    today: today_of(&m.date),
                });
            }
        }
        for (id, _session, content, created) in self
            .store
            .read(|c| orbit_store::tasks::unscanned_chat(c, CHAT_SCAN))?
        {
            items.push(Item {
                source: Source::Chat(id),
                head: String::new(),
                text: chat_text(&content),
                from: "You, in chat".into(),
                today: today_of(&created),
            });
        }
        Ok(items)
    }

    /// The model's reading of one message: `None` when no model is set up. Who asked is always
    /// the message's real sender, and the words shown as the reason must be in the message: a
    /// message cannot make itself look as if someone else asked.
    async fn read_for_tasks(&self, item: &Item) -> Result<Option<Vec<Found>>> {
        let today = format!("{} ({})", item.today, item.today.weekday());
        let shape = "Answer with only a JSON object: {\"tasks\": [{\"title\": a short imperative title, \"due\": \"YYYY-MM-DD\" or \"\", \"quote\": the exact words that ask, copied from the data}]}, at most 3 tasks.";
        let (system, source, data) = match item.source {
            Source::Mail(_) => (
                format!(
                    "You find what an email asks its reader to do, or what the reader agreed to do. Today is {today}. {shape} \
Newsletters, notifications, receipts and mail that asks nothing give {{\"tasks\": []}}."
                ),
                "email",
                format!("{}\n\n{}", item.head, clip(&item.text, MODEL_CHARS)),
            ),
            Source::Chat(_) => (
                format!(
                    "You find what the user says they have to do, in a message they wrote to their assistant. Today is {today}. {shape} \
Questions and requests to the assistant itself are not tasks; a message with none gives {{\"tasks\": []}}."
                ),
                "chat",
                clip(&item.text, MODEL_CHARS).to_owned(),
            ),
        };
        let Some(value) = self.model_json(&system, source, &data, 600).await? else {
            return Ok(None);
        };
        let Some(list) = value.get("tasks").and_then(Value::as_array) else {
            return Err(Error::new(
                ErrorCode::Model,
                "The model's answer had no list of tasks",
            ));
        };
        let text = |v: &Value, k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let body = squash(&item.text);
        Ok(Some(
            list.iter()
                .take(3)
                .filter_map(|t| {
                    let title: String = text(t, "title").chars().take(120).collect();
                    if title.is_empty() {
                        return None;
                    }
                    let due = NaiveDate::parse_from_str(&text(t, "due"), "%Y-%m-%d")
                        .map(|d| d.to_string())
                        .unwrap_or_default();
                    let quote: String = text(t, "quote").chars().take(300).collect();
                    let quoted = !quote.is_empty() && body.contains(&squash(&quote));
                    Some(Found {
                        sender: item.from.clone(),
                        reason: if quoted { quote } else { title.clone() },
                        title,
                        due,
                    })
                })
                .collect(),
        ))
    }

    /// The suggestions waiting for the user, newest first.
    pub fn task_suggestions(&self) -> Result<Vec<TaskSuggestion>> {
        let rows = self.store.read(orbit_store::tasks::pending)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let chat_session = match r.chat_message_id {
                Some(id) => self
                    .store
                    .read(|c| orbit_store::tasks::chat_session(c, id))?,
                None => None,
            };
            let chat = r.chat_message_id.is_some();
            out.push(TaskSuggestion {
                id: r.id,
                title: r.title,
                due: Some(r.due).filter(|d| !d.is_empty()),
                from: r.sender,
                message_id: r.message_id,
                chat_session,
                source: if chat { "chat" } else { "mail" }.into(),
                found_by: r.found_by,
                reason: if chat {
                    format!("You said: “{}”", r.reason)
                } else {
                    format!("Asked: “{}”", r.reason)
                },
            });
        }
        Ok(out)
    }

    /// Accepts a suggestion into a list (a task from mail links the mail and who asked).
    pub fn task_suggestion_accept(&self, id: i64, list: i64) -> Result<Task> {
        let s = self
            .store
            .read(|c| orbit_store::tasks::get(c, id))?
            .ok_or_else(|| Error::not_found(format!("There is no suggestion {id}")))?;
        if s.status != "pending" {
            return Err(Error::invalid(format!(
                "This suggestion was {} already",
                s.status
            )));
        }
        let links = match s.message_id {
            Some(message) => {
                let subject = self
                    .mail_show(message)
                    .map(|m| m.subject)
                    .unwrap_or_default();
                mail_links(message, &subject, &s.sender)
            }
            None => Vec::new(),
        };
        let task = self.task_add_by(list, &s.title, None, links, Actor::User)?;
        // The suggestion's date was read against the day the message was written ("by Friday"
        // in Wednesday's mail is that Friday); the title read again today could name another.
        if !s.due.is_empty() && task.due.as_deref() != Some(s.due.as_str()) {
            self.task_update(
                &task.uid,
                &TaskPatch {
                    due: Some(Some(s.due.clone())),
                    ..TaskPatch::default()
                },
            )?;
        }
        self.store
            .write(|tx| orbit_store::tasks::decide(tx, id, "accepted"))?;
        self.task(&task.uid)
    }

    /// Dismisses a suggestion.
    pub fn task_suggestion_dismiss(&self, id: i64) -> Result<()> {
        if !self
            .store
            .write(|tx| orbit_store::tasks::decide(tx, id, "dismissed"))?
        {
            return Err(Error::invalid("There is no such pending suggestion"));
        }
        Ok(())
    }

    /// A task from a conversation ("turn into task"): its request if one is found, else its
    /// subject; linked to the mail and who wrote it.
    pub fn task_from_message(&self, message_id: i64, list: i64) -> Result<Task> {
        let m = self.mail_show(message_id)?;
        let title = extract_requests(&m.text)
            .into_iter()
            .next()
            .map_or_else(|| m.subject.clone(), |(_, t)| t);
        let title = if title.trim().is_empty() {
            "Follow up".to_owned()
        } else {
            title
        };
        self.task_add_by(
            list,
            &title,
            None,
            mail_links(message_id, &m.subject, &m.from),
            Actor::User,
        )
    }
}

/// What Orbit's own rules find in one message: its first request (mail) or the first thing the
/// user says they have to do (chat), with the date it names.
fn rules(item: &Item) -> Vec<Found> {
    let found = match item.source {
        Source::Mail(_) => extract_requests(&item.text),
        Source::Chat(_) => extract_commitments(&item.text),
    };
    found
        .into_iter()
        .take(1)
        .map(|(sentence, title)| Found {
            due: orbit_cal::parse_natural(&sentence, item.today)
                .map(|e| e.start.date().to_string())
                .unwrap_or_default(),
            sender: item.from.clone(),
            reason: sentence,
            title,
        })
        .collect()
}

/// The text of a stored chat message (its text blocks; tool results are not the user's words).
fn chat_text(content: &str) -> String {
    match serde_json::from_str::<Value>(content) {
        Ok(Value::String(s)) => s,
        Ok(Value::Array(blocks)) => blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Lower case with runs of white space made one space, to find a quote in a message.
fn squash(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{FixedClock, OpenOptions};

    #[test]
    fn an_accepted_suggestion_keeps_the_date_read_against_its_message() {
        let dir = tempfile::tempdir().unwrap();
        // Tuesday 1 December: "by Friday" read today would be 4 December, but Wednesday's
        // mail meant Friday 27 November.
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .to_utc();
        let orbit = Orbit::open(OpenOptions::for_test(
            dir.path(),
            Arc::new(FixedClock::new(now)),
        ))
        .unwrap();
        let eml = dir.path().join("ask.eml");
        std::fs::write(
            &eml,
            "From: Maya Okafor <maya@example.com>\r\nTo: sam@example.com\r\nSubject: Q4 numbers\r\nMessage-ID: <ask-1@example.com>\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\n\r\nHi Sam,\r\n\r\nCould you send me the Q4 figures by Friday? Thanks!\r\n",
        )
        .unwrap();
        orbit.mail_import(&eml, Some("Inbox")).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(orbit.task_scan(ScanMode::Rules)).unwrap();
        let found = orbit.task_suggestions().unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].due.as_deref(), Some("2026-11-27"));
        let list = orbit.task_list_create("Work").unwrap();
        let task = orbit.task_suggestion_accept(found[0].id, list.id).unwrap();
        assert_eq!(task.due.as_deref(), Some("2026-11-27"), "{task:?}");
        // Created and changed within one second, the text the same length: still seen.
        let moved = orbit
            .task_update(
                &task.uid,
                &TaskPatch {
                    due: Some(Some("2026-11-20".into())),
                    ..TaskPatch::default()
                },
            )
            .unwrap();
        assert_eq!(moved.due.as_deref(), Some("2026-11-20"));
    }

    #[test]
    fn the_user_s_own_words_in_chat_become_tasks() {
        let found =
            extract_commitments("Thanks! Oh, and I need to renew my passport before March.");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "Renew my passport before March");
        assert!(extract_commitments("What is on my calendar tomorrow?").is_empty());
    }

    #[test]
    fn chat_text_is_the_text_blocks() {
        assert_eq!(
            chat_text(
                r#"[{"type":"text","text":"remind me to call Ana"},{"type":"tool_result","tool_use_id":"x","content":"secret"}]"#
            ),
            "remind me to call Ana"
        );
        assert_eq!(chat_text(r#""plain""#), "plain");
        assert_eq!(chat_text("not json"), "");
        assert_eq!(clip("héllo", 2), "h");
    }
}
