//! The one-line preview shown in message lists: the start of the readable text with quoted
//! lines, attribution lines ("On … wrote:") and everything after a signature or
//! "Original Message" separator left out, whitespace collapsed, about 160 characters.

use crate::html::is_invisible;

/// Target length in characters (an ellipsis is added when the text was cut).
pub(crate) const SNIPPET_CHARS: usize = 160;

/// Builds the snippet of `text`. Falls back to the whole text (collapsed) when every line
/// is quoted, so a bare forward still gets a preview.
pub(crate) fn make_snippet(text: &str) -> String {
    snippet_reading(text, SNIPPET_CHARS)
}

/// [`make_snippet`], reading lines until what it kept is longer than `enough` bytes and
/// already makes a whole snippet.
fn snippet_reading(text: &str, enough: usize) -> String {
    let own = own_words(text, enough);
    let source = if own.is_empty() {
        collapse(text, SNIPPET_CHARS + 1)
    } else {
        own
    };
    truncate(&source, SNIPPET_CHARS)
}

/// The text without quoted material, collapsed to single spaces.
fn own_words(text: &str, enough: usize) -> String {
    let mut lines = text.lines().map(str::trim).peekable();
    // The kept lines, each followed by a space, collapsed as they come.
    let mut kept = Collapsing::new(SNIPPET_CHARS + 1);
    let mut kept_len = 0;
    let mut kept_blank = true;
    while let Some(line) = lines.next() {
        let next = lines.peek().copied().unwrap_or_default();
        // Enough for a snippet: the rest of a long message is not read. (Lines are only
        // ever added after what is kept, so once its start collapses to more than a snippet,
        // more lines cannot change the result.)
        if kept_len > enough && kept.count > SNIPPET_CHARS {
            break;
        }
        if line.starts_with('>') {
            continue;
        }
        if is_separator(line) {
            if kept_blank {
                continue;
            }
            break;
        }
        if is_attribution(line) {
            continue;
        }
        // "On Mon, 1 Jan 2024 at 10:00, Joe <joe@example.com>\nwrote:" split over two lines.
        if starts_attribution(line) && is_attribution(&format!("{line} {next}")) {
            lines.next();
            continue;
        }
        kept.push(line);
        kept.push(" ");
        kept_len += line.len() + 1;
        kept_blank &= line.is_empty();
    }
    kept.out
}

/// A line after which the rest is a signature or an older message.
fn is_separator(line: &str) -> bool {
    if !line.starts_with(['-', '_', 'b', 'B']) {
        return false;
    }
    let lower = line.to_lowercase();
    line == "--"
        || lower.starts_with("-----original message")
        || lower.starts_with("----- original message")
        || lower.starts_with("-------- original message")
        || lower.starts_with("---------- forwarded message")
        || lower.starts_with("-----ursprüngliche nachricht")
        || lower.starts_with("begin forwarded message")
        || line.len() >= 20 && line.chars().all(|c| c == '_')
}

/// Attribution lines that introduce a quote, in the languages clients most often write.
fn is_attribution(line: &str) -> bool {
    if !line.ends_with(':') || line.len() >= 600 {
        return false;
    }
    let lower = line.to_lowercase();
    let ends = [
        "wrote:",
        "writes:",
        "schrieb:",
        "a écrit :",
        "a écrit:",
        "escribió:",
        "ha scritto:",
        "skrev:",
        "schreef:",
        "napisał:",
        "escreveu:",
    ];
    ends.iter().any(|e| lower.ends_with(e)) && lower.len() < 300
}

