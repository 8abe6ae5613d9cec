//! `orbit ask`, `orbit chat` and `orbit proposals`: the assistant from the command line.
//! Answers stream as they are written; a proposal (send, archive, move, flag, delete) is shown
//! with its warnings and runs only when the user types `y` at the prompt. A run without a
//! terminal leaves proposals pending, for `orbit proposals confirm N`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use orbit_core::Orbit;
use orbit_core::assistant::{AskInput, AssistantEvent, AssistantUpdate, ProposalView, Via};

use crate::{print_json, runtime};

#[derive(Debug, Args)]
pub(crate) struct AskArgs {
    /// The question or request, e.g. "what did Dana need from me this week?".
    prompt: String,
    /// Continue this chat session.
    #[arg(long, value_name = "ID")]
    session: Option<i64>,
    /// The message this is about (as the conversation view asks).
    #[arg(long, value_name = "ID")]
    message: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ChatCommand {
    /// Every chat session, the most recent first.
    List,
    /// A session's conversation.
    Show {
        /// The session.
        id: i64,
        /// Show what the assistant saw: every request exactly as sent to the model.
        #[arg(long)]
        requests: bool,
    },
    /// Rename a session.
    Rename {
        /// The session.
        id: i64,
        /// Its new title.
        title: String,
    },
    /// Delete a session.
    Delete {
        /// The session.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProposalsCommand {
    /// What the assistant proposed and waits for you (with --all, everything it proposed).
    List {
        /// Decided ones too.
        #[arg(long)]
        all: bool,
    },
    /// Run a proposal: you confirm it by this command (at a terminal, after a last question).
    Confirm {
        /// The proposal.
        id: i64,
    },
    /// Reject a proposal.
    Reject {
        /// The proposal.
        id: i64,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AssistantSettingsArgs {
    /// anthropic or openai (OpenAI-compatible, also a local model server).
    #[arg(long)]
    provider: Option<String>,
    /// Mask e-mail addresses, phone, card and account numbers before mail reaches the model.
    #[arg(long, value_parser = ["on", "off"])]
    redact: Option<String>,
    /// Stop once this many US dollars were spent today ("none" removes the budget).
    #[arg(long, value_name = "USD")]
    daily_budget: Option<String>,
    /// Stop once this many US dollars were spent this month ("none" removes the budget).
    #[arg(long, value_name = "USD")]
    monthly_budget: Option<String>,
    /// Requests per minute at most.
    #[arg(long, value_name = "N")]
    rate: Option<u32>,
}

fn budget(value: Option<&str>) -> anyhow::Result<Option<Option<f64>>> {
    value
        .map(|v| match v.trim() {
            "none" | "" => Ok(None),
            amount => amount
                .trim_start_matches('$')
                .parse::<f64>()
                .map(Some)
                .map_err(|_| {
                    anyhow::Error::new(orbit_core::Error::invalid(format!(
                        "{amount:?} is not an amount of dollars (or none)"
                    )))
                }),
        })
        .transpose()
}

pub(crate) fn settings(
    orbit: &Orbit,
    args: &AssistantSettingsArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let update = AssistantUpdate {
        provider: args.provider.as_deref().map(str::parse).transpose()?,
        redact: args.redact.as_deref().map(|r| r == "on"),
        daily_budget_usd: budget(args.daily_budget.as_deref())?,
        monthly_budget_usd: budget(args.monthly_budget.as_deref())?,
        requests_per_minute: args.rate,
    };
    let changes = update.provider.is_some()
        || update.redact.is_some()
        || update.daily_budget_usd.is_some()
        || update.monthly_budget_usd.is_some()
        || update.requests_per_minute.is_some();
    let s = if changes {
        orbit.assistant_update(&update)?
    } else {
        orbit.assistant_settings()?
    };
    if json {
        print_json(&s)?;
        return Ok(ExitCode::SUCCESS);
    }
    let money = |v: Option<f64>| v.map_or_else(|| "none".to_owned(), |v| format!("${v:.2}"));
    println!(
        "Assistant: {} {} at {}{}\n  redaction       {}\n  daily budget    {} (spent ${:.4} today in {} requests)\n  monthly budget  {} (spent ${:.4})\n  rate limit      {} requests per minute\n  price           {}",
        s.provider.label(),
        s.model,
        s.base_url,
        if s.ready { "" } else { " (no API key set)" },
        if s.redact { "on" } else { "off" },
        money(s.daily_budget_usd),
        s.spent_today_usd,
        s.requests_today,
        money(s.monthly_budget_usd),
        s.spent_month_usd,
        s.requests_per_minute,
        s.price_per_mtok.map_or_else(
            || "unknown for this model (cost shows as $0)".to_owned(),
            |(i, o)| format!("${i} / ${o} per million input / output tokens")
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn print_proposal(p: &ProposalView) {
    println!("\nProposal #{} — {} [{}]", p.id, p.summary, p.status);
    if let Ok(input) = serde_json::to_string_pretty(&p.input) {
        for line in input.lines() {
            println!("    {line}");
        }
    }
    for w in &p.warnings {
        println!("  ! {w}");
    }
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

fn ask_yes(question: &str) -> anyhow::Result<bool> {
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub(crate) fn ask(orbit: &Orbit, args: &AskArgs, json: bool) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    let input = AskInput {
        session_id: args.session,
        prompt: args.prompt.clone(),
        context_message: args.message,
    };
    let mut on_event = |event: AssistantEvent| {
        if json {
            if let Ok(line) = serde_json::to_string(&event) {
                println!("{line}");
            }
            return;
        }
        match event {
            AssistantEvent::Text { text } => {
                print!("{text}");
                let _ = std::io::stdout().flush();
            }
            AssistantEvent::ToolStarted { .. } | AssistantEvent::Session { .. } => {}
            AssistantEvent::ToolDone { summary, .. } => eprintln!("\n· {summary}"),
            AssistantEvent::Proposal { .. } => {}
            AssistantEvent::Retrying {
                attempt, reason, ..
            } => eprintln!("\n· {reason}; trying again (try {attempt})"),
        }
    };
    let outcome = runtime.block_on(orbit.ask(&input, &mut on_event))?;
    if json {
        let mut value = serde_json::to_value(&outcome)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("type".into(), "outcome".into());
        }
        println!("{value}");
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    if !outcome.citations.is_empty() {
        println!("\nSources:");
        for c in &outcome.citations {
            println!(
                "  [m:{}] {} — {} ({})",
                c.message_id, c.subject, c.from, c.date
            );
        }
    }
    for p in &outcome.proposals {
        print_proposal(p);
        if interactive() {
            if ask_yes("Do it?")? {
                let done = runtime.block_on(orbit.proposal_confirm(p.id, Via::Cli))?;
                println!("  → {}", done.outcome);
            } else {
                orbit.proposal_reject(p.id, Via::Cli)?;
                println!("  → rejected");
            }
        } else {
            println!(
                "  (pending: `orbit proposals confirm {}` runs it, `orbit proposals reject {}` drops it)",
                p.id, p.id
            );
        }
    }
    eprintln!(
        "\nsession {} · {} requests · {} in / {} out tokens · ${:.4}",
        outcome.session_id,
        outcome.requests,
        outcome.usage.input_tokens,
        outcome.usage.output_tokens,
        outcome.usage.cost_usd
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn chat(orbit: &Orbit, command: &ChatCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        ChatCommand::List => {
            let list = orbit.chat_sessions()?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("No chat sessions yet: `orbit ask \"…\"` starts one.");
            } else {
                for s in &list {
                    println!(
                        "{:>4}  {}  {:<50}  {} messages  ${:.4}",
                        s.id, s.updated_at, s.title, s.messages, s.usage.cost_usd
                    );
                }
            }
        }
        ChatCommand::Show { id, requests } => {
            if *requests {
                let list = orbit.chat_requests(*id)?;
                if json {
                    print_json(&list)?;
                } else {
                    for r in &list {
                        println!(
                            "── request {} · {} {} · {} in / {} out · ${:.4} · {}",
                            r.id,
                            r.provider,
                            r.model,
                            r.usage.input_tokens,
                            r.usage.output_tokens,
                            r.usage.cost_usd,
                            r.outcome
                        );
                        println!("{}", serde_json::to_string_pretty(&r.body)?);
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let detail = orbit.chat_session(*id)?;
            if json {
                print_json(&detail)?;
            } else {
                println!("{} (session {})\n", detail.session.title, detail.session.id);
                for e in &detail.entries {
                    match e.kind.as_str() {
                        "user" => println!("You: {}\n", e.text),
                        "assistant" => println!("Assistant: {}\n", e.text),
                        _ => println!(
                            "  · {}{}",
                            e.text,
                            if e.is_error { " (failed)" } else { "" }
                        ),
                    }
                }
                for p in &detail.proposals {
                    print_proposal(p);
                }
            }
        }
        ChatCommand::Rename { id, title } => {
            let s = orbit.chat_rename(*id, title)?;
            if json {
                print_json(&s)?;
            } else {
                println!("Session {} is now “{}”.", s.id, s.title);
            }
        }
        ChatCommand::Delete { id } => {
            orbit.chat_delete(*id)?;
            if !json {
                println!("Deleted session {id}.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn proposals(
    orbit: &Orbit,
    command: &ProposalsCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        ProposalsCommand::List { all } => {
            let list = orbit.proposals(!*all)?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("Nothing waits for you.");
            } else {
                for p in &list {
                    print_proposal(p);
                }
            }
        }
        ProposalsCommand::Confirm { id } => {
            let p = orbit.proposal(*id)?;
            if interactive() && !json {
                print_proposal(&p);
                if !ask_yes("Do it?")? {
                    println!("Nothing done.");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            let done = runtime()?.block_on(orbit.proposal_confirm(*id, Via::Cli))?;
            if json {
                print_json(&done)?;
            } else {
                println!("{}", done.outcome);
            }
        }
        ProposalsCommand::Reject { id } => {
            let p = orbit.proposal_reject(*id, Via::Cli)?;
            if json {
                print_json(&p)?;
            } else {
                println!("Rejected: {}", p.summary);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
