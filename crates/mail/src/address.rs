//! Mailbox addresses (`Name <email>`) taken from mail-parser's address lists and groups.

use std::fmt;

/// One mailbox: an optional display name and the address as written (trimmed, without
/// angle brackets; case kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

impl Address {
    /// Builds an address from parsed parts, or `None` when neither part has content.
    /// A display name equal to the address is dropped (`"a@x" <a@x>` shows as `a@x`).
    pub(crate) fn from_parts(name: Option<&str>, email: Option<&str>) -> Option<Address> {
        let email = email.map(clean_email).unwrap_or_default();
        let name = name
            .map(clean_name)
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&email));
        if email.is_empty() && name.is_none() {
            return None;
        }
        Some(Address { name, email })
    }

    /// The lower-cased address, as threading compares participants.
    pub fn email_lowercase(&self) -> String {
        self.email.to_lowercase()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.email.is_empty()) {
            (Some(name), false) => write!(f, "{name} <{}>", self.email),
            (Some(name), true) => f.write_str(name),
            (None, _) => f.write_str(&self.email),
        }
    }
}

/// Trimmed, without surrounding `<>` or control characters.
fn clean_email(raw: &str) -> String {
    let trimmed = raw.trim();
    let trimmed = trimmed.strip_prefix('<').unwrap_or(trimmed);
    let trimmed = trimmed.strip_suffix('>').unwrap_or(trimmed);
    trimmed.trim().chars().filter(|c| !c.is_control()).collect()
}

/// Trimmed, surrounding quotes removed, control characters turned into spaces.
fn clean_name(raw: &str) -> String {
    let trimmed = raw.trim();
    let trimmed = trimmed
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(trimmed);
    let spaced: String = trimmed
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.trim().to_string()
}

/// Converts a mail-parser address header (a list or groups) into mailboxes, skipping
/// entries with neither a name nor an address (e.g. an empty `undisclosed-recipients:;`).
pub(crate) fn from_parser(address: &mail_parser::Address<'_>) -> Vec<Address> {
    address
        .iter()
        .filter_map(|a| Address::from_parts(a.name(), a.address()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_name_and_email() {
        let a = Address::from_parts(Some(" Jürgen Müller "), Some(" <j@EXAMPLE.com> ")).unwrap();
        assert_eq!(a.email, "j@EXAMPLE.com", "email kept as given, trimmed");
        assert_eq!(a.to_string(), "Jürgen Müller <j@EXAMPLE.com>");
        assert_eq!(a.email_lowercase(), "j@example.com");
        let b = Address::from_parts(None, Some("b@x")).unwrap();
        assert_eq!(b.to_string(), "b@x");
        let c = Address::from_parts(Some("b@x"), Some("b@x")).unwrap();
        assert_eq!(c.name, None, "a name equal to the address is dropped");
        assert_eq!(Address::from_parts(Some("  "), Some("")), None);
        let d = Address::from_parts(Some("Only Name"), None).unwrap();
        assert_eq!(d.to_string(), "Only Name");
    }
}
