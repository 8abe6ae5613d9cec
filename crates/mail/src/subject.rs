//! Subject normalisation: the base subject that threading compares, with reply and forward
//! prefixes (`Re:`, `Fwd:`, `AW:`, `Re[2]:`, …) and mailing-list tags (`[list]`) removed.

/// Reply and forward prefixes, lower-case, as mail clients in several languages write them.
/// Single letters (Italian `R:`/`I:`) are left out on purpose: they also start real subjects.
const PREFIXES: &[&str] = &[
    // replies
    "re",
    "res",
    "aw",
    "sv",
    "antw",
    "antwort",
    "ref",
    "réf",
    "rif",
    "odp",
    "vá",
    "bls",
    "ynt",
    "atb",
    "απ",
    "השב",
    "رد",
    "回复",
    "答复",
    // forwards
    "fwd",
    "fw",
    "tr",
    "vs",
    "wg",
    "rv",
    "enc",
    "doorst",
    "vl",
    "fs",
    "trs",
    "vb",
    "pd",
    "πρθ",
    "הועבר",
    "转发",
    "回覆",
    "轉寄",
];

/// The base subject: reply/forward prefixes and leading `[list]` tags removed (repeatedly),
/// whitespace collapsed to single spaces, lower-cased.
///
/// `"Re: RE: Fwd: [list] Hello  world"` becomes `"hello world"`. A tag is only removed when
/// something follows it, so a subject that is nothing but `"[urgent]"` stays `"[urgent]"`.
pub fn normalize_subject(subject: &str) -> String {
    let (base, _) = strip_prefixes(subject);
    collapse_whitespace(base).to_lowercase()
}

/// Whether the subject starts (possibly after `[list]` tags) with a reply or forward prefix.
pub fn is_reply_or_forward(subject: &str) -> bool {
    strip_prefixes(subject).1
}

/// Strips prefixes and tags; returns the rest and whether a reply/forward prefix was seen.
fn strip_prefixes(subject: &str) -> (&str, bool) {
    let mut rest = subject.trim();
    let mut stripped_prefix = false;
    loop {
        if let Some(after) = strip_reply_prefix(rest) {
            rest = after;
            stripped_prefix = true;
            continue;
        }
        if let Some(after) = strip_tag(rest) {
            rest = after;
            continue;
        }
        // A trailing "(fwd)" is an old forward marker.
        if let Some(before) = strip_fwd_suffix(rest) {
            rest = before;
            stripped_prefix = true;
            continue;
        }
        return (rest, stripped_prefix);
    }
}

/// `"Re: x"`, `"RE : x"`, `"Re[2]: x"`, `"Re(2): x"`, `"AW：x"` → `"x"` (trimmed).
fn strip_reply_prefix(s: &str) -> Option<&str> {
    let word_end = s
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    let word = s.get(..word_end)?;
    if word.is_empty() {
        return None;
    }
    let lower = word.to_lowercase();
    if !PREFIXES.contains(&lower.as_str()) {
        return None;
    }
    let mut rest = s.get(word_end..)?;
    // Optional counter: "[2]" or "(2)".
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let Some(inner) = rest.strip_prefix(open)
            && let Some(end) = inner.find(close)
        {
            let counter = inner.get(..end)?;
            if !counter.is_empty() && counter.chars().all(|c| c.is_ascii_digit()) {
                rest = inner.get(end + close.len_utf8()..)?;
            }
        }
    }
    let rest = rest.trim_start();
    let after = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
    Some(after.trim_start())
}

/// `"[list] x"` → `"x"`, only when something non-empty follows the tag.
fn strip_tag(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('[')?;
    let end = inner.find(']')?;
    let after = inner.get(end + 1..)?.trim_start();
    if after.is_empty() { None } else { Some(after) }
}

/// `"x (fwd)"` → `"x"`, only when something non-empty precedes it.
fn strip_fwd_suffix(s: &str) -> Option<&str> {
    let cut = s.len().checked_sub("(fwd)".len())?;
    let tail = s.get(cut..)?;
    if !tail.eq_ignore_ascii_case("(fwd)") {
        return None;
    }
    let before = s.get(..cut)?.trim_end();
    if before.is_empty() {
        None
    } else {
        Some(before)
    }
}

/// Every run of whitespace becomes one space; the ends are trimmed.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_the_common_forms() {
        let cases = [
            ("Re: RE: Fwd: [list] Hello  world", "hello world", true),
            ("AW: Antw: x", "x", true),
            ("Re[3]: x", "x", true),
            ("Re(2): x", "x", true),
            ("RE : x", "x", true),
            ("Réf : Réunion de lundi", "réunion de lundi", true),
            ("TR: Ärger mit der Übergabe", "ärger mit der übergabe", true),
            ("SV: VS: Hei", "hei", true),
            ("WG: Termin", "termin", true),
            ("[list] Re: [list] Re: topic", "topic", true),
            ("回复：会议", "会议", true),
            ("Hello world", "hello world", false),
            ("  Hello\t\tworld  ", "hello world", false),
            ("[urgent]", "[urgent]", false),
            ("Re:", "", true),
            ("", "", false),
            ("Are: you coming?", "are: you coming?", false),
            ("Regarding: the plan", "regarding: the plan", false),
            ("Re: x (fwd)", "x", true),
            ("Fwd:Re:x", "x", true),
            ("ΑΠ: Γεια", "γεια", true),
        ];
        for (input, want, reply) in cases {
            assert_eq!(normalize_subject(input), want, "normalize {input:?}");
            assert_eq!(is_reply_or_forward(input), reply, "reply? {input:?}");
        }
    }

    #[test]
    fn non_ascii_and_odd_input_never_panic() {
        for s in [
            "Ré",
            "[",
            "]",
            "[]",
            "Re[",
            "Re[2",
            "Re(",
            "Re[ü]: x",
            "：",
            "Re：",
            "\u{0}",
        ] {
            let _ = normalize_subject(s);
            let _ = is_reply_or_forward(s);
        }
    }
}
