//! Accounts: their server settings (in the store) and their passwords (in the OS keyring),
//! validated on the way in, changed transactionally with an activity row, and never leaving a
//! half-created account or an orphaned secret behind.

use orbit_net::{Security, is_loopback_host};
use orbit_secrets::Sensitive;
use orbit_store::{AccountRow, AccountWrite, StoreErrorKind, accounts};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::activity::{Actor, Record};
use crate::{Error, ErrorCode, Event, Orbit, Result};

/// An account id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A server endpoint as the front doors send and receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointInput {
    /// Host name or address.
    pub host: String,
    /// Port (checked to be 1–65535).
    pub port: i64,
    /// `tls`, `starttls` or `none`.
    pub security: String,
}

/// The fields a user sets on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInput {
    /// Display name ("Work").
    pub name: String,
    /// The account's address.
    pub email: String,
    /// Login name for every server.
    pub username: String,
    /// IMAP server.
    #[serde(default)]
    pub imap: Option<EndpointInput>,
    /// SMTP submission server.
    #[serde(default)]
    pub smtp: Option<EndpointInput>,
    /// CalDAV base URL.
    #[serde(default)]
    pub caldav_url: Option<String>,
}

/// The outcome of the last connection test, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastTestView {
    /// RFC 3339 UTC.
    pub at: String,
    /// Whether every configured service passed.
    pub ok: bool,
    /// One line.
    pub summary: String,
}

/// An account as the front doors show it. It never holds the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// Display name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Login name.
    pub username: String,
    /// IMAP server.
    pub imap: Option<EndpointInput>,
    /// SMTP server.
    pub smtp: Option<EndpointInput>,
    /// CalDAV base URL.
    pub caldav_url: Option<String>,
    /// The last connection test.
    pub last_test: Option<LastTestView>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// A validated server endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

fn view_endpoint(e: &orbit_store::Endpoint) -> EndpointInput {
    EndpointInput {
        host: e.host.clone(),
        port: i64::from(e.port),
        security: e.security.clone(),
    }
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Account {
            id: AccountId(row.id),
            imap: row.fields.imap.as_ref().map(view_endpoint),
            smtp: row.fields.smtp.as_ref().map(view_endpoint),
            name: row.fields.name,
            email: row.fields.email,
            username: row.fields.username,
            caldav_url: row.fields.caldav_url,
            last_test: row.last_test.map(|t| LastTestView {
                at: t.at,
                ok: t.ok,
                summary: t.summary,
            }),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Parses a stored endpoint back into a typed server.
pub(crate) fn server(endpoint: &orbit_store::Endpoint) -> Result<Server> {
    Ok(Server {
        host: endpoint.host.clone(),
        port: endpoint.port,
        security: endpoint.security.parse().map_err(Error::internal)?,
    })
}

fn validate_endpoint(label: &str, input: &EndpointInput) -> Result<orbit_store::Endpoint> {
    let host = input.host.trim();
    if host.is_empty() {
        return Err(Error::invalid(format!("{label} host is empty")));
    }
    if host.contains(char::is_whitespace) || host.contains("://") || host.contains('/') {
        return Err(Error::invalid(format!(
            "{label} host {host:?} is not a host name: give only the name, like mail.example.com"
        )));
    }
    let port = u16::try_from(input.port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| {
            Error::invalid(format!(
                "{label} port {} is out of range: use 1 to 65535",
                input.port
            ))
        })?;
    let security: Security = input
        .security
        .parse()
        .map_err(|e: String| Error::invalid(format!("{label} security: {e}")))?;
    if security == Security::None && !is_loopback_host(host) {
        return Err(Error::invalid(format!(
            "{label} security \"none\" would send your password unencrypted to {host}: use tls or starttls (plain connections are allowed only to this computer)"
        )));
    }
    Ok(orbit_store::Endpoint {
        host: host.to_owned(),
        port,
        security: security.as_str().to_owned(),
    })
}

/// Checks and normalises what the user typed.
pub(crate) fn validate(input: &AccountInput) -> Result<AccountWrite> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("Name is empty"));
    }
    if name.chars().count() > 200 {
        return Err(Error::invalid("Name is longer than 200 characters"));
    }
    let email = input.email.trim();
    let valid_email = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !email.contains(char::is_whitespace);
    if !valid_email {
        return Err(Error::invalid(format!(
            "Email {email:?} is not an address like name@example.com"
        )));
    }
    let username = input.username.trim();
    if username.is_empty() {
        return Err(Error::invalid("Username is empty"));
    }
    let imap = input
        .imap
        .as_ref()
        .map(|e| validate_endpoint("IMAP", e))
        .transpose()?;
    let smtp = input
        .smtp
        .as_ref()
        .map(|e| validate_endpoint("SMTP", e))
        .transpose()?;
    let caldav_url = match input.caldav_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => {
            orbit_dav::parse_url(url).map_err(|e| Error::invalid(format!("CalDAV URL: {e}")))?;
            Some(url.to_owned())
        }
    };
    if imap.is_none() && smtp.is_none() && caldav_url.is_none() {
        return Err(Error::invalid(
            "Give at least one server: IMAP, SMTP or CalDAV",
        ));
    }
    Ok(AccountWrite {
        name: name.to_owned(),
        email: email.to_owned(),
        username: username.to_owned(),
        imap,
        smtp,
        caldav_url,
    })
}

