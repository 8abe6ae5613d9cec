//! The search language, as Gmail and notmuch users know it, parsed into a [`Node`] tree:
//!
//! - words and `"exact phrases"`; the last word is a prefix while the user is still typing it;
//! - `from:` `to:` `cc:` `subject:` `filename:` with a word or a quoted phrase;
//! - `has:attachment`, `is:unread` / `is:read` / `is:flagged` (`is:starred`) / `is:unflagged`,
//!   `in:<folder or role>`;
//! - `before:` / `after:` a date (`2024-05-31` or `2024/05/31`), `older_than:` / `newer_than:`
//!   a span (`7d`, `2w`, `3m`, `1y`);
//! - `OR` between terms, `-` or `NOT` before one to exclude it, parentheses to group;
//!   juxtaposition (or `AND`) means all of them.
//!
//! Anything it cannot read is a [`QueryError`] that says what and where — never an empty result
//! that looks like "nothing found".

use std::fmt;

/// A text field a term can be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// Subject, people, body and attachment names.
    Any,
    /// Sender (name and address).
    From,
    /// To recipients.
    To,
    /// Cc recipients.
    Cc,
    /// Subject.
    Subject,
    /// Attachment file names.
    Filename,
}

/// A condition on a message's state or date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `is:unread` (true) / `is:read` (false).
    Unread(bool),
    /// `is:flagged` (true) / `is:unflagged` (false).
    Flagged(bool),
    /// `has:attachment`.
    HasAttachment,
    /// `in:…`: a folder name or a role (inbox, sent, drafts, archive, trash, junk).
    In(String),
    /// Dated before this Unix second (exclusive).
    Before(i64),
    /// Dated at or after this Unix second.
    After(i64),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// All of them.
    And(Vec<Node>),
    /// Any of them.
    Or(Vec<Node>),
    /// Not this.
    Not(Box<Node>),
    /// A word; `prefix` when it may be the start of a longer one (as-you-type).
    Term {
        /// Where.
        field: TextField,
        /// The word as typed.
        text: String,
        /// Match words starting with it.
        prefix: bool,
    },
    /// Words in this order.
    Phrase {
        /// Where.
        field: TextField,
        /// The words as typed.
        text: String,
    },
    /// A state or date condition.
    Filter(Filter),
}

/// Why a query could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// What is wrong, for the user.
    pub message: String,
    /// Character offset in the query where it went wrong.
    pub at: usize,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.at + 1)
    }
}

impl std::error::Error for QueryError {}

/// How to read a query.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Now, Unix seconds (for `older_than:` and `newer_than:`).
    pub now: i64,
    /// The user's UTC offset in seconds (dates are local days).
    pub utc_offset: i64,
    /// The query is being typed: its last bare word is a prefix.
    pub as_you_type: bool,
}

impl Node {
    /// The words a semantic search embeds: every free-text word and phrase that is not excluded,
    /// in order (field-limited ones like `from:` are conditions, not meaning).
    pub fn free_text(&self) -> String {
        let mut out = Vec::new();
        self.collect_text(&mut out);
        out.join(" ")
    }

    fn collect_text(&self, out: &mut Vec<String>) {
        match self {
            Node::And(items) | Node::Or(items) => {
                for item in items {
                    item.collect_text(out);
                }
            }
            Node::Term {
                field: TextField::Any,
                text,
                ..
            }
            | Node::Phrase {
                field: TextField::Any,
                text,
            } => out.push(text.clone()),
            Node::Not(_) | Node::Term { .. } | Node::Phrase { .. } | Node::Filter(_) => {}
        }
    }

