//! `orbit calendar`: sync the accounts' CalDAV calendars, list them, and list the occurrences
//! of their events in a range.

use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use orbit_core::{AccountId, Orbit};

use crate::{print_json, runtime};

#[derive(Debug, Subcommand)]
pub(crate) enum CalendarCommand {
    /// The calendars synced so far.
    List,
    /// Sync the calendars of every account with a CalDAV server (or of one).
    Sync {
        /// Only this account.
        #[arg(long)]
        account: Option<i64>,
    },
    /// Add an event from a sentence ("lunch with Ana next Tuesday 12:30 at the café for an
    /// hour"), read offline; it is shown first and saved after a yes (or with --yes).
    Add {
        /// The sentence.
        text: String,
        /// The calendar (an id from `orbit calendar list`).
        #[arg(long)]
        calendar: i64,
        /// The time zone it is meant in (IANA name; default $TZ, else UTC).
        #[arg(long)]
        tz: Option<String>,
        /// Save without asking (scripts).
        #[arg(long)]
        yes: bool,
        /// Read it with Orbit's own parser even when a model is configured.
        #[arg(long)]
        offline: bool,
    },
    /// Add an event from an .ics file (one event) to a calendar; it reaches the server at the
    /// next sync.
    Import {
        /// The file.
        file: std::path::PathBuf,
        /// The calendar (an id from `orbit calendar list`).
        #[arg(long)]
        calendar: i64,
    },
    /// Replace an event (by UID) with the contents of an .ics file.
    Edit {
        /// The event's UID.
        uid: String,
        /// The new version.
        file: std::path::PathBuf,
    },
    /// Remove an event (by UID), or one occurrence of it, or it and the following ones.
    Remove {
        /// The event's UID.
        uid: String,
        /// The occurrence (its recurrence id, as `events --json` lists it).
        #[arg(long)]
        occurrence: Option<String>,
        /// one, following or all.
        #[arg(long, default_value = "all")]
        scope: String,
        /// Send the cancellation to the people invited (when you organise the event). At a
        /// terminal Orbit asks; scripts must say so.
        #[arg(long)]
        tell: bool,
    },
    /// Move an event, one occurrence, or it and the following ones.
    Move {
        /// The event's UID.
        uid: String,
        /// New start: a day (all-day) or RFC 3339.
        #[arg(long)]
        start: String,
        /// New end (exclusive day for all-day).
        #[arg(long)]
        end: String,
        /// The occurrence (its recurrence id, as `events --json` lists it).
        #[arg(long)]
        occurrence: Option<String>,
        /// one, following or all.
        #[arg(long, default_value = "one")]
        scope: String,
        /// The time zone wall-clock times are kept in (IANA; default $TZ, else UTC).
        #[arg(long)]
        tz: Option<String>,
        /// Send the update to the people invited (when you organise the event). At a terminal
        /// Orbit asks; scripts must say so.
        #[arg(long)]
        tell: bool,
    },
    /// Write every event of a calendar (or of all) as one .ics file (to stdout, or --output).
    Export {
        /// Only this calendar.
        #[arg(long)]
        calendar: Option<i64>,
        /// The file to write.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Free time between two days (working hours, weekdays).
    Free {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Day after the last.
        #[arg(long)]
        to: String,
        /// Length needed, in minutes.
        #[arg(long, default_value_t = 30)]
        minutes: i64,
        /// Time zone (IANA; default $TZ, else UTC).
        #[arg(long)]
        tz: Option<String>,
    },
    /// Reminders due now that were not shown yet (each is shown once).
    Reminders {
        /// Time zone of floating times (IANA; default $TZ, else UTC).
        #[arg(long)]
        tz: Option<String>,
    },
    /// The invitation in a message: show it, answer it, or apply a cancellation or reply.
    Invitation {
        /// The message id.
        message: i64,
        /// Answer: accepted, tentative or declined.
        #[arg(long)]
        answer: Option<String>,
        /// The calendar to add it to (default: the first).
        #[arg(long)]
        calendar: Option<i64>,
        /// Send the answer to the organiser without asking (scripts); at a terminal you are asked.
        #[arg(long)]
        reply: bool,
        /// Apply a CANCEL or REPLY message to the calendar.
        #[arg(long, conflicts_with = "answer")]
        apply: bool,
    },
    /// Occurrences of the events in a range (recurrences expanded, overrides applied).
    Events {
        /// From this day (YYYY-MM-DD, midnight in --tz) or instant (RFC 3339).
        #[arg(long)]
        from: String,
        /// Up to this day (exclusive) or instant.
        #[arg(long)]
        to: String,
        /// The time zone floating times and days are read in (IANA name; default $TZ, else UTC).
        #[arg(long)]
        tz: Option<String>,
    },
}

fn zone(name: Option<&str>) -> anyhow::Result<chrono_tz::Tz> {
    let name = name
        .map(str::to_owned)
        .or_else(|| std::env::var("TZ").ok().filter(|t| !t.is_empty()))
        .unwrap_or_else(|| "UTC".to_owned());
    name.trim_start_matches(':')
        .parse::<chrono_tz::Tz>()
        .map_err(|_| {
            anyhow::Error::new(orbit_core::Error::invalid(format!(
                "{name:?} is not a time zone name (e.g. Europe/Berlin)"
            )))
        })
}

fn scope_of(text: &str) -> anyhow::Result<orbit_core::calendar::Scope> {
    text.parse()
        .map_err(|e: orbit_cal::CalError| anyhow::Error::new(orbit_core::Error::invalid(e.message)))
}

fn instant(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| orbit_cal::day_start(d, tz))
        .ok_or_else(|| {
            anyhow::Error::new(orbit_core::Error::invalid(format!(
                "{text:?} is neither a day (YYYY-MM-DD) nor an instant (RFC 3339)"
            )))
        })
}