/// The first line of an attribution that a client folded over two lines.
fn starts_attribution(line: &str) -> bool {
    let head: String = line.chars().take(4).collect();
    let lower = head.to_lowercase();
    ["on ", "am ", "le ", "el ", "il ", "op ", "den ", "em "]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Single spaces, no invisible padding characters; stops after `max_chars` characters.
fn collapse(text: &str, max_chars: usize) -> String {
    let mut collapsing = Collapsing::new(max_chars);
    collapsing.push(text);
    collapsing.out
}

/// [`collapse`] of text that comes in pieces: pushing several is collapsing them joined.
struct Collapsing {
    out: String,
    /// Whitespace was seen since the last character kept.
    space: bool,
    /// Characters in `out`.
    count: usize,
    max_chars: usize,
}

impl Collapsing {
    fn new(max_chars: usize) -> Self {
        Self {
            out: String::with_capacity(4 * SNIPPET_CHARS),
            space: false,
            count: 0,
            max_chars,
        }
    }

    fn push(&mut self, text: &str) {
        if self.count >= self.max_chars {
            return;
        }
        for ch in text.chars() {
            if ch.is_whitespace() {
                self.space = true;
            } else if !is_invisible(ch) {
                if self.space && !self.out.is_empty() {
                    self.out.push(' ');
                    self.count += 1;
                }
                self.space = false;
                self.out.push(ch);
                self.count += 1;
                if self.count >= self.max_chars {
                    break;
                }
            }
        }
    }
}

/// Cuts to at most `max` characters, at a word boundary when one is near, adding "…".
fn truncate(text: &str, max: usize) -> String {
    let Some((cut, _)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let head = text.get(..cut).unwrap_or(text);
    let head = match head.rfind(' ') {
        Some(space)
            if head
                .get(..space)
                .is_some_and(|h| h.chars().count() >= max * 3 / 4) =>
        {
            head.get(..space).unwrap_or(head)
        }
        _ => head,
    };
    format!("{}…", head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_quotes_and_attributions() {
        let text = "Sounds good,\nsee you there.\n\nOn Mon, 1 Jan 2024 at 10:00, Joe <joe@example.com> wrote:\n> Are we on?\n> Yes.\n";
        assert_eq!(make_snippet(text), "Sounds good, see you there.");
    }

    #[test]
    fn skips_a_folded_attribution() {
        let text = "Yes.\nOn Mon, 1 Jan 2024 at 10:00, Joe <joe@example.com>\nwrote:\n> Are we on?";
        assert_eq!(make_snippet(text), "Yes.");
    }

    #[test]
    fn stops_at_signature_and_original_message() {
        assert_eq!(make_snippet("Thanks\n--\nJoe\nACME"), "Thanks");
        assert_eq!(
            make_snippet("FYI\n-----Original Message-----\nFrom: x"),
            "FYI"
        );
    }

    #[test]
    fn falls_back_when_everything_is_quoted() {
        assert_eq!(make_snippet("> only\n> quoted"), "> only > quoted");
    }

    #[test]
    fn truncates_near_160_chars_at_a_word() {
        let text = "word ".repeat(100);
        let snippet = make_snippet(&text);
        assert!(snippet.ends_with('…'), "ellipsis added: {snippet}");
        assert!(
            snippet.chars().count() <= SNIPPET_CHARS + 1,
            "length {}",
            snippet.len()
        );
        assert!(snippet.chars().count() >= 120, "not cut too short");
        assert!(!snippet.contains("wor…"), "cut at a word boundary");
        let long_word = "ü".repeat(400);
        assert_eq!(make_snippet(&long_word).chars().count(), SNIPPET_CHARS + 1);
    }

    #[test]
    fn stopping_once_a_snippet_is_whole_gives_what_reading_everything_gives() {
        // Lines of every kind the reader tells apart, in pseudo-random orders and lengths.
        let kinds = [
            "Hello there, this is a line of the message",
            "   ",
            "> a quoted line",
            "--",
            "-----Original Message-----",
            "On Mon, 1 Jan 2024 at 10:00, Joe <joe@example.com>",
            "wrote:",
            "Joe wrote:",
            "\u{200b}\u{200c}",
            "tab\tseparated\t\twords",
            "ünïcödé wörds ✓ and more",
            "x",
            "",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..3000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let lines = seed % 40;
            for i in 0..lines {
                let pick = (seed.rotate_left(u32::try_from(i * 5 % 64).unwrap()) % 13) as usize;
                text.push_str(kinds[pick]);
                text.push('\n');
            }
            assert_eq!(
                make_snippet(&text),
                snippet_reading(&text, usize::MAX),
                "for {text:?}"
            );
        }
    }

    #[test]
    fn collapses_whitespace_and_padding() {
        assert_eq!(make_snippet("  a \u{200b}\u{200c} \t b\n\n c  "), "a b c");
        assert_eq!(make_snippet(""), "");
    }
}
