//! Coarse "something changed" events. They carry ids only; front doors re-query after one.

use serde::Serialize;

/// Something changed in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An activity row was appended.
    ActivityAdded {
        /// Its id.
        id: i64,
    },
    /// Accounts were added, edited, removed or tested.
    AccountsChanged,
    /// AI provider settings or keys changed.
    SettingsChanged,
    /// Mail of an account changed (synced, imported or changed locally).
    MailChanged {
        /// The account.
        account_id: i64,
    },
    /// The user changed mail locally; the changes wait to be sent to the server.
    ChangesQueued {
        /// The account.
        account_id: i64,
    },
    /// Something was queued, sent, failed or taken back in the outbox.
    OutboxChanged,
    /// Calendar events changed (a sync, an edit here, an invitation answered).
    CalendarChanged,
    /// A calendar change made here waits to reach the server (a sync can take it now).
    CalendarQueued,
    /// New mail arrived in an account's inbox.
    MailArrived {
        /// The account.
        account_id: i64,
        /// How many messages.
        count: usize,
    },
}