pub(crate) fn calendar(
    orbit: &Orbit,
    command: &CalendarCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::List => {
            let list = orbit.calendar_list()?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!(
                    "No calendars yet: add a CalDAV URL to an account, then `orbit calendar sync`."
                );
            } else {
                for c in &list {
                    println!(
                        "{:>4}  {:<30} {:>5} items  {}",
                        c.id, c.name, c.items, c.colour
                    );
                }
            }
        }
        CalendarCommand::Sync { account } => {
            let accounts: Vec<AccountId> = match account {
                Some(id) => vec![AccountId(*id)],
                None => orbit
                    .account_list()?
                    .into_iter()
                    .filter(|a| a.caldav_url.is_some())
                    .map(|a| a.id)
                    .collect(),
            };
            if accounts.is_empty() {
                anyhow::bail!(orbit_core::Error::invalid(
                    "No account has a CalDAV server: add one with `orbit account edit ID --caldav-url URL`"
                ));
            }
            let runtime = runtime()?;
            for id in accounts {
                let report = runtime.block_on(orbit.calendar_sync(id))?;
                if json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    println!(
                        "account {}: {} calendars, {} changed, {} removed{}{}",
                        report.account_id,
                        report.calendars,
                        report.changed,
                        report.removed,
                        if report.full_resyncs > 0 {
                            format!(", {} synced again from scratch", report.full_resyncs)
                        } else {
                            String::new()
                        },
                        if report.unreadable.is_empty() {
                            String::new()
                        } else {
                            format!("; kept but unreadable: {}", report.unreadable.join("; "))
                        }
                    );
                }
            }
        }
        CalendarCommand::Add {
            text,
            calendar,
            tz,
            yes,
            offline,
        } => {
            let tz = zone(tz.as_deref())?;
            let draft = if *offline {
                orbit.calendar_preview(text, tz)?
            } else {
                runtime()?.block_on(orbit.calendar_read(text, tz))?
            };
            let local = |t: &str| {
                DateTime::parse_from_rfc3339(t)
                    .ok()
                    .map(|d| d.with_timezone(&tz).naive_local())
            };
            let when = match (draft.all_day, local(&draft.start), local(&draft.end)) {
                (false, Some(a), Some(b)) => format!(
                    "{} – {} ({})",
                    a.format("%a %-d %b %Y %H:%M"),
                    if a.date() == b.date() {
                        b.format("%H:%M").to_string()
                    } else {
                        b.format("%a %-d %b %Y %H:%M").to_string()
                    },
                    tz.name()
                ),
                _ => format!("{} (all day)", draft.start),
            };
            if !json {
                println!("  {}\n  {when}", draft.summary);
                if !draft.location.is_empty() {
                    println!("  at {}", draft.location);
                }
                println!(
                    "  (read {})",
                    if draft.read_by == "model" {
                        "by the assistant's model"
                    } else {
                        "offline"
                    }
                );
            }
            let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
            let save = *yes || {
                if interactive {
                    use std::io::Write as _;
                    print!("Save it? [y/N] ");
                    std::io::stdout().flush()?;
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    matches!(line.trim(), "y" | "Y" | "yes")
                } else {
                    false
                }
            };
            if !save {
                if json {
                    print_json(&draft)?;
                } else {
                    println!(
                        "Not saved{}.",
                        if interactive {
                            ""
                        } else {
                            " (add --yes to save)"
                        }
                    );
                }
                return Ok(ExitCode::SUCCESS);
            }
            let added = orbit.calendar_create(*calendar, &draft, tz)?;
            if json {
                print_json(&added)?;
            } else {
                println!("Saved (it goes to the server at the next sync).");
            }
        }
        CalendarCommand::Import { file, calendar } => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                anyhow::Error::new(orbit_core::Error::invalid(format!(
                    "Cannot read {}: {e}",
                    file.display()
                )))
            })?;
            let added = orbit.calendar_import(*calendar, &text)?;
            if json {
                print_json(&added)?;
            } else {
                println!(
                    "Added {} (it goes to the server at the next sync).",
                    added.uid
                );
            }
        }
        CalendarCommand::Edit { uid, file } => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                anyhow::Error::new(orbit_core::Error::invalid(format!(
                    "Cannot read {}: {e}",
                    file.display()
                )))
            })?;
            orbit.calendar_replace(uid, &text)?;
            if !json {
                println!("Changed {uid}.");
            }
        }
        CalendarCommand::Remove {
            uid,
            occurrence,
            scope,
            tell,
        } => {
            let tell = should_tell(orbit, uid, *tell, "cancellation")?;
            let told = orbit.calendar_delete(uid, occurrence.as_deref(), scope_of(scope)?, tell)?;
            if json {
                print_json(&told)?;
            } else {
                println!(
                    "Removed {uid}{}{}.",
                    occurrence
                        .as_deref()
                        .map(|o| format!(" ({o}, {scope})"))
                        .unwrap_or_default(),
                    told.words("change")
                );
            }
        }
        CalendarCommand::Move {
            uid,
            start,
            end,
            occurrence,
            scope,
            tz,
            tell,
        } => {
            let tz = zone(tz.as_deref())?;
            let tell = should_tell(orbit, uid, *tell, "update")?;
            let told = orbit.calendar_move(
                uid,
                occurrence.as_deref(),
                scope_of(scope)?,
                start,
                end,
                tz,
                tell,
            )?;
            if json {
                print_json(&told)?;
            } else {
                println!("Moved {uid}{}.", told.words("change"));
            }
        }
        CalendarCommand::Export { calendar, output } => {
            let text = orbit.calendar_export(*calendar)?;
            match output {
                Some(path) => std::fs::write(path, &text).map_err(|e| {
                    anyhow::Error::new(orbit_core::Error::invalid(format!(
                        "Cannot write {}: {e}",
                        path.display()
                    )))
                })?,
                None => print!("{text}"),
            }
        }
        CalendarCommand::Free {
            from,
            to,
            minutes,
            tz,
        } => {
            let tz = zone(tz.as_deref())?;
            let day = |t: &str| {
                NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                    anyhow::Error::new(orbit_core::Error::invalid(format!(
                        "{t:?} is not a day (YYYY-MM-DD)"
                    )))
                })
            };
            let nine = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
            let six = chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default();
            let slots = orbit.calendar_free_time(
                day(from)?,
                day(to)?,
                (nine, six),
                false,
                chrono::Duration::minutes(*minutes),
                tz,
            )?;
            if json {
                let list: Vec<_> = slots
                    .iter()
                    .map(|(a, b)| serde_json::json!({ "start": a.to_rfc3339(), "end": b.to_rfc3339() }))
                    .collect();
                print_json(&list)?;
            } else {
                for (a, b) in &slots {
                    println!(
                        "{} – {}",
                        a.with_timezone(&tz).format("%a %Y-%m-%d %H:%M"),
                        b.with_timezone(&tz).format("%H:%M")
                    );
                }
            }
        }
        CalendarCommand::Reminders { tz } => {
            let tz = zone(tz.as_deref())?;
            let due = orbit.calendar_reminders_due(tz)?;
            if json {
                print_json(&due)?;
            } else {
                for r in &due {
                    println!(
                        "{}{}  {}",
                        r.start,
                        if r.missed { " (missed)" } else { "" },
                        r.summary
                    );
                }
            }
        }
        CalendarCommand::Invitation {
            message,
            answer,
            calendar,
            reply,
            apply,
        } => {
            if *apply {
                orbit.invitation_apply(*message)?;
                if !json {
                    println!("Applied to the calendar.");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let Some(invitation) = orbit.mail_invitation(*message)? else {
                anyhow::bail!(orbit_core::Error::invalid(
                    "This message holds no invitation"
                ));
            };
            let Some(answer) = answer else {
                if json {
                    print_json(&invitation)?;
                } else {
                    println!(
                        "{} {}\n  {} – {}",
                        invitation.method, invitation.summary, invitation.start, invitation.end
                    );
                    println!(
                        "  from {} <{}>",
                        invitation.organizer_name, invitation.organizer
                    );
                    for a in &invitation.attendees {
                        println!("  {} {}", a.status, a.email);
                    }
                }
                return Ok(ExitCode::SUCCESS);
            };
            let answer: orbit_cal::Answer = answer.parse().map_err(|e: orbit_cal::CalError| {
                anyhow::Error::new(orbit_core::Error::invalid(e.message))
            })?;
            let send = *reply || {
                let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
                interactive && {
                    use std::io::Write as _;
                    print!("Send your answer to {}? [y/N] ", invitation.organizer);
                    std::io::stdout().flush()?;
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    matches!(line.trim(), "y" | "Y" | "yes")
                }
            };
            let outcome = orbit.invitation_respond(*message, answer, *calendar, send)?;
            if json {
                print_json(&outcome)?;
            } else {
                println!(
                    "Answered {}{}.",
                    outcome.status,
                    if outcome.replied {
                        "; the reply is in the outbox"
                    } else {
                        " (no reply sent)"
                    }
                );
            }
        }
        CalendarCommand::Events { from, to, tz } => {
            let tz = zone(tz.as_deref())?;
            let list = orbit.calendar_events(instant(from, tz)?, instant(to, tz)?, tz)?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("Nothing in that range.");
            } else {
                for o in &list {
                    println!(
                        "{}  {}  {}{}",
                        o.start,
                        o.end,
                        o.summary,
                        if o.is_override { " (changed)" } else { "" }
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether to send the people invited a change: `--tell`, or (at a terminal, when the user
/// organises an event others are invited to) their yes.
fn should_tell(orbit: &Orbit, uid: &str, tell: bool, what: &str) -> anyhow::Result<bool> {
    if tell {
        return Ok(true);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Ok(false);
    }
    let invited = orbit.calendar_invited(uid)?;
    if !invited.organiser || invited.people.is_empty() {
        return Ok(false);
    }
    if !invited.can_send {
        return Ok(false);
    }
    use std::io::Write as _;
    // The question goes to stderr: stdout stays the command's output (--json).
    eprint!("Send the {what} to {}? [y/N] ", invited.people.join(", "));
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
