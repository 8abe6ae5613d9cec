//! Message-ID lists (`Message-ID`, `In-Reply-To`, `References`) read from raw header text,
//! tolerant of the forms real clients send: folded lines, comments, missing angle brackets,
//! and prose such as `In-Reply-To: <id> (Joe's message of Monday)`.

/// The ids in a raw header value, in order, without angle brackets, deduplicated.
///
/// Ids inside `<…>` are taken, with any whitespace inside them removed (folding can split an
/// id). When the value has no `<` at all, whitespace- or comma-separated tokens that contain
/// an `@` are taken instead, so `Message-ID: abc@host` still counts but prose does not.
pub(crate) fn parse_id_list(value: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    if value.contains('<') {
        let mut rest = value;
        while let Some(open) = rest.find('<') {
            let Some(after) = rest.get(open + 1..) else {
                break;
            };
            let (inner, next) = match after.find(['>', '<']) {
                Some(end) if after.get(end..end + 1) == Some(">") => {
                    (after.get(..end).unwrap_or_default(), after.get(end + 1..))
                }
                // "<a <b>": the first id is unterminated; take what it has and go on at "<b>".
                Some(end) => (after.get(..end).unwrap_or_default(), after.get(end..)),
                None => (after, None),
            };
            push_id(&mut ids, inner);
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
    } else {
        for token in value.split(|c: char| c.is_whitespace() || c == ',') {
            if token.contains('@') {
                push_id(&mut ids, token);
            }
        }
    }
    ids
}

/// Cleans one id (whitespace and stray brackets removed) and adds it unless empty or seen.
fn push_id(ids: &mut Vec<String>, raw: &str) {
    let id: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && *c != '<' && *c != '>')
        .collect();
    if !id.is_empty() && !ids.contains(&id) {
        ids.push(id);
    }
}

/// A single id given by the caller (e.g. `"<abc@host>"` or `" abc@host "`) in the form this
/// crate stores: trimmed, without angle brackets.
pub(crate) fn clean_id(raw: &str) -> String {
    let trimmed = raw.trim();
    let trimmed = trimmed.strip_prefix('<').unwrap_or(trimmed);
    let trimmed = trimmed.strip_suffix('>').unwrap_or(trimmed);
    trimmed.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_clients_send() {
        let cases: &[(&str, &[&str])] = &[
            ("<a@x>", &["a@x"]),
            (" <a@x> <b@x>\r\n\t<c@x>", &["a@x", "b@x", "c@x"]),
            ("<a@x> <a@x>", &["a@x"]),
            ("<a@x> (Joe's message of Monday)", &["a@x"]),
            ("Your message of Monday", &[]),
            ("abc@host", &["abc@host"]),
            ("<a@\r\n x>", &["a@x"]),
            ("<a@x", &["a@x"]),
            ("<a@x <b@x>", &["a@x", "b@x"]),
            ("<>", &[]),
            ("", &[]),
            ("<<<>>>", &[]),
            ("a@x, b@x", &["a@x", "b@x"]),
        ];
        for (input, want) in cases {
            assert_eq!(parse_id_list(input), *want, "ids of {input:?}");
        }
    }

    #[test]
    fn cleans_single_ids() {
        assert_eq!(clean_id(" <a@x> "), "a@x");
        assert_eq!(clean_id("a@x"), "a@x");
        assert_eq!(clean_id("<>"), "");
    }
}
