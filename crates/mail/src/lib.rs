//! Orbit's mail logic, sans I/O: MIME parsing into [`ParsedMessage`], the stable
//! [`synthetic_message_id`] for messages without one, subject normalisation and JWZ
//! threading ([`thread`]), and making HTML mail safe to show ([`sanitize`]).
//!
//! No SQL, no network, no filesystem, no clock: the sync engine feeds bytes in and stores
//! what comes out. Nothing here panics on bad input; a broken message gives a best-effort
//! result and human-readable notes in [`ParsedMessage::defects`].

mod address;
mod css;
mod html;
mod ids;
mod message;
pub mod sanitize;
mod snippet;
mod subject;
pub mod thread;

pub use address::Address;
pub use html::{hidden_text, html_to_text};
pub use message::{Attachment, ParsedMessage, parse, reference_chain, synthetic_message_id};
pub use subject::{is_reply_or_forward, normalize_subject};
