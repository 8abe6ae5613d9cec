//! Mail preferences: how long a sent message waits (the undo window), and per account whether
//! the server files sent mail itself (Gmail and others do; then Orbit appends no copy).

use serde::{Deserialize, Serialize};

use crate::accounts::AccountId;
use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

const UNDO_KEY: &str = "mail.undo_send_secs";

/// The undo window when none is set.
pub const DEFAULT_UNDO_SECS: u64 = 10;

/// The longest undo window.
pub const MAX_UNDO_SECS: u64 = 120;

fn sent_key(account: AccountId) -> String {
    format!("mail.server_saves_sent.{}", account.0)
}

/// Mail preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPrefs {
    /// Seconds a sent message waits in the outbox, during which Undo takes it back.
    pub undo_send_secs: u64,
    /// Accounts whose server files sent mail itself (no copy appended by Orbit).
    pub server_saves_sent: Vec<i64>,
}

impl Orbit {
    /// The mail preferences.
    pub fn mail_prefs(&self) -> Result<MailPrefs> {
        let undo = self
            .store
            .read(|c| orbit_store::settings::get(c, UNDO_KEY))?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_UNDO_SECS);
        let mut saves = Vec::new();
        for account in self.store.read(orbit_store::accounts::list)? {
            if self.server_saves_sent(AccountId(account.id))? {
                saves.push(account.id);
            }
        }
        Ok(MailPrefs {
            undo_send_secs: undo,
            server_saves_sent: saves,
        })
    }

    /// Whether `account`'s server files sent mail itself.
    pub(crate) fn server_saves_sent(&self, account: AccountId) -> Result<bool> {
        Ok(self
            .store
            .read(|c| orbit_store::settings::get(c, &sent_key(account)))?
            .is_some_and(|v| v == "true"))
    }

    /// Sets the undo window (0 to 120 seconds).
    pub fn mail_set_undo_send(&self, secs: u64) -> Result<MailPrefs> {
        if secs > MAX_UNDO_SECS {
            return Err(Error::invalid(format!(
                "The undo window is at most {MAX_UNDO_SECS} seconds"
            )));
        }
        self.set_pref(UNDO_KEY, &secs.to_string(), format!("Undo send: {secs} s"))?;
        self.mail_prefs()
    }

    /// Sets whether `account`'s server files sent mail itself.
    pub fn mail_set_server_saves_sent(&self, account: AccountId, saves: bool) -> Result<MailPrefs> {
        let row = self.account_row(account)?;
        self.set_pref(
            &sent_key(account),
            if saves { "true" } else { "false" },
            if saves {
                format!("{}: the server keeps sent mail itself", row.fields.name)
            } else {
                format!("{}: Orbit saves a copy of sent mail", row.fields.name)
            },
        )?;
        self.mail_prefs()
    }

    fn set_pref(&self, key: &str, value: &str, summary: String) -> Result<()> {
        let now = self.now_stamp();
        let activity = self.store.write(|tx| -> Result<i64> {
            orbit_store::settings::set(tx, key, value, &now)?;
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "settings.mail_changed",
                    target: format!("setting:{key}"),
                    summary,
                    details: serde_json::json!({ "key": key, "value": value }),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::SettingsChanged);
        Ok(())
    }
}