fn check_password(password: &Sensitive<String>) -> Result<()> {
    if password.expose().is_empty() {
        return Err(Error::invalid("Password is empty"));
    }
    Ok(())
}

fn unique_email(err: Error, email: &str) -> Error {
    if err.code() == ErrorCode::InvalidInput {
        Error::invalid(format!("An account for {email} already exists"))
    } else {
        err
    }
}

fn describe(fields: &AccountWrite) -> serde_json::Value {
    json!({
        "name": fields.name,
        "email": fields.email,
        "username": fields.username,
        "imap": fields.imap.as_ref().map(|e| format!("{}:{} ({})", e.host, e.port, e.security)),
        "smtp": fields.smtp.as_ref().map(|e| format!("{}:{} ({})", e.host, e.port, e.security)),
        "caldav_url": fields.caldav_url,
    })
}

impl Orbit {
    /// The keyring entry name of an account's password.
    pub(crate) fn password_entry(&self, id: AccountId) -> String {
        format!("{}/account/{}/password", self.profile_id, id.0)
    }

    /// Every account, oldest first.
    pub fn account_list(&self) -> Result<Vec<Account>> {
        let rows = self.store.read(accounts::list)?;
        Ok(rows.into_iter().map(Account::from).collect())
    }

    /// One account.
    pub fn account_get(&self, id: AccountId) -> Result<Account> {
        self.account_row(id).map(Account::from)
    }

    pub(crate) fn account_row(&self, id: AccountId) -> Result<AccountRow> {
        self.store
            .read(|conn| accounts::get(conn, id.0))?
            .ok_or_else(|| Error::not_found(format!("There is no account {id}")))
    }