    /// The query without its free text: the conditions a semantic result must still meet
    /// (`from:`, `is:`, dates, exclusions…). `None` when nothing is left. An `OR` with a
    /// free-text branch is left out whole (that branch could be what made a result match).
    pub fn filters(&self) -> Option<Node> {
        match self {
            Node::Term {
                field: TextField::Any,
                ..
            }
            | Node::Phrase {
                field: TextField::Any,
                ..
            } => None,
            Node::And(items) => {
                let kept: Vec<Node> = items.iter().filter_map(Node::filters).collect();
                match kept.len() {
                    0 => None,
                    1 => kept.into_iter().next(),
                    _ => Some(Node::And(kept)),
                }
            }
            Node::Or(items) => {
                let kept: Vec<Node> = items.iter().filter_map(Node::filters).collect();
                (kept.len() == items.len()).then_some(Node::Or(kept))
            }
            Node::Not(_) | Node::Term { .. } | Node::Phrase { .. } | Node::Filter(_) => {
                Some(self.clone())
            }
        }
    }
}

/// Parses `query`. An empty (or blank) query is `And([])`, which matches everything.
pub fn parse(query: &str, options: ParseOptions) -> Result<Node, QueryError> {
    let tokens = lex(query)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        options,
        end: query.chars().count(),
    };
    let node = parser.or_expr()?;
    if let Some(token) = parser.peek() {
        return Err(QueryError {
            message: match token.kind {
                Kind::RParen => "There is a “)” without its “(”".into(),
                _ => "Unexpected text".into(),
            },
            at: token.at,
        });
    }
    let mut node = node;
    if options.as_you_type && !query.ends_with(char::is_whitespace) {
        mark_last_prefix(&mut node);
    }
    Ok(node)
}

/// The last bare word of the query becomes a prefix (it is still being typed).
fn mark_last_prefix(node: &mut Node) {
    match node {
        Node::And(items) | Node::Or(items) => {
            if let Some(last) = items.last_mut() {
                mark_last_prefix(last);
            }
        }
        Node::Term { prefix, .. } => *prefix = true,
        Node::Not(_) | Node::Phrase { .. } | Node::Filter(_) => {}
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    LParen,
    RParen,
    Or,
    And,
    Not,
    /// A bare word.
    Word(String),
    /// A quoted phrase.
    Quoted(String),
    /// `name:value` (value unquoted or quoted).
    Field {
        name: String,
        value: String,
        quoted: bool,
    },
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    at: usize,
}

const FIELDS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "filename",
    "has",
    "is",
    "in",
    "label",
    "before",
    "after",
    "older_than",
    "newer_than",
];

fn lex(query: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '(' => {
                tokens.push(Token {
                    kind: Kind::LParen,
                    at: start,
                });
                i += 1;
            }
            ')' => {
                tokens.push(Token {
                    kind: Kind::RParen,
                    at: start,
                });
                i += 1;
            }
            '-' if at(i + 1).is_some_and(|n| !n.is_whitespace() && n != ')') => {
                tokens.push(Token {
                    kind: Kind::Not,
                    at: start,
                });
                i += 1;
            }
            '"' => {
                let (text, next) = quoted(&chars, i)?;
                tokens.push(Token {
                    kind: Kind::Quoted(text),
                    at: start,
                });
                i = next;
            }
            _ => {
                let mut word = String::new();
                while let Some(c) = at(i) {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    word.push(c);
                    i += 1;
                }
                let kind = match word.as_str() {
                    "OR" => Kind::Or,
                    "AND" => Kind::And,
                    "NOT" => Kind::Not,
                    _ => match word.split_once(':') {
                        Some((name, value))
                            if !name.is_empty()
                                && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
                                && !value.starts_with("//") =>
                        {
                            let lower = name.to_ascii_lowercase();
                            if !FIELDS.contains(&lower.as_str()) {
                                return Err(QueryError {
                                    message: format!(
                                        "There is no “{name}:” filter. Use from:, to:, cc:, subject:, \
                                         filename:, has:, is:, in:, before:, after:, older_than: or \
                                         newer_than: (or quote the text to search for it)"
                                    ),
                                    at: start,
                                });
                            }
                            if value.is_empty() && at(i) == Some('"') {
                                let (text, next) = quoted(&chars, i)?;
                                i = next;
                                Kind::Field {
                                    name: lower,
                                    value: text,
                                    quoted: true,
                                }
                            } else if value.is_empty() {
                                return Err(QueryError {
                                    message: format!("“{name}:” needs something after it"),
                                    at: start,
                                });
                            } else {
                                Kind::Field {
                                    name: lower,
                                    value: value.to_owned(),
                                    quoted: false,
                                }
                            }
                        }
                        _ => Kind::Word(word),
                    },
                };
                tokens.push(Token { kind, at: start });
            }
        }
    }
    Ok(tokens)
}

