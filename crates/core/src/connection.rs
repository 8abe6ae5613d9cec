//! The connection test: log in to each server an account names (IMAP, SMTP, CalDAV) at once and
//! say, for each, whether it worked and if not why (authentication, TLS, unreachable, timeout).

use std::time::Instant;

use orbit_net::FailureKind;
use orbit_secrets::Sensitive;
use orbit_store::LastTest;
use serde::Serialize;
use serde_json::json;

use crate::accounts::{AccountId, server};
use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

/// One server's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `imap`, `smtp` or `caldav`.
    pub service: String,
    /// Whether the login worked.
    pub ok: bool,
    /// Why not: `auth`, `tls`, `unreachable`, `timeout`, `protocol` or `config`.
    pub kind: Option<String>,
    /// What happened, in words.
    pub message: String,
    /// How long it took.
    pub elapsed_ms: u64,
}

/// The result of testing an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionReport {
    /// The account tested.
    pub account_id: AccountId,
    /// Whether every configured server passed.
    pub ok: bool,
    /// One result per configured server.
    pub checks: Vec<Check>,
}

impl ConnectionReport {
    /// One line: "IMAP ok, SMTP failed (auth), CalDAV ok".
    pub fn summary(&self) -> String {
        self.checks
            .iter()
            .map(|c| {
                let name = c.service.to_uppercase().replace("CALDAV", "CalDAV");
                match &c.kind {
                    None => format!("{name} ok"),
                    Some(kind) => format!("{name} failed ({kind})"),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn check(
    service: &str,
    started: Instant,
    outcome: std::result::Result<String, (FailureKind, String)>,
) -> Check {
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(message) => Check {
            service: service.to_owned(),
            ok: true,
            kind: None,
            message,
            elapsed_ms,
        },
        Err((kind, message)) => Check {
            service: service.to_owned(),
            ok: false,
            kind: Some(kind.as_str().to_owned()),
            message,
            elapsed_ms,
        },
    }
}

impl Orbit {
    /// Tests every server of an account, records the outcome on the account and in the
    /// activity log (as `actor`), and returns the report.
    pub async fn account_test(&self, id: AccountId, actor: Actor) -> Result<ConnectionReport> {
        let row = self.account_row(id)?;
        let password = self.account_password(id)?;
        let timeout = self.net_timeout;
        let fields = &row.fields;

        let imap = async {
            let endpoint = fields.imap.as_ref()?;
            let started = Instant::now();
            let outcome = match server(endpoint) {
                Err(e) => Err((FailureKind::Config, e.to_string())),
                Ok(s) => orbit_imap::check_login(&orbit_imap::ImapConfig {
                    host: s.host,
                    port: s.port,
                    security: s.security,
                    username: fields.username.clone(),
                    password: password.clone(),
                    timeout,
                })
                .await
                .map(|report| {
                    let extensions: Vec<&str> = report
                        .capabilities
                        .iter()
                        .map(String::as_str)
                        .filter(|c| ["IDLE", "CONDSTORE", "QRESYNC", "MOVE", "UIDPLUS"].contains(c))
                        .collect();
                    format!(
                        "Logged in to {}:{} ({})",
                        endpoint.host,
                        endpoint.port,
                        extensions.join(" ")
                    )
                })
                .map_err(|e| (e.kind(), e.to_string())),
            };
            Some(check("imap", started, outcome))
        };
        let smtp = async {
            let endpoint = fields.smtp.as_ref()?;
            let started = Instant::now();
            let outcome = match server(endpoint) {
                Err(e) => Err((FailureKind::Config, e.to_string())),
                Ok(s) => orbit_smtp::check_login(&orbit_smtp::SmtpConfig {
                    host: s.host,
                    port: s.port,
                    security: s.security,
                    username: fields.username.clone(),
                    password: password.clone(),
                    timeout,
                })
                .await
                .map(|()| format!("Logged in to {}:{}", endpoint.host, endpoint.port))
                .map_err(|e| (e.kind(), e.to_string())),
            };
            Some(check("smtp", started, outcome))
        };
        let caldav = async {
            let url = fields.caldav_url.as_ref()?;
            let started = Instant::now();
            let outcome = orbit_dav::check_login(&orbit_dav::DavConfig {
                url: url.clone(),
                username: fields.username.clone(),
                password: password.clone(),
                timeout,
            })
            .await
            .map(|found| {
                let moved = found
                    .moved_to
                    .map(|server| format!(" on {}", server.trim_end_matches('/')))
                    .unwrap_or_default();
                format!(
                    "Logged in; {} calendar{} found{moved}",
                    found.calendars,
                    if found.calendars == 1 { "" } else { "s" }
                )
            })
            .map_err(|e| (e.kind(), e.to_string()));
            Some(check("caldav", started, outcome))
        };
        let (imap, smtp, caldav) = tokio::join!(imap, smtp, caldav);
        let checks: Vec<Check> = [imap, smtp, caldav].into_iter().flatten().collect();
        let report = ConnectionReport {
            account_id: id,
            ok: checks.iter().all(|c| c.ok),
            checks,
        };

        let summary = report.summary();
        let last = LastTest {
            at: self.now_stamp(),
            ok: report.ok,
            summary: summary.clone(),
        };
        let details = json!({
            "ok": report.ok,
            "checks": report.checks.iter().map(|c| json!({
                "service": c.service,
                "ok": c.ok,
                "kind": c.kind,
                "message": c.message,
                "elapsed_ms": c.elapsed_ms,
            })).collect::<Vec<_>>(),
        });
        let activity = self.store.write(|tx| -> Result<i64> {
            orbit_store::accounts::set_last_test(tx, id.0, &last)?;
            self.record(
                tx,
                &Record {
                    actor,
                    action: "account.tested",
                    target: format!("account:{id}"),
                    summary: format!(
                        "Tested account {}: {}",
                        row.fields.name,
                        if summary.is_empty() {
                            "nothing to test".to_owned()
                        } else {
                            summary.clone()
                        }
                    ),
                    details,
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::AccountsChanged);
        Ok(report)
    }

    /// Tests every account, as background sync does until the sync engines arrive.
    pub async fn account_test_all(&self, actor: Actor) -> Result<Vec<ConnectionReport>> {
        let mut reports = Vec::new();
        for account in self.account_list()? {
            reports.push(self.account_test(account.id, actor).await?);
        }
        Ok(reports)
    }

    /// The stored password of an account.
    pub(crate) fn account_password(&self, id: AccountId) -> Result<Sensitive<String>> {
        self.keyring
            .get(&self.password_entry(id))
            .map_err(Error::from)?
            .ok_or_else(|| {
                Error::not_found(format!(
                    "No password is stored for account {id}: edit the account and enter it again"
                ))
            })
    }
}
