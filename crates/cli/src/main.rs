//! `orbit`: the command-line front door to Orbit's core. It drives the same profile as the
//! desktop app: accounts, AI provider settings and the activity log, with `--json` on every
//! listing for scripts.
//!
//! Passwords and API keys are read from a prompt or from standard input, never from argv.

mod assistant;
mod calendar;
mod tasks;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use orbit_core::mail::{MailFlag, SyncOptions, SyncReport};
use orbit_core::{
    Account, AccountId, AccountInput, ActivityQuery, Actor, AiSettings, ConnectionReport,
    EndpointInput, OpenOptions, Orbit, Provider, Sensitive,
};

#[derive(Debug, Parser)]
#[command(
    name = "orbit",
    version,
    about = "Orbit: mail, calendar, tasks and documents with an AI agent, local-first",
    propagate_version = true
)]
struct Cli {
    /// The profile's data directory (default: the OS data directory).
    #[arg(long, global = true, env = "ORBIT_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add, list, edit, test and remove accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// List the activity log, newest first.
    Activity(ActivityArgs),
    /// AI provider settings and API keys.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Sync mail from the accounts' IMAP servers.
    Sync(SyncArgs),
    /// Read the mail stored on this computer.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Import mail without a server: a Maildir, an mbox file, an .eml file or a folder of them.
    Import(ImportArgs),
    /// Drafts: write, list, send, discard.
    #[command(subcommand)]
    Drafts(DraftsCommand),
    /// Mail on its way out: list, send now, retry or take back.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Search the mail: words, "phrases", from: to: cc: subject: filename: has:attachment
    /// is:unread is:flagged in:FOLDER before: after: older_than: newer_than: OR - ( ).
    Search(SearchArgs),
    /// The search index: how far it is, or build it again from the stored mail.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Ask the assistant; it answers from your mail with sources, and asks before any action.
    Ask(assistant::AskArgs),
    /// Chat sessions with the assistant: list, show (and what it saw), rename, delete.
    #[command(subcommand)]
    Chat(assistant::ChatCommand),
    /// What the assistant proposed to do: list, confirm, reject.
    #[command(subcommand)]
    Proposals(assistant::ProposalsCommand),
    /// Calendars: sync with CalDAV, list, and the events of a range.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// Tasks: lists, boards, due dates, statistics (synced as CalDAV VTODO).
    #[command(subcommand)]
    Tasks(tasks::TasksCommand),
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The query, e.g. `'from:alice "quarterly report" newer_than:30d -is:read'` (one
    /// argument: quote it; it may start with `-`).
    #[arg(allow_hyphen_values = true)]
    query: String,
    /// Conversations at most.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// text (full text), semantic (meaning), hybrid (both) or auto (hybrid when semantic
    /// search is on).
    #[arg(long, default_value = "auto", value_parser = ["text", "semantic", "hybrid", "auto"])]
    mode: String,
    /// Treat the last word as the start of a word (as the search box does while typing).
    #[arg(long)]
    prefix: bool,
}

#[derive(Debug, Subcommand)]
enum IndexCommand {
    /// Messages indexed and waiting, and the index size (indexes what is waiting first).
    Status,
    /// Embed the messages waiting for semantic search (at most --max this time).
    Embed {
        /// Messages at most.
        #[arg(long, default_value_t = 100_000)]
        max: usize,
    },
    /// Delete the index and build it again from the stored mail.
    Rebuild,
}

#[derive(Debug, Args)]
struct SendArgs {
    /// The sending account (default: the only account with an SMTP server).
    #[arg(long)]
    account: Option<i64>,
    /// A recipient (repeat for more).
    #[arg(long, required_unless_present_any = ["cc", "bcc"])]
    to: Vec<String>,
    /// A copy to (repeat for more).
    #[arg(long)]
    cc: Vec<String>,
    /// A blind copy to (repeat for more).
    #[arg(long)]
    bcc: Vec<String>,
    /// The subject.
    #[arg(long, default_value = "")]
    subject: String,
    /// A file to attach (repeat for more).
    #[arg(long)]
    attach: Vec<PathBuf>,
    /// An HTML version of the text, from this file.
    #[arg(long)]
    html: Option<PathBuf>,
    /// The stored message this answers (sets In-Reply-To and References).
    #[arg(long)]
    reply_to: Option<i64>,
    /// Seconds to wait before sending (an undo window: `orbit outbox cancel ID`); 0 sends now.
    #[arg(long, default_value_t = 0)]
    delay: u64,
}

#[derive(Debug, Subcommand)]
enum DraftsCommand {
    /// List drafts, most recently edited first.
    List {
        /// Only this account's.
        #[arg(long)]
        account: Option<i64>,
    },
    /// Start a draft (its text from standard input; for a reply it goes above the quote).
    Create(DraftCreateArgs),
    /// Show a draft.
    Show {
        /// Draft id.
        id: i64,
    },
    /// Change a draft (its text from standard input, when given).
    Edit {
        /// Draft id.
        id: i64,
        /// New recipients (replace the old ones).
        #[arg(long)]
        to: Vec<String>,
        /// New subject.
        #[arg(long)]
        subject: Option<String>,
    },
    /// Send a draft.
    Send {
        /// Draft id.
        id: i64,
        /// Seconds to wait before sending (an undo window); 0 sends now.
        #[arg(long, default_value_t = 0)]
        delay: u64,
    },
    /// Discard a draft.
    Delete {
        /// Draft id.
        id: i64,
    },
}

#[derive(Debug, Args)]
struct DraftCreateArgs {
    /// The sending account (default: the only account with an SMTP server).
    #[arg(long)]
    account: Option<i64>,
    /// Answer this stored message (to its sender).
    #[arg(long, group = "start")]
    reply: Option<i64>,
    /// Answer this stored message to everyone on it.
    #[arg(long, group = "start")]
    reply_all: Option<i64>,
    /// Forward this stored message (with its attachments).
    #[arg(long, group = "start")]
    forward: Option<i64>,
    /// A recipient (added to the template's).
    #[arg(long)]
    to: Vec<String>,
    /// A copy to.
    #[arg(long)]
    cc: Vec<String>,
    /// The subject (replaces the template's).
    #[arg(long)]
    subject: Option<String>,
    /// A file to attach.
    #[arg(long)]
    attach: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// List what is queued, sent, failed or taken back.
    List,
    /// Send every queued message whose time has come, now.
    Send,
    /// Put a failed message back in the queue and send it.
    Retry {
        /// Outbox id.
        id: i64,
    },
    /// Take back a message that has not gone yet.
    Cancel {
        /// Outbox id.
        id: i64,
    },
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// What to import.
    #[arg(required_unless_present = "sample")]
    path: Option<PathBuf>,
    /// The local folder to import into (default: one per source, named after it).
    #[arg(long)]
    folder: Option<String>,
    /// Open the bundled sample workspace instead.
    #[arg(long, conflicts_with_all = ["path", "folder"])]
    sample: bool,
}

#[derive(Debug, Args)]
struct SyncArgs {
    /// Only this account (default: every account with an IMAP server).
    #[arg(long)]
    account: Option<i64>,
    /// Keep running: IDLE on the inbox and sync whenever the server reports a change.
    #[arg(long)]
    watch: bool,
    /// Only fetch mail from the last N days (for huge mailboxes).
    #[arg(long, value_name = "N")]
    window_days: Option<u32>,
    /// Messages per round trip and per transaction [default: 200 at first, then sized to
    /// about 16 MiB of mail, at most 1000].
    #[arg(long, value_name = "N")]
    batch: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// List folders with message and unread counts.
    Folders {
        /// Only this account.
        #[arg(long)]
        account: Option<i64>,
    },
    /// List a folder's messages, newest first.
    List {
        /// Only this account (default: the first).
        #[arg(long)]
        account: Option<i64>,
        /// Folder id, name or role (inbox, sent, drafts, archive, trash, junk).
        #[arg(long, default_value = "inbox")]
        folder: String,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Show a message.
    Show {
        /// The message id (from `orbit mail list`).
        id: i64,
        /// Write the message as received (RFC 5322 bytes) instead, e.g. `> message.eml`.
        #[arg(long)]
        raw: bool,
    },
    /// Show a message made safe to display (what the reading pane shows).
    Render {
        /// The message id.
        id: i64,
        /// Print the sanitised HTML document (for inspection).
        #[arg(long)]
        html: bool,
        /// Render for a dark theme.
        #[arg(long)]
        dark: bool,
        /// Load its remote images (fetched by Orbit, without cookies or Referer).
        #[arg(long)]
        remote: bool,
    },
    /// Show or set how many seconds a sent message waits, during which it can be taken back.
    UndoSend {
        /// New value, 0 to 120 (default 10).
        secs: Option<u64>,
    },
    /// Say who files the copy of sent mail for an account: `server` (Gmail and others do it
    /// themselves) or `orbit` (Orbit appends it to Sent; the default).
    SentCopy {
        /// The account id.
        account: i64,
        /// server or orbit.
        #[arg(value_parser = ["server", "orbit"])]
        by: String,
    },
    /// Always load remote images in mail from a sender (or stop, with --off).
    AllowRemote {
        /// The sender's address.
        sender: String,
        /// Stop loading them.
        #[arg(long)]
        off: bool,
    },
    /// Send a message; its text is read from standard input.
    Send(SendArgs),
    /// Save an attachment (numbered as `orbit mail show` lists them).
    Attachment {
        /// The message id.
        id: i64,
        /// The attachment's number.
        number: i64,
        /// Where to write it (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Show a conversation, oldest first.
    Thread {
        /// The conversation id (`thread_id` in listings).
        id: i64,
    },
    /// Mark messages read or unread, flagged or not (here at once; on the server at the next sync).
    Flag {
        /// Message ids.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// Mark as read.
        #[arg(long, group = "change")]
        seen: bool,
        /// Mark as unread.
        #[arg(long, group = "change")]
        unseen: bool,
        /// Flag (star).
        #[arg(long, group = "change")]
        flagged: bool,
        /// Remove the flag.
        #[arg(long, group = "change")]
        unflagged: bool,
    },
    /// Move messages to another folder of their account.
    Move {
        /// Message ids.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// Folder id, name or role.
        #[arg(long)]
        to: String,
    },
    /// Move messages to the Archive folder.
    Archive {
        /// Message ids.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Move messages to Trash (messages already in Trash are deleted for good).
    Delete {
        /// Message ids.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Add an account; the password goes to the OS keyring.
    Add(AccountAddArgs),
    /// List accounts.
    List,
    /// Change an account's settings (only the options given) or its password.
    Edit(AccountEditArgs),
    /// Log in to each server of an account and report what works.
    Test {
        /// The account id.
        id: i64,
    },
    /// Remove an account and its password.
    Remove {
        /// The account id.
        id: i64,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Debug, Args)]
struct ServerArgs {
    /// IMAP host.
    #[arg(long)]
    imap_host: Option<String>,
    /// IMAP port (default by security: 993 for tls, 143 otherwise).
    #[arg(long)]
    imap_port: Option<i64>,
    /// IMAP security: tls, starttls or none (none only to this computer).
    #[arg(long, value_name = "tls|starttls|none")]
    imap_security: Option<String>,
    /// SMTP submission host.
    #[arg(long)]
    smtp_host: Option<String>,
    /// SMTP port (default by security: 465 for tls, 587 for starttls, 25 for none).
    #[arg(long)]
    smtp_port: Option<i64>,
    /// SMTP security: tls, starttls or none (none only to this computer).
    #[arg(long, value_name = "tls|starttls|none")]
    smtp_security: Option<String>,
    /// CalDAV base URL (https, or http to this computer).
    #[arg(long, value_name = "URL")]
    caldav_url: Option<String>,
}

#[derive(Debug, Args)]
struct AccountAddArgs {
    /// Display name, e.g. "Work".
    #[arg(long)]
    name: String,
    /// The account's address.
    #[arg(long)]
    email: String,
    /// Login name for every server.
    #[arg(long)]
    username: String,
    #[command(flatten)]
    servers: ServerArgs,
    /// Read the password from standard input instead of a prompt.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Args)]
struct AccountEditArgs {
    /// The account id.
    id: i64,
    /// New display name.
    #[arg(long)]
    name: Option<String>,
    /// New address.
    #[arg(long)]
    email: Option<String>,
    /// New login name.
    #[arg(long)]
    username: Option<String>,
    #[command(flatten)]
    servers: ServerArgs,
    /// Remove the IMAP server.
    #[arg(long, conflicts_with_all = ["imap_host", "imap_port", "imap_security"])]
    no_imap: bool,
    /// Remove the SMTP server.
    #[arg(long, conflicts_with_all = ["smtp_host", "smtp_port", "smtp_security"])]
    no_smtp: bool,
    /// Remove the CalDAV server.
    #[arg(long, conflicts_with = "caldav_url")]
    no_caldav: bool,
    /// Set a new password, read from standard input.
    #[arg(long, conflicts_with = "ask_password")]
    password_stdin: bool,
    /// Set a new password, asked at a prompt.
    #[arg(long)]
    ask_password: bool,
}

#[derive(Debug, Args)]
struct ActivityArgs {
    /// Only this actor: user, agent, sync or system.
    #[arg(long)]
    actor: Option<String>,
    /// Only this action, or actions under this prefix ("account" matches "account.added").
    #[arg(long)]
    action: Option<String>,
    /// Only this target, e.g. account:3.
    #[arg(long)]
    target: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Undo this activity instead: messages go back where they were, a flag change is
    /// reversed, a draft the assistant wrote is deleted.
    #[arg(long, value_name = "ID", conflicts_with_all = ["actor", "action", "target"])]
    undo: Option<i64>,
}

#[derive(Debug, Subcommand)]
enum SettingsCommand {
    /// Show the AI provider settings (never the keys).
    Show,
    /// Set a provider's base URL or model ("" resets to the default).
    Provider {
        /// anthropic or openai.
        provider: String,
        /// Base URL (https, or http to this computer for a local model server).
        #[arg(long)]
        base_url: Option<String>,
        /// Model name.
        #[arg(long)]
        model: Option<String>,
    },
    /// Store a provider's API key in the OS keyring, read from a prompt or standard input.
    SetKey {
        /// anthropic or openai.
        provider: String,
        /// Read the key from standard input instead of a prompt.
        #[arg(long)]
        stdin: bool,
    },
    /// Remove a provider's API key from the OS keyring.
    RemoveKey {
        /// anthropic or openai.
        provider: String,
    },
    /// Semantic search: on or off, and its embedding model and vector size. Embedding sends
    /// your mail's text to the OpenAI-compatible provider (`settings provider openai`).
    Embeddings {
        /// Turn it on.
        #[arg(long, conflicts_with = "off")]
        on: bool,
        /// Turn it off.
        #[arg(long)]
        off: bool,
        /// The embedding model (default text-embedding-3-small).
        #[arg(long)]
        model: Option<String>,
        /// The vector size (a multiple of 8; default 512).
        #[arg(long)]
        dimensions: Option<usize>,
    },
    /// The assistant: its provider, redaction, budgets and rate limit, and what it spent.
    Assistant(assistant::AssistantSettingsArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ORBIT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            report(&err, json);
            ExitCode::FAILURE
        }
    }
}

fn report(err: &anyhow::Error, json: bool) {
    let core = err
        .chain()
        .find_map(|e| e.downcast_ref::<orbit_core::Error>());
    let code = core.map_or("internal", |e| e.code().as_str());
    let message = core.map_or_else(|| format!("{err:#}"), |e| e.message().to_owned());
    if json {
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        eprintln!("{body}");
    } else {
        eprintln!("orbit: {message}");
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = orbit_core::resolve_data_dir(cli.data_dir)?;
    let orbit = Orbit::open(OpenOptions::from_env(data_dir))?;
    let json = cli.json;
    match cli.command {
        Command::Account(command) => account(&orbit, command, json),
        Command::Activity(args) => {
            if let Some(id) = args.undo {
                let entry = orbit.activity_undo(id)?;
                if json {
                    print_json(&entry)?;
                } else {
                    println!("{}", entry.summary);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let list = orbit.activity_list(&ActivityQuery {
                actor: args.actor,
                action: args.action,
                target: args.target,
                limit: Some(args.limit),
            })?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("No activity yet.");
            } else {
                for a in &list {
                    let target = if a.target.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", a.target)
                    };
                    println!(
                        "{:>5}  {}  {:<6}  {:<18} {}{}",
                        a.id, a.at, a.actor, a.action, a.summary, target
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Settings(command) => settings(&orbit, command, json),
        Command::Sync(args) => sync(&orbit, args, json),
        Command::Mail(command) => mail(&orbit, command, json),
        Command::Outbox(command) => outbox(&orbit, command, json),
        Command::Drafts(command) => drafts(&orbit, command, json),
        Command::Search(args) => search(&orbit, &args, json),
        Command::Index(command) => index(&orbit, &command, json),
        Command::Ask(args) => assistant::ask(&orbit, &args, json),
        Command::Chat(command) => assistant::chat(&orbit, &command, json),
        Command::Proposals(command) => assistant::proposals(&orbit, &command, json),
        Command::Calendar(command) => calendar::calendar(&orbit, &command, json),
        Command::Tasks(command) => tasks::tasks(&orbit, &command, json),
        Command::Import(args) => {
            let report = match &args.path {
                Some(path) if !args.sample => orbit.mail_import(path, args.folder.as_deref())?,
                _ => orbit.mail_import_sample()?,
            };
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "Read {} messages: {} imported, {} already there{}.",
                    report.read,
                    report.imported,
                    report.duplicates,
                    if report.errors.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} could not be read: {}",
                            report.errors.len(),
                            report.errors.join("; ")
                        )
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("Cannot start the async runtime")
}

fn sync(orbit: &Orbit, args: SyncArgs, json: bool) -> anyhow::Result<ExitCode> {
    let accounts: Vec<AccountId> = match args.account {
        Some(id) => vec![orbit.account_get(AccountId(id))?.id],
        None => orbit
            .account_list()?
            .into_iter()
            .filter(|a| a.imap.is_some())
            .map(|a| a.id)
            .collect(),
    };
    if accounts.is_empty() {
        anyhow::bail!(orbit_core::Error::invalid(
            "No account has an IMAP server to sync: add one with `orbit account add`"
        ));
    }
    let options = match args.batch {
        // A fixed size (at most: batches of big mail are still smaller).
        Some(batch) => SyncOptions {
            batch_size: batch.max(1),
            max_batch_size: batch.max(1),
            window_days: args.window_days,
        },
        None => SyncOptions {
            window_days: args.window_days,
            ..SyncOptions::default()
        },
    };
    let runtime = runtime()?;
    let print = move |report: &SyncReport| {
        if json {
            if let Ok(line) = serde_json::to_string(report) {
                println!("{line}");
            }
        } else {
            println!(
                "account {}: {} folders, {} new, {} also in another folder, {} flag changes, {} removed{}",
                report.account_id,
                report.folders,
                report.new_messages,
                report.new_locations,
                report.flag_changes,
                report.removed,
                if report.errors.is_empty() {
                    String::new()
                } else {
                    format!("; errors: {}", report.errors.join("; "))
                }
            );
        }
    };
    if args.watch {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        return runtime.block_on(async move {
            let mut tasks = Vec::new();
            for id in accounts {
                let rx = stop_rx.clone();
                tasks.push(orbit.watch_account(id, &options, rx, None, print));
            }
            let watching = futures::future::join_all(tasks);
            tokio::pin!(watching);
            tokio::select! {
                results = &mut watching => { for r in results { r?; } }
                _ = tokio::signal::ctrl_c() => {
                    let _ = stop_tx.send(true);
                    let results = watching.await;
                    for r in results { r?; }
                }
            }
            Ok(ExitCode::SUCCESS)
        });
    }
    let mut failed = false;
    for id in accounts {
        let report = runtime.block_on(orbit.sync_account(id, &options))?;
        failed |= !report.errors.is_empty();
        print(&report);
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn sending_account(orbit: &Orbit, chosen: Option<i64>) -> anyhow::Result<i64> {
    Ok(match chosen {
        Some(id) => id,
        None => {
            let senders: Vec<i64> = orbit
                .account_list()?
                .into_iter()
                .filter(|a| a.smtp.is_some())
                .map(|a| a.id.0)
                .collect();
            match senders.as_slice() {
                [one] => *one,
                [] => anyhow::bail!("No account can send mail: add one with an SMTP server"),
                _ => anyhow::bail!("Several accounts can send: choose one with --account"),
            }
        }
    })
}

fn stdin_text() -> anyhow::Result<String> {
    let mut text = String::new();
    if !std::io::stdin().is_terminal() {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("Cannot read the message text from standard input")?;
    }
    Ok(text)
}

/// Sends what is due now and reports on outbox item `id`; success only when it went.
fn send_now_and_report(
    orbit: &Orbit,
    queued: orbit_core::mail::OutboxItem,
    json: bool,
) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(orbit.outbox_process())?;
    let item = orbit
        .outbox_list()?
        .into_iter()
        .find(|i| i.id == queued.id)
        .unwrap_or(queued);
    if json {
        print_json(&item)?;
    } else {
        match item.state.as_str() {
            "sent" => println!(
                "Sent “{}” to {}{}.",
                item.subject,
                item.recipients.join(", "),
                match item.sent_copy.as_str() {
                    "appended" => "; a copy is in Sent",
                    _ => "",
                }
            ),
            "failed" => println!("Could not send “{}”: {}", item.subject, item.last_error),
            _ => println!(
                "“{}” is still in the outbox ({}); Orbit tries again at {}: {}",
                item.subject, item.state, item.next_attempt_at, item.last_error
            ),
        }
    }
    Ok(if item.state == "sent" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_draft(d: &orbit_core::mail::Draft) {
    println!(
        "Draft {} ({}), saved {}\nTo:      {}\nCc:      {}\nSubject: {}",
        d.id,
        d.kind,
        d.updated_at,
        d.to.join(", "),
        d.cc.join(", "),
        d.subject
    );
    for a in &d.attachments {
        println!(
            "Attached: {} ({}, {} bytes)",
            a.filename, a.mime_type, a.size
        );
    }
    println!("\n{}", d.body);
}

fn drafts(orbit: &Orbit, command: DraftsCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        DraftsCommand::List { account } => {
            let list = orbit.draft_list(account.map(AccountId))?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("No drafts.");
            } else {
                for d in &list {
                    println!(
                        "{:>4}  {}  {:<9}  “{}” to {}",
                        d.id,
                        d.updated_at,
                        d.kind,
                        d.subject,
                        d.to.join(", ")
                    );
                }
            }
        }
        DraftsCommand::Create(args) => {
            let account_id = sending_account(orbit, args.account)?;
            let text = stdin_text()?;
            let mut input = match (args.reply, args.reply_all, args.forward) {
                (Some(m), _, _) => orbit.mail_compose_template(account_id, "reply", m)?,
                (_, Some(m), _) => orbit.mail_compose_template(account_id, "reply_all", m)?,
                (_, _, Some(m)) => orbit.mail_compose_template(account_id, "forward", m)?,
                _ => orbit_core::mail::DraftInput {
                    account_id,
                    kind: "new".into(),
                    ..Default::default()
                },
            };
            input.to.extend(args.to);
            input.cc.extend(args.cc);
            if let Some(subject) = args.subject {
                input.subject = subject;
            }
            input.body = format!("{}{}", text.trim_end(), input.body);
            let mut d = orbit.draft_save(&input)?;
            for path in &args.attach {
                let data = std::fs::read(path)
                    .with_context(|| format!("Cannot read {}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "attachment".into());
                d = orbit.draft_attach(d.id, &name, "", &data)?;
            }
            if json {
                print_json(&d)?;
            } else {
                print_draft(&d);
            }
        }
        DraftsCommand::Show { id } => {
            let d = orbit.draft_get(id)?;
            if json {
                print_json(&d)?;
            } else {
                print_draft(&d);
            }
        }
        DraftsCommand::Edit { id, to, subject } => {
            let d = orbit.draft_get(id)?;
            let text = stdin_text()?;
            let saved = orbit.draft_save(&orbit_core::mail::DraftInput {
                id: Some(id),
                account_id: d.account_id,
                kind: d.kind,
                reply_to_message: d.reply_to_message,
                to: if to.is_empty() { d.to } else { to },
                cc: d.cc,
                bcc: d.bcc,
                subject: subject.unwrap_or(d.subject),
                body: if text.is_empty() { d.body } else { text },
                attachments: d.attachments,
            })?;
            if json {
                print_json(&saved)?;
            } else {
                print_draft(&saved);
            }
        }
        DraftsCommand::Send { id, delay } => {
            let queued = orbit.draft_send(id, std::time::Duration::from_secs(delay))?;
            if delay > 0 {
                if json {
                    print_json(&queued)?;
                } else {
                    println!(
                        "Queued “{}” (outbox {}); it goes at {}.",
                        queued.subject, queued.id, queued.send_after
                    );
                }
                return Ok(ExitCode::SUCCESS);
            }
            return send_now_and_report(orbit, queued, json);
        }
        DraftsCommand::Delete { id } => {
            orbit.draft_delete(id)?;
            if json {
                print_json(&serde_json::json!({ "ok": true, "id": id }))?;
            } else {
                println!("Discarded draft {id}.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn send(orbit: &Orbit, args: SendArgs, json: bool) -> anyhow::Result<ExitCode> {
    let account_id = sending_account(orbit, args.account)?;
    let mut text = String::new();
    if !std::io::stdin().is_terminal() {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("Cannot read the message text from standard input")?;
    }
    let html = match &args.html {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("Cannot read {}", path.display()))?,
        ),
        None => None,
    };
    let mut files = Vec::new();
    for path in &args.attach {
        let data =
            std::fs::read(path).with_context(|| format!("Cannot read {}", path.display()))?;
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        files.push(orbit_core::mail::ComposeFile {
            filename,
            mime_type: String::new(),
            data,
        });
    }
    let queued = orbit.mail_queue(
        &orbit_core::mail::Compose {
            account_id,
            to: args.to,
            cc: args.cc,
            bcc: args.bcc,
            subject: args.subject,
            text,
            html,
            files,
            reply_to_message: args.reply_to,
            calendar: None,
        },
        std::time::Duration::from_secs(args.delay),
    )?;
    if args.delay > 0 {
        if json {
            print_json(&queued)?;
        } else {
            println!(
                "Queued “{}” (outbox {}); it goes at {}. Take it back with: orbit outbox cancel {}",
                queued.subject, queued.id, queued.send_after, queued.id
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    send_now_and_report(orbit, queued, json)
}

fn outbox(orbit: &Orbit, command: OutboxCommand, json: bool) -> anyhow::Result<ExitCode> {
    let print_items = |items: &[orbit_core::mail::OutboxItem]| -> anyhow::Result<()> {
        if json {
            print_json(&items)?;
        } else if items.is_empty() {
            println!("The outbox is empty.");
        } else {
            for i in items {
                println!(
                    "{:>4}  {:<9}  {}  “{}” to {}{}",
                    i.id,
                    i.state,
                    i.created_at,
                    i.subject,
                    i.recipients.join(", "),
                    if i.last_error.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", i.last_error)
                    }
                );
            }
        }
        Ok(())
    };
    match command {
        OutboxCommand::List => print_items(&orbit.outbox_list()?)?,
        OutboxCommand::Send => {
            let report = runtime()?.block_on(orbit.outbox_process())?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "Sent {}, failed {}, will retry {}{}",
                    report.sent,
                    report.failed,
                    report.retrying,
                    if report.errors.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", report.errors.join("; "))
                    }
                );
            }
        }
        OutboxCommand::Retry { id } => {
            orbit.outbox_retry(id)?;
            runtime()?.block_on(orbit.outbox_process())?;
            let items: Vec<_> = orbit
                .outbox_list()?
                .into_iter()
                .filter(|i| i.id == id)
                .collect();
            print_items(&items)?;
        }
        OutboxCommand::Cancel { id } => {
            let taken = orbit.outbox_cancel(id)?;
            if json {
                print_json(&taken)?;
            } else if let Some(draft) = &taken.draft {
                println!(
                    "Took back “{}”; it will not be sent. It is draft {} again.",
                    taken.item.subject, draft.id
                );
            } else {
                println!("Dismissed “{}”.", taken.item.subject);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn mail(orbit: &Orbit, command: MailCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        MailCommand::Send(args) => return send(orbit, args, json),
        MailCommand::Folders { account } => {
            let folders = orbit.mail_folders(account.map(AccountId))?;
            if json {
                print_json(&folders)?;
            } else if folders.is_empty() {
                println!("No folders yet: run `orbit sync`.");
            } else {
                for f in &folders {
                    let role = f
                        .role
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default();
                    println!(
                        "{:>5}  {:<28} {:>7} messages {:>6} unread",
                        f.id,
                        format!("{}{role}", f.name),
                        f.total,
                        f.unread
                    );
                }
            }
        }
        MailCommand::List {
            account,
            folder,
            limit,
            offset,
        } => {
            let folder = orbit.mail_folder(account.map(AccountId), &folder)?;
            let list = orbit.mail_list(folder.id, limit, offset)?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("{} is empty.", folder.name);
            } else {
                for m in &list {
                    let unread = if m.flags.iter().any(|f| f == "seen") {
                        ' '
                    } else {
                        '*'
                    };
                    let date = m.date.get(..10).unwrap_or(&m.date);
                    println!(
                        "{:>7} {unread} {date}  {:<28.28}  {}",
                        m.id, m.from, m.subject
                    );
                }
            }
        }
        MailCommand::Show { id, raw: true } => {
            let bytes = orbit.mail_raw(id)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .context("Cannot write the message to standard output")?;
        }
        MailCommand::UndoSend { secs } => {
            let prefs = match secs {
                Some(secs) => orbit.mail_set_undo_send(secs)?,
                None => orbit.mail_prefs()?,
            };
            if json {
                print_json(&prefs)?;
            } else {
                println!("Sent mail waits {} s before it goes.", prefs.undo_send_secs);
            }
        }
        MailCommand::SentCopy { account, by } => {
            let prefs = orbit.mail_set_server_saves_sent(AccountId(account), by == "server")?;
            if json {
                print_json(&prefs)?;
            } else if by == "server" {
                println!("Account {account}: the server keeps sent mail; Orbit adds no copy.");
            } else {
                println!("Account {account}: Orbit saves a copy of sent mail in Sent.");
            }
        }
        MailCommand::AllowRemote { sender, off } => {
            let list = orbit.mail_allow_remote(&sender, !off)?;
            if json {
                print_json(&list)?;
            } else if off {
                println!("Remote images from {sender} are blocked again.");
            } else {
                println!("Remote images from {sender} will load.");
            }
        }
        MailCommand::Render {
            id,
            html,
            dark,
            remote,
        } => {
            let rendered = runtime()?.block_on(orbit.mail_render_remote(id, dark, remote))?;
            if html {
                println!("{}", rendered.html);
            } else if json {
                print_json(&rendered)?;
            } else {
                println!(
                    "Message {} renders from its {} ({} remote item{} blocked); add --html to see it.",
                    rendered.id,
                    if rendered.from_html { "HTML" } else { "text" },
                    rendered.blocked_remote,
                    if rendered.blocked_remote == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
            }
        }
        MailCommand::Attachment { id, number, output } => {
            let (attachment, bytes) = orbit.mail_attachment(id, number)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &bytes)
                        .with_context(|| format!("Cannot write {}", path.display()))?;
                    if json {
                        print_json(&attachment)?;
                    } else {
                        println!(
                            "Saved {} ({} bytes) to {}",
                            attachment.filename,
                            bytes.len(),
                            path.display()
                        );
                    }
                }
                None => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&bytes)
                        .and_then(|()| out.flush())
                        .context("Cannot write the attachment to standard output")?;
                }
            }
        }
        MailCommand::Show { id, raw: false } => {
            let message = orbit.mail_show(id)?;
            if json {
                print_json(&message)?;
            } else {
                print_message(&message);
            }
        }
        MailCommand::Flag {
            ids,
            seen,
            unseen,
            flagged,
            unflagged,
        } => {
            let (flag, on) = match (seen, unseen, flagged, unflagged) {
                (true, ..) => (MailFlag::Seen, true),
                (_, true, ..) => (MailFlag::Seen, false),
                (_, _, true, _) => (MailFlag::Flagged, true),
                (_, _, _, true) => (MailFlag::Flagged, false),
                _ => anyhow::bail!(orbit_core::Error::invalid(
                    "Say what to change: --seen, --unseen, --flagged or --unflagged"
                )),
            };
            orbit.mail_set_flags(&ids, flag, on, Actor::User)?;
            done(json, &ids, "Changed")?;
        }
        MailCommand::Move { ids, to } => {
            let account = ids
                .first()
                .map(|id| orbit.mail_show(*id))
                .transpose()?
                .map(|m| AccountId(m.account_id));
            let folder = orbit.mail_folder(account, &to)?;
            orbit.mail_move(&ids, folder.id, Actor::User)?;
            done(json, &ids, "Moved")?;
        }
        MailCommand::Archive { ids } => {
            orbit.mail_archive(&ids, Actor::User)?;
            done(json, &ids, "Archived")?;
        }
        MailCommand::Delete { ids } => {
            orbit.mail_delete(&ids, Actor::User)?;
            done(json, &ids, "Deleted")?;
        }
        MailCommand::Thread { id } => {
            let messages = orbit.mail_thread(id)?;
            if json {
                print_json(&messages)?;
            } else {
                for m in &messages {
                    print_message(m);
                    println!();
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn done(json: bool, ids: &[i64], verb: &str) -> anyhow::Result<()> {
    if json {
        print_json(&serde_json::json!({ "ids": ids, "ok": true }))?;
    } else {
        println!(
            "{verb} {} message{} (the server follows at the next sync).",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

fn print_message(m: &orbit_core::mail::Message) {
    println!(
        "From:    {}\nDate:    {}\nSubject: {}",
        m.from, m.date, m.subject
    );
    for a in &m.attachments {
        println!(
            "Attached: #{} {} ({}, {} bytes)",
            a.ordinal,
            if a.filename.is_empty() {
                "(unnamed)"
            } else {
                &a.filename
            },
            a.mime_type,
            a.size
        );
    }
    println!("\n{}", m.text.trim_end());
}

fn search(orbit: &Orbit, args: &SearchArgs, json: bool) -> anyhow::Result<ExitCode> {
    let mode = orbit_core::embed::SearchMode::parse(&args.mode)?;
    let options = orbit_core::search::SearchOptions {
        limit: args.limit,
        as_you_type: args.prefix,
    };
    let results = runtime()?.block_on(orbit.search_with(&args.query, options, mode))?;
    if let Some(why) = &results.semantic_error {
        eprintln!("orbit: meaning left out of this search: {why}");
    }
    if json {
        print_json(&results)?;
        return Ok(ExitCode::SUCCESS);
    }
    for hit in &results.hits {
        let m = &hit.message;
        let more = if hit.more_in_thread > 0 {
            format!(" (+{} in the conversation)", hit.more_in_thread)
        } else {
            String::new()
        };
        println!(
            "{:>7}  {}  {:<28.28}  {}{more}",
            m.id,
            m.date.get(..10).unwrap_or(&m.date),
            m.from,
            if m.subject.is_empty() {
                "(no subject)"
            } else {
                &m.subject
            }
        );
        let text = if hit.snippet.is_empty() {
            &m.snippet
        } else {
            &hit.snippet
        };
        if !text.is_empty() {
            println!(
                "         {}",
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }
    println!(
        "{} matching message{} in {} conversation{} shown ({:.1} ms){}",
        results.total,
        if results.total == 1 { "" } else { "s" },
        results.hits.len(),
        if results.hits.len() == 1 { "" } else { "s" },
        results.took_ms,
        if results.pending > 0 {
            format!(
                "; {} messages are still being indexed by another Orbit",
                results.pending
            )
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn index(orbit: &Orbit, command: &IndexCommand, json: bool) -> anyhow::Result<ExitCode> {
    if let IndexCommand::Embed { max } = command {
        let status = runtime()?.block_on(orbit.embed_catch_up(*max))?;
        if json {
            print_json(&status)?;
        } else if !status.enabled {
            println!("Semantic search is off: `orbit settings embeddings --on` turns it on.");
        } else {
            println!(
                "Embedded {} messages now; {} chunks in all, {} messages waiting{}.",
                status.embedded_now,
                status.chunks,
                status.pending,
                status
                    .stopped
                    .as_ref()
                    .map(|s| format!(" (stopped: {s})"))
                    .unwrap_or_default()
            );
        }
        return Ok(if status.stopped.is_some() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let status = match command {
        IndexCommand::Embed { .. } | IndexCommand::Status => orbit.search_catch_up()?,
        IndexCommand::Rebuild => orbit.search_rebuild()?,
    };
    if json {
        print_json(&status)?;
    } else {
        println!(
            "{} messages indexed, {} waiting{}; {:.1} MiB on disk.",
            status.indexed,
            status.pending,
            if status.busy {
                " (another Orbit is indexing them)"
            } else {
                ""
            },
            status.size_bytes as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).context("Cannot write JSON")?;
    writeln!(out).context("Cannot write JSON")?;
    Ok(())
}

fn default_port(service: &str, security: &str) -> i64 {
    match (service, security) {
        ("imap", "tls") => 993,
        ("imap", _) => 143,
        ("smtp", "tls") => 465,
        ("smtp", "starttls") => 587,
        _ => 25,
    }
}

fn endpoint(
    service: &str,
    host: Option<String>,
    port: Option<i64>,
    security: Option<String>,
    current: Option<EndpointInput>,
) -> Option<EndpointInput> {
    if host.is_none() && port.is_none() && security.is_none() {
        return current;
    }
    let host = host
        .or_else(|| current.as_ref().map(|c| c.host.clone()))
        .unwrap_or_default();
    let security = security
        .or_else(|| current.as_ref().map(|c| c.security.clone()))
        .unwrap_or_else(|| "tls".to_owned())
        .to_ascii_lowercase();
    let port = port
        .or_else(|| current.as_ref().map(|c| c.port))
        .unwrap_or_else(|| default_port(service, &security));
    Some(EndpointInput {
        host,
        port,
        security,
    })
}

fn read_secret(from_stdin: bool, prompt: &str, what: &str) -> anyhow::Result<Sensitive<String>> {
    let secret = if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .with_context(|| format!("Cannot read the {what} from standard input"))?;
        text.trim_end_matches(['\r', '\n']).to_owned()
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).with_context(|| format!("Cannot read the {what}"))?
    } else {
        anyhow::bail!(orbit_core::Error::invalid(format!(
            "No terminal to ask for the {what}: pipe it in and pass --{}",
            if what == "API key" {
                "stdin"
            } else {
                "password-stdin"
            }
        )));
    };
    Ok(Sensitive::new(secret))
}

fn account(orbit: &Orbit, command: AccountCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        AccountCommand::Add(args) => {
            let s = args.servers;
            let input = AccountInput {
                name: args.name,
                email: args.email,
                username: args.username,
                imap: endpoint("imap", s.imap_host, s.imap_port, s.imap_security, None),
                smtp: endpoint("smtp", s.smtp_host, s.smtp_port, s.smtp_security, None),
                caldav_url: s.caldav_url,
            };
            let password = read_secret(args.password_stdin, "Password: ", "password")?;
            let account = orbit.account_add(&input, password)?;
            if json {
                print_json(&account)?;
            } else {
                println!(
                    "Added account {} ({}) with id {}.",
                    account.name, account.email, account.id
                );
            }
        }
        AccountCommand::List => {
            let list = orbit.account_list()?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!(
                    "No accounts. Add one with: orbit account add --name N --email E --username U ..."
                );
            } else {
                for a in &list {
                    print_account(a);
                }
            }
        }
        AccountCommand::Edit(args) => {
            let id = AccountId(args.id);
            let current = orbit.account_get(id)?;
            let s = args.servers;
            let input = AccountInput {
                name: args.name.unwrap_or(current.name),
                email: args.email.unwrap_or(current.email),
                username: args.username.unwrap_or(current.username),
                imap: if args.no_imap {
                    None
                } else {
                    endpoint(
                        "imap",
                        s.imap_host,
                        s.imap_port,
                        s.imap_security,
                        current.imap,
                    )
                },
                smtp: if args.no_smtp {
                    None
                } else {
                    endpoint(
                        "smtp",
                        s.smtp_host,
                        s.smtp_port,
                        s.smtp_security,
                        current.smtp,
                    )
                },
                caldav_url: if args.no_caldav {
                    None
                } else {
                    s.caldav_url.or(current.caldav_url)
                },
            };
            let password = if args.password_stdin || args.ask_password {
                Some(read_secret(
                    args.password_stdin,
                    "New password: ",
                    "password",
                )?)
            } else {
                None
            };
            let account = orbit.account_update(id, &input, password)?;
            if json {
                print_json(&account)?;
            } else {
                println!("Updated account {} ({}).", account.name, account.email);
            }
        }
        AccountCommand::Test { id } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("Cannot start the async runtime")?;
            let report = runtime.block_on(orbit.account_test(AccountId(id), Actor::User))?;
            if json {
                print_json(&report)?;
            } else {
                print_report(&report);
            }
            if !report.ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        AccountCommand::Remove { id, yes } => {
            let account = orbit.account_get(AccountId(id))?;
            if !yes {
                if !std::io::stdin().is_terminal() {
                    anyhow::bail!(orbit_core::Error::invalid(
                        "Refusing to remove an account without confirmation: pass --yes"
                    ));
                }
                print!(
                    "Remove account {} ({}) and its stored password? [y/N] ",
                    account.name, account.email
                );
                std::io::stdout()
                    .flush()
                    .context("Cannot write the prompt")?;
                let mut answer = String::new();
                std::io::stdin()
                    .read_line(&mut answer)
                    .context("Cannot read the answer")?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    println!("Nothing removed.");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            orbit.account_remove(AccountId(id))?;
            if json {
                print_json(&serde_json::json!({ "id": id, "removed": true }))?;
            } else {
                println!("Removed account {} ({}).", account.name, account.email);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_account(a: &Account) {
    let status = match &a.last_test {
        None => "not tested".to_owned(),
        Some(t) if t.ok => format!("connected ({})", t.at),
        Some(t) => format!("failed: {}", t.summary),
    };
    println!("{:>4}  {} <{}>  [{}]", a.id, a.name, a.email, status);
    if let Some(e) = &a.imap {
        println!("      IMAP    {}:{} ({})", e.host, e.port, e.security);
    }
    if let Some(e) = &a.smtp {
        println!("      SMTP    {}:{} ({})", e.host, e.port, e.security);
    }
    if let Some(url) = &a.caldav_url {
        println!("      CalDAV  {url}");
    }
}

fn print_report(report: &ConnectionReport) {
    for c in &report.checks {
        let mark = if c.ok { "ok    " } else { "FAILED" };
        let kind = c
            .kind
            .as_deref()
            .map(|k| format!(" [{k}]"))
            .unwrap_or_default();
        println!(
            "{:<7} {mark}{kind}  {} ({} ms)",
            c.service.to_uppercase(),
            c.message,
            c.elapsed_ms
        );
    }
    if report.checks.is_empty() {
        println!("This account has no server to test.");
    }
}

fn settings(orbit: &Orbit, command: SettingsCommand, json: bool) -> anyhow::Result<ExitCode> {
    if let SettingsCommand::Assistant(args) = &command {
        return assistant::settings(orbit, args, json);
    }
    if let SettingsCommand::Embeddings {
        on,
        off,
        model,
        dimensions,
    } = &command
    {
        let enabled = if *on {
            Some(true)
        } else if *off {
            Some(false)
        } else {
            None
        };
        let s = if enabled.is_none() && model.is_none() && dimensions.is_none() {
            orbit.embedding_settings()?
        } else {
            orbit.embedding_update(enabled, model.as_deref(), *dimensions)?
        };
        if json {
            print_json(&s)?;
        } else {
            println!(
                "Semantic search {}\n  model       {}\n  dimensions  {}\n  provider    {}{}",
                if s.enabled { "on" } else { "off" },
                s.model,
                s.dimensions,
                s.base_url,
                if s.has_key { "" } else { " (no API key set)" }
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let shown = match command {
        SettingsCommand::Embeddings { .. } | SettingsCommand::Assistant(_) => {
            orbit.ai_settings()?
        }
        SettingsCommand::Show => orbit.ai_settings()?,
        SettingsCommand::Provider {
            provider,
            base_url,
            model,
        } => {
            let provider: Provider = provider.parse()?;
            orbit.provider_update(provider, base_url.as_deref(), model.as_deref())?
        }
        SettingsCommand::SetKey { provider, stdin } => {
            let provider: Provider = provider.parse()?;
            let key = read_secret(stdin, &format!("{} API key: ", provider.label()), "API key")?;
            orbit.api_key_set(provider, key)?
        }
        SettingsCommand::RemoveKey { provider } => {
            let provider: Provider = provider.parse()?;
            orbit.api_key_remove(provider)?
        }
    };
    if json {
        print_json(&shown)?;
    } else {
        print_settings(&shown);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_settings(s: &AiSettings) {
    for (label, p) in [
        ("Anthropic", &s.anthropic),
        ("OpenAI-compatible", &s.openai),
    ] {
        let key = match (p.has_key, p.key_from_env) {
            (true, true) => "from the environment",
            (true, false) => "stored in the OS keyring",
            (false, _) => "not set",
        };
        let env = if p.base_url_from_env {
            " (from the environment)"
        } else {
            ""
        };
        println!(
            "{label}\n  base URL  {}{env}\n  model     {}\n  API key   {key}",
            p.base_url, p.model
        );
    }
}