/// A phrase starting at the `"` at `start`: its text and the index after the closing quote.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), QueryError> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            Some('"') => return Ok((text, i + 1)),
            Some(c) => text.push(*c),
            None => {
                return Err(QueryError {
                    message: "A quote is not closed: add the closing \"".into(),
                    at: start,
                });
            }
        }
        i += 1;
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    options: ParseOptions,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.at)
    }

    fn or_expr(&mut self) -> Result<Node, QueryError> {
        if let Some(t) = self.peek()
            && t.kind == Kind::Or
        {
            return Err(QueryError {
                message: "OR needs something on both sides".into(),
                at: t.at,
            });
        }
        let mut items = vec![self.and_expr()?];
        while let Some(t) = self.peek() {
            if t.kind != Kind::Or {
                break;
            }
            let at = t.at;
            self.pos += 1;
            if matches!(
                self.peek().map(|t| &t.kind),
                None | Some(Kind::RParen | Kind::Or)
            ) {
                return Err(QueryError {
                    message: "OR needs something on both sides".into(),
                    at,
                });
            }
            items.push(self.and_expr()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Node::And(Vec::new()))
        } else {
            Node::Or(items)
        })
    }

    fn and_expr(&mut self) -> Result<Node, QueryError> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            match t.kind {
                Kind::Or | Kind::RParen => break,
                Kind::And => {
                    self.pos += 1;
                    continue;
                }
                _ => items.push(self.unary()?),
            }
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Node::And(Vec::new()))
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        let Some(token) = self.peek().cloned() else {
            return Err(QueryError {
                message: "The query ends too soon".into(),
                at: self.end,
            });
        };
        self.pos += 1;
        match token.kind {
            Kind::Not => {
                if matches!(
                    self.peek().map(|t| &t.kind),
                    None | Some(Kind::RParen | Kind::Or)
                ) {
                    return Err(QueryError {
                        message: "Say what to leave out after “-” or NOT".into(),
                        at: token.at,
                    });
                }
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Kind::LParen => {
                if self.peek().is_some_and(|t| t.kind == Kind::RParen) {
                    return Err(QueryError {
                        message: "The parentheses are empty".into(),
                        at: token.at,
                    });
                }
                let inner = self.or_expr()?;
                match self.peek() {
                    Some(t) if t.kind == Kind::RParen => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(QueryError {
                        message: "A “(” is not closed: add the “)”".into(),
                        at: token.at,
                    }),
                }
            }
            Kind::Word(text) => Ok(Node::Term {
                field: TextField::Any,
                text,
                prefix: false,
            }),
            Kind::Quoted(text) => Ok(phrase(TextField::Any, text)),
            Kind::Field {
                name,
                value,
                quoted,
            } => self.field(&name, value, quoted, token.at),
            Kind::RParen | Kind::Or | Kind::And => Err(QueryError {
                message: "Unexpected operator".into(),
                at: self.here(),
            }),
        }
    }

    fn field(
        &self,
        name: &str,
        value: String,
        quoted: bool,
        at: usize,
    ) -> Result<Node, QueryError> {
        let text_field = match name {
            "from" => Some(TextField::From),
            "to" => Some(TextField::To),
            "cc" => Some(TextField::Cc),
            "subject" => Some(TextField::Subject),
            "filename" => Some(TextField::Filename),
            _ => None,
        };
        if let Some(field) = text_field {
            return Ok(if quoted || value.contains(['@', '.', '-', '_', '+']) {
                phrase(field, value)
            } else {
                Node::Term {
                    field,
                    text: value,
                    prefix: false,
                }
            });
        }
        let lower = value.to_lowercase();
        let bad = |message: String| QueryError { message, at };
        Ok(Node::Filter(match name {
            "has" => match lower.as_str() {
                "attachment" | "attachments" => Filter::HasAttachment,
                _ => return Err(bad(format!("has:{value} is not known: use has:attachment"))),
            },
            "is" => match lower.as_str() {
                "unread" => Filter::Unread(true),
                "read" => Filter::Unread(false),
                "flagged" | "starred" => Filter::Flagged(true),
                "unflagged" | "unstarred" => Filter::Flagged(false),
                _ => {
                    return Err(bad(format!(
                        "is:{value} is not known: use is:unread, is:read, is:flagged or is:unflagged"
                    )));
                }
            },
            "in" | "label" => Filter::In(value),
            "before" | "after" => {
                let day = parse_day(&value).ok_or_else(|| {
                    bad(format!(
                        "{name}: needs a date like 2024-05-31, not “{value}”"
                    ))
                })?;
                let local = day - self.options.utc_offset;
                if name == "before" {
                    Filter::Before(local)
                } else {
                    Filter::After(local)
                }
            }
            "older_than" | "newer_than" => {
                let span = parse_span(&lower).ok_or_else(|| {
                    bad(format!(
                        "{name}: needs a span like 7d, 2w, 3m or 1y, not “{value}”"
                    ))
                })?;
                let edge = self.options.now - span;
                if name == "older_than" {
                    Filter::Before(edge)
                } else {
                    Filter::After(edge)
                }
            }
            _ => return Err(bad(format!("“{name}:” is not known"))),
        }))
    }
}