    /// Adds an account: the row and its activity in one transaction, the password in the
    /// keyring before that transaction commits. If either fails, neither remains.
    pub fn account_add(
        &self,
        input: &AccountInput,
        password: Sensitive<String>,
    ) -> Result<Account> {
        let fields = validate(input)?;
        check_password(&password)?;
        let now = self.now_stamp();
        let mut stored_secret: Option<String> = None;
        let result = self.store.write(|tx| -> Result<(i64, i64)> {
            let id = accounts::insert(tx, &fields, &now)
                .map_err(|e| unique_email(Error::from(e), &fields.email))?;
            let activity = self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "account.added",
                    target: format!("account:{id}"),
                    summary: format!("Added account {} ({})", fields.name, fields.email),
                    details: describe(&fields),
                },
            )?;
            let entry = self.password_entry(AccountId(id));
            self.keyring
                .set(&entry, &password)
                .map_err(|e| Error::from(e).context("The account was not added"))?;
            stored_secret = Some(entry);
            Ok((id, activity))
        });
        match result {
            Ok((id, activity)) => {
                self.emit(Event::ActivityAdded { id: activity });
                self.emit(Event::AccountsChanged);
                self.account_get(AccountId(id))
            }
            Err(err) => {
                // The commit may have failed after the secret was stored: take it back.
                if let Some(entry) = stored_secret
                    && let Err(cleanup) = self.keyring.delete(&entry)
                {
                    tracing::warn!(error = %cleanup, "could not remove the secret of an account that was not added");
                }
                Err(err)
            }
        }
    }

    /// Replaces an account's settings and, when `password` is given, its password.
    pub fn account_update(
        &self,
        id: AccountId,
        input: &AccountInput,
        password: Option<Sensitive<String>>,
    ) -> Result<Account> {
        let fields = validate(input)?;
        if let Some(password) = &password {
            check_password(password)?;
        }
        let before = self.account_row(id)?;
        let now = self.now_stamp();
        let activity = self.store.write(|tx| -> Result<i64> {
            accounts::update(tx, id.0, &fields, &now)
                .map_err(|e| unique_email(Error::from(e), &fields.email))?;
            let mut details =
                json!({ "before": describe(&before.fields), "after": describe(&fields) });
            if let Some(map) = details.as_object_mut() {
                map.insert("password_changed".into(), json!(password.is_some()));
            }
            let activity = self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "account.updated",
                    target: format!("account:{id}"),
                    summary: format!("Edited account {} ({})", fields.name, fields.email),
                    details,
                },
            )?;
            if let Some(password) = &password {
                self.keyring
                    .set(&self.password_entry(id), password)
                    .map_err(|e| Error::from(e).context("The account was not changed"))?;
            }
            Ok(activity)
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::AccountsChanged);
        self.account_get(id)
    }

    /// Removes an account and its password. The secret is deleted inside the transaction that
    /// deletes the row, so a keyring failure leaves the account in place rather than orphaning
    /// anything.
    pub fn account_remove(&self, id: AccountId) -> Result<()> {
        let row = self.account_row(id)?;
        let activity = self.store.write(|tx| -> Result<i64> {
            accounts::delete(tx, id.0).map_err(|e| match e.kind() {
                StoreErrorKind::NotFound => Error::not_found(format!("There is no account {id}")),
                _ => Error::from(e),
            })?;
            let activity = self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "account.removed",
                    target: format!("account:{id}"),
                    summary: format!("Removed account {} ({})", row.fields.name, row.fields.email),
                    details: describe(&row.fields),
                },
            )?;
            self.keyring
                .delete(&self.password_entry(id))
                .map_err(|e| Error::from(e).context("The account was not removed"))?;
            Ok(activity)
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::AccountsChanged);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AccountInput {
        AccountInput {
            name: " Work ".into(),
            email: "alice@example.com".into(),
            username: "alice".into(),
            imap: Some(EndpointInput {
                host: "imap.example.com".into(),
                port: 993,
                security: "tls".into(),
            }),
            smtp: Some(EndpointInput {
                host: "smtp.example.com".into(),
                port: 587,
                security: "STARTTLS".into(),
            }),
            caldav_url: Some("https://dav.example.com/".into()),
        }
    }

    fn rejects(change: impl FnOnce(&mut AccountInput), needle: &str) {
        let mut bad = input();
        change(&mut bad);
        match validate(&bad) {
            Err(err) => {
                assert_eq!(err.code(), ErrorCode::InvalidInput);
                assert!(
                    err.message().contains(needle),
                    "{:?} should mention {needle:?}",
                    err.message()
                );
            }
            Ok(_) => panic!("{bad:?} should be refused"),
        }
    }

    #[test]
    fn valid_input_is_normalised() -> Result<()> {
        let fields = validate(&input())?;
        assert_eq!(fields.name, "Work");
        assert_eq!(fields.smtp.map(|s| s.security).as_deref(), Some("starttls"));
        Ok(())
    }

    #[test]
    fn invalid_settings_are_refused_with_the_field_named() {
        rejects(|i| i.name = "  ".into(), "Name");
        rejects(|i| i.email = "alice".into(), "Email");
        rejects(|i| i.email = "a b@example.com".into(), "Email");
        rejects(|i| i.username = String::new(), "Username");
        rejects(
            |i| {
                if let Some(e) = i.imap.as_mut() {
                    e.port = 0
                }
            },
            "IMAP port",
        );
        rejects(
            |i| {
                if let Some(e) = i.imap.as_mut() {
                    e.port = 70000
                }
            },
            "IMAP port",
        );
        rejects(
            |i| {
                if let Some(e) = i.smtp.as_mut() {
                    e.security = "ssl3".into()
                }
            },
            "SMTP security",
        );
        rejects(
            |i| {
                if let Some(e) = i.imap.as_mut() {
                    e.host = "imaps://x".into()
                }
            },
            "IMAP host",
        );
        rejects(
            |i| {
                if let Some(e) = i.imap.as_mut() {
                    e.security = "none".into()
                }
            },
            "unencrypted",
        );
        rejects(
            |i| i.caldav_url = Some("http://dav.example.com/".into()),
            "CalDAV URL",
        );
        rejects(
            |i| {
                i.imap = None;
                i.smtp = None;
                i.caldav_url = None;
            },
            "at least one server",
        );
    }

    #[test]
    fn plain_is_allowed_to_loopback() -> Result<()> {
        let mut local = input();
        local.imap = Some(EndpointInput {
            host: "127.0.0.1".into(),
            port: 14143,
            security: "none".into(),
        });
        local.caldav_url = Some("http://127.0.0.1:15232/".into());
        validate(&local)?;
        Ok(())
    }
}
