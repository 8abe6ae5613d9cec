//! `orbit tasks`: task lists and tasks (VTODO in the calendars, synced with them).

use std::process::ExitCode;

use clap::Subcommand;
use orbit_core::Orbit;
use orbit_core::tasks::{ScanMode, Task, TaskPatch};

use crate::{print_json, runtime};

#[derive(Debug, Subcommand)]
pub(crate) enum TasksCommand {
    /// The task lists (each calendar, and lists kept on this computer).
    Lists,
    /// Make a task list kept on this computer only.
    NewList {
        /// Its name.
        name: String,
    },
    /// Tasks, open ones first by score (or all with --all).
    List {
        /// Only this list.
        #[arg(long)]
        list: Option<i64>,
        /// Done ones too.
        #[arg(long)]
        all: bool,
    },
    /// Add a task from a line: "pay rent every 1st", "call the plumber tomorrow !high #home".
    Add {
        /// The line.
        text: String,
        /// The list (default: the first).
        #[arg(long)]
        list: Option<i64>,
        /// As a sub-task of this task (UID).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Mark a task done (a repeating one moves on to its next due date).
    Done {
        /// UID.
        uid: String,
        /// Open it again instead.
        #[arg(long)]
        undo: bool,
    },
    /// Move a task to a column (to, before another task, or to the end).
    Move {
        /// UID.
        uid: String,
        /// Column id (todo, doing, done, or the list's own).
        column: String,
        /// Before this task (UID).
        #[arg(long)]
        before: Option<String>,
    },
    /// Change a task.
    Edit {
        /// UID.
        uid: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
        /// Priority 0 (none) to 9; 1 is highest.
        #[arg(long)]
        priority: Option<u8>,
        /// Due: YYYY-MM-DD, RFC 3339, or "none".
        #[arg(long)]
        due: Option<String>,
        /// Tags, comma-separated.
        #[arg(long)]
        tags: Option<String>,
        /// Minutes it should take.
        #[arg(long)]
        estimate: Option<i64>,
    },
    /// Delete a task.
    Delete {
        /// UID.
        uid: String,
    },
    /// Open and done per period, overdue, throughput.
    Stats {
        /// day, week or month.
        #[arg(long, default_value = "week")]
        period: String,
    },
    /// Sync (the task lists are the calendars: the same as `orbit calendar sync`).
    Sync,
    /// Tasks found in recent mail and in what you told the assistant: looks at new messages,
    /// then lists the suggestions; or accepts or dismisses one. The assistant reads the messages
    /// when allowed (`--model on`, or `--with-model` once); otherwise Orbit's own rules do.
    Suggestions {
        /// Read new messages with Orbit's rules only, whatever the setting.
        #[arg(long, conflicts_with = "with_model")]
        rules: bool,
        /// Read new messages with the assistant this once (an error when it is not set up).
        #[arg(long)]
        with_model: bool,
        /// Let the assistant read new mail and chat for tasks from now on (on), or stop it (off).
        #[arg(long, value_parser = ["on", "off"])]
        model: Option<String>,
        /// Accept this suggestion.
        #[arg(long, conflicts_with = "dismiss")]
        accept: Option<i64>,
        /// Dismiss this suggestion.
        #[arg(long)]
        dismiss: Option<i64>,
        /// The list to accept into (default: the first).
        #[arg(long)]
        list: Option<i64>,
    },
    /// Propose a time-blocked day from the open tasks and free calendar time; with --apply
    /// (or a yes at a terminal) the blocks become events in a calendar.
    Plan {
        /// The day (YYYY-MM-DD; default today).
        #[arg(long)]
        day: Option<String>,
        /// The calendar for the blocks (default: the first).
        #[arg(long)]
        calendar: Option<i64>,
        /// Apply without asking (scripts).
        #[arg(long)]
        apply: bool,
    },
    /// Ask the assistant which priorities it would give the open tasks, and why; nothing changes
    /// until you set a priority (`orbit tasks edit UID --priority …`).
    Prioritise,
    /// Turn a message into a task.
    FromMessage {
        /// The message id.
        message: i64,
        /// The list (default: the first).
        #[arg(long)]
        list: Option<i64>,
    },
}

fn first_list(orbit: &Orbit, list: Option<i64>) -> anyhow::Result<i64> {
    match list {
        Some(l) => Ok(l),
        None => orbit.task_lists()?.first().map(|l| l.id).ok_or_else(|| {
            anyhow::Error::new(orbit_core::Error::invalid(
                "There is no task list: make one with `orbit tasks new-list NAME`",
            ))
        }),
    }
}

fn line(t: &Task) -> String {
    format!(
        "{:>3}  [{}] {}{}{}{}  ({})",
        t.score,
        if t.status == "completed" { "x" } else { " " },
        t.title,
        t.due
            .as_deref()
            .map(|d| format!("  due {d}"))
            .unwrap_or_default(),
        if t.tags.is_empty() {
            String::new()
        } else {
            format!("  #{}", t.tags.join(" #"))
        },
        t.progress
            .map(|p| format!("  {}/{}", p.done, p.total))
            .unwrap_or_default(),
        t.uid
    )
}

pub(crate) fn tasks(orbit: &Orbit, command: &TasksCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        TasksCommand::Lists => {
            let lists = orbit.task_lists()?;
            if json {
                print_json(&lists)?;
            } else {
                for l in &lists {
                    println!(
                        "{:>4}  {:<30} {:>4} open {:>4} done{}",
                        l.id,
                        l.name,
                        l.open,
                        l.done,
                        if l.local { "  (this computer)" } else { "" }
                    );
                }
            }
        }
        TasksCommand::NewList { name } => {
            let list = orbit.task_list_create(name)?;
            if json {
                print_json(&list)?;
            } else {
                println!("Made list {} ({}).", list.name, list.id);
            }
        }
        TasksCommand::List { list, all } => {
            let mut tasks: Vec<Task> = orbit
                .tasks(*list)?
                .into_iter()
                .filter(|t| *all || matches!(t.status.as_str(), "needs-action" | "in-process"))
                .collect();
            tasks.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.order.cmp(&b.order)));
            if json {
                print_json(&tasks)?;
            } else if tasks.is_empty() {
                println!("No tasks.");
            } else {
                for t in &tasks {
                    println!("{}", line(t));
                }
            }
        }
        TasksCommand::Add { text, list, parent } => {
            let list = first_list(orbit, *list)?;
            let task = orbit.task_add(list, text, parent.as_deref())?;
            if json {
                print_json(&task)?;
            } else {
                println!("Added: {}", line(&task));
            }
        }
        TasksCommand::Done { uid, undo } => {
            let task = orbit.task_done(uid, !undo)?;
            if json {
                print_json(&task)?;
            } else {
                println!("{}", line(&task));
            }
        }
        TasksCommand::Move {
            uid,
            column,
            before,
        } => {
            orbit.task_move(uid, column, before.as_deref())?;
            if !json {
                println!("Moved {uid} to {column}.");
            }
        }
        TasksCommand::Edit {
            uid,
            title,
            notes,
            priority,
            due,
            tags,
            estimate,
        } => {
            let patch = TaskPatch {
                title: title.clone(),
                notes: notes.clone(),
                priority: *priority,
                due: due.as_deref().map(|d| (d != "none").then(|| d.to_owned())),
                tags: tags.as_deref().map(|t| {
                    t.split(',')
                        .map(|s| s.trim().trim_start_matches('#').to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                }),
                estimate_minutes: estimate.map(|e| (e > 0).then_some(e)),
                ..TaskPatch::default()
            };
            let task = orbit.task_update(uid, &patch)?;
            if json {
                print_json(&task)?;
            } else {
                println!("{}", line(&task));
            }
        }
        TasksCommand::Delete { uid } => {
            orbit.task_delete(uid)?;
            if !json {
                println!("Deleted {uid}.");
            }
        }
        TasksCommand::Stats { period } => {
            let stats = orbit.task_stats(period)?;
            if json {
                print_json(&stats)?;
            } else {
                println!(
                    "{} open, {} overdue, {} done this {}, {:.1} done per week",
                    stats.open,
                    stats.overdue,
                    stats.done_this_period,
                    stats.period,
                    stats.throughput_per_week
                );
                for b in &stats.buckets {
                    println!("  {}  +{:<3} done {}", b.start, b.opened, b.done);
                }
            }
        }
        TasksCommand::Suggestions {
            rules,
            with_model,
            model,
            accept,
            dismiss,
            list,
        } => {
            if let Some(id) = accept {
                let task = orbit.task_suggestion_accept(*id, first_list(orbit, *list)?)?;
                if json {
                    print_json(&task)?;
                } else {
                    println!("Added: {}", line(&task));
                }
            } else if let Some(id) = dismiss {
                orbit.task_suggestion_dismiss(*id)?;
                if !json {
                    println!("Dismissed.");
                }
            } else {
                if let Some(m) = model {
                    orbit.set_task_extraction_with_model(m == "on")?;
                }
                let mode = if *rules {
                    ScanMode::Rules
                } else if *with_model {
                    ScanMode::Model
                } else {
                    ScanMode::Auto
                };
                let report = runtime()?.block_on(orbit.task_scan(mode))?;
                if let Some(why) = &report.model_error {
                    eprintln!(
                        "The assistant could not read every message ({why}); Orbit's rules read the rest."
                    );
                }
                let found = orbit.task_suggestions()?;
                if json {
                    print_json(&found)?;
                } else if found.is_empty() {
                    println!("No suggestions.");
                } else {
                    for s in &found {
                        println!("{:>4}  {}  — {} ({})", s.id, s.title, s.from, s.reason);
                    }
                }
            }
        }
        TasksCommand::Plan {
            day,
            calendar,
            apply,
        } => {
            let day = match day {
                Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    anyhow::Error::new(orbit_core::Error::invalid(format!(
                        "{d:?} is not a day (YYYY-MM-DD)"
                    )))
                })?,
                None => chrono::Utc::now().date_naive(),
            };
            let plan = orbit.task_plan_day(day)?;
            if json && !*apply {
                print_json(&plan)?;
                return Ok(ExitCode::SUCCESS);
            }
            if !json {
                for b in &plan.blocks {
                    println!("  {} – {}  {}", b.start, b.end, b.title);
                }
                if !plan.left_out.is_empty() {
                    println!("  did not fit: {}", plan.left_out.join(", "));
                }
            }
            let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
            let go = *apply || {
                interactive && {
                    use std::io::Write as _;
                    print!("Put these blocks in your calendar? [y/N] ");
                    std::io::stdout().flush()?;
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    matches!(line.trim(), "y" | "Y" | "yes")
                }
            };
            if go {
                let calendar = match calendar {
                    Some(c) => *c,
                    None => orbit
                        .calendar_list()?
                        .first()
                        .map(|c| c.id)
                        .ok_or_else(|| {
                            anyhow::Error::new(orbit_core::Error::invalid(
                                "There is no calendar for the plan",
                            ))
                        })?,
                };
                let n = orbit.task_plan_apply(calendar, &plan.blocks)?;
                if json {
                    print_json(&serde_json::json!({ "applied": n, "plan": plan }))?;
                } else {
                    println!("Added {n} blocks to the calendar.");
                }
            } else if !json {
                println!("Not applied.");
            }
        }
        TasksCommand::Prioritise => {
            let advised = runtime()?.block_on(orbit.task_prioritise())?;
            if json {
                print_json(&advised)?;
            } else if advised.is_empty() {
                println!("The assistant would leave the priorities as they are.");
            } else {
                for t in &advised {
                    if let Some(a) = &t.advice {
                        let level = match a.priority {
                            1..=4 => "high",
                            5 => "medium",
                            6..=9 => "low",
                            _ => "none",
                        };
                        println!("{}  → {level}: {}  ({})", t.title, a.reason, t.uid);
                    }
                }
            }
        }
        TasksCommand::FromMessage { message, list } => {
            let task = orbit.task_from_message(*message, first_list(orbit, *list)?)?;
            if json {
                print_json(&task)?;
            } else {
                println!("Added: {}", line(&task));
            }
        }
        TasksCommand::Sync => {
            let runtime = runtime()?;
            for a in orbit
                .account_list()?
                .into_iter()
                .filter(|a| a.caldav_url.is_some())
            {
                let report = runtime.block_on(orbit.calendar_sync(a.id))?;
                if json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    println!(
                        "account {}: {} changed, {} removed, {} sent",
                        report.account_id, report.changed, report.removed, report.pushed
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