fn phrase(field: TextField, text: String) -> Node {
    Node::Phrase { field, text }
}

/// `YYYY-MM-DD` or `YYYY/MM/DD` (or `YYYY-MM`, `YYYY`): that day's midnight, Unix seconds UTC.
fn parse_day(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let number = |i: usize| -> Option<i64> { parts.get(i)?.parse().ok() };
    let year = number(0)?;
    let month = if parts.len() > 1 { number(1)? } else { 1 };
    let day = if parts.len() > 2 { number(2)? } else { 1 };
    if parts.len() > 3 || !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let last = *days_in.get(usize::try_from(month - 1).ok()?)?;
    if !(1..=last).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `7d`, `2w`, `3m`, `1y` in seconds.
fn parse_span(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let count: i64 = text.get(..text.len() - unit.len_utf8())?.parse().ok()?;
    let day = 86_400;
    let per = match unit {
        'd' => day,
        'w' => 7 * day,
        'm' => 30 * day,
        'y' => 365 * day,
        _ => return None,
    };
    (count > 0).then(|| count.saturating_mul(per))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn p(q: &str) -> Node {
        parse(
            q,
            ParseOptions {
                now: NOW,
                utc_offset: 0,
                as_you_type: false,
            },
        )
        .unwrap()
    }

    fn err(q: &str) -> QueryError {
        parse(
            q,
            ParseOptions {
                now: NOW,
                utc_offset: 0,
                as_you_type: false,
            },
        )
        .unwrap_err()
    }

    fn term(text: &str) -> Node {
        Node::Term {
            field: TextField::Any,
            text: text.into(),
            prefix: false,
        }
    }

    #[test]
    fn words_phrases_and_fields() {
        assert_eq!(p(""), Node::And(vec![]));
        assert_eq!(p("invoice"), term("invoice"));
        assert_eq!(
            p("invoice \"quarterly report\" from:alice"),
            Node::And(vec![
                term("invoice"),
                Node::Phrase {
                    field: TextField::Any,
                    text: "quarterly report".into()
                },
                Node::Term {
                    field: TextField::From,
                    text: "alice".into(),
                    prefix: false
                },
            ])
        );
        assert_eq!(
            p("from:alice@example.com"),
            Node::Phrase {
                field: TextField::From,
                text: "alice@example.com".into()
            }
        );
        assert_eq!(
            p("subject:\"weekly sync\""),
            Node::Phrase {
                field: TextField::Subject,
                text: "weekly sync".into()
            }
        );
    }

    #[test]
    fn operators_and_grouping() {
        assert_eq!(
            p("a OR b c"),
            Node::Or(vec![term("a"), Node::And(vec![term("b"), term("c")])])
        );
        assert_eq!(
            p("(a OR b) -c"),
            Node::And(vec![
                Node::Or(vec![term("a"), term("b")]),
                Node::Not(Box::new(term("c")))
            ])
        );
        assert_eq!(
            p("a AND NOT b"),
            Node::And(vec![term("a"), Node::Not(Box::new(term("b")))])
        );
        assert_eq!(p("well-known"), term("well-known"));
    }

    #[test]
    fn filters_and_dates() {
        assert_eq!(p("is:unread"), Node::Filter(Filter::Unread(true)));
        assert_eq!(p("is:starred"), Node::Filter(Filter::Flagged(true)));
        assert_eq!(p("has:attachment"), Node::Filter(Filter::HasAttachment));
        assert_eq!(p("in:Inbox"), Node::Filter(Filter::In("Inbox".into())));
        assert_eq!(
            p("after:2025-12-31"),
            Node::Filter(Filter::After(NOW - 86_400))
        );
        assert_eq!(p("before:2026/01/01"), Node::Filter(Filter::Before(NOW)));
        assert_eq!(
            p("newer_than:2w"),
            Node::Filter(Filter::After(NOW - 14 * 86_400))
        );
        assert_eq!(
            p("older_than:1y"),
            Node::Filter(Filter::Before(NOW - 365 * 86_400))
        );
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2024-02-29"), Some(19_782 * 86_400));
        assert_eq!(parse_day("2023-02-29"), None);
    }

    #[test]
    fn the_word_being_typed_is_a_prefix() {
        let typing = |q: &str| {
            parse(
                q,
                ParseOptions {
                    now: NOW,
                    utc_offset: 0,
                    as_you_type: true,
                },
            )
            .unwrap()
        };
        assert_eq!(
            typing("quarterly rep"),
            Node::And(vec![
                term("quarterly"),
                Node::Term {
                    field: TextField::Any,
                    text: "rep".into(),
                    prefix: true
                }
            ])
        );
        assert_eq!(typing("quarterly rep "), p("quarterly rep"));
        assert_eq!(typing("\"quarterly rep\""), p("\"quarterly rep\""));
    }

    #[test]
    fn semantic_text_and_remaining_filters() {
        let q = p("quarterly numbers from:alice -draft is:unread");
        assert_eq!(q.free_text(), "quarterly numbers");
        assert_eq!(
            q.filters(),
            Some(Node::And(vec![
                Node::Term {
                    field: TextField::From,
                    text: "alice".into(),
                    prefix: false
                },
                Node::Not(Box::new(term("draft"))),
                Node::Filter(Filter::Unread(true)),
            ]))
        );
        assert_eq!(p("budget").filters(), None);
        assert_eq!(p("budget OR is:flagged").filters(), None);
        assert_eq!(
            p("is:unread OR is:flagged").filters(),
            Some(p("is:unread OR is:flagged"))
        );
    }

    #[test]
    fn mistakes_say_what_and_where() {
        for (q, says, at) in [
            ("\"open", "quote is not closed", 0),
            ("(a OR b", "not closed", 0),
            ("a)", "without its", 1),
            ("()", "empty", 0),
            ("OR a", "both sides", 0),
            ("a OR", "both sides", 2),
            ("form:alice", "no “form:” filter", 0),
            ("from:", "needs something", 0),
            ("is:maybe", "is:maybe is not known", 0),
            ("has:pdf", "has:attachment", 0),
            ("before:yesterday", "a date like", 0),
            ("newer_than:7x", "a span like", 0),
            ("a NOT", "leave out", 2),
        ] {
            let e = err(q);
            assert!(e.message.contains(says), "{q}: {e}");
            assert_eq!(e.at, at, "{q}: {e}");
        }
        // A web address is text, not a filter.
        assert_eq!(p("https://example.com"), term("https://example.com"));
    }
}
