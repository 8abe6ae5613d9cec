//! Tasks: to-dos (VTODO) in the same calendars and with the same sync, queue and conflict
//! rules as events, shown on boards with ordered columns, with sub-tasks, a transparent
//! priority score, statistics, and suggestions found in mail that the user accepts or
//! dismisses — never created silently.
//!
//! A task list is a calendar: one of a CalDAV server (the task reaches the user's phone
//! through it) or a local one (`local:` href, never queued for a server). A list's columns
//! live in settings (`tasks.columns.<list>`), each mapped to a VTODO STATUS so other clients
//! still see a sensible status; the column itself is X-ORBIT-COLUMN and the order in it
//! X-APPLE-SORT-ORDER.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use orbit_cal::{TodoChange, TodoView};
use orbit_store::calendar as db;
use serde::{Deserialize, Serialize};

use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

mod advice;
mod found;

pub use advice::TaskAdvice;
pub use found::{ScanMode, ScanReport, TaskSuggestion, extract_requests};

/// A board column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskColumn {
    /// Stable id.
    pub id: String,
    /// Shown name.
    pub name: String,
    /// The VTODO status it stands for.
    pub status: String,
}

/// A task list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskList {
    /// The calendar's id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Colour or "".
    pub colour: String,
    /// On this computer only.
    pub local: bool,
    /// Ordered columns.
    pub columns: Vec<TaskColumn>,
    /// Open tasks.
    pub open: usize,
    /// Done tasks.
    pub done: usize,
}

/// What a task came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskLink {
    /// mail, event, document or person.
    pub kind: String,
    /// Its id (a message id for mail).
    pub id: String,
    /// Shown text.
    pub label: String,
}

/// Progress rolled up from sub-tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Done.
    pub done: usize,
    /// All.
    pub total: usize,
}

/// A task as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// UID.
    pub uid: String,
    /// Its list.
    pub list_id: i64,
    /// Title.
    pub title: String,
    /// Notes.
    pub notes: String,
    /// needs-action, in-process, completed or cancelled.
    pub status: String,
    /// A column id of its list.
    pub column: String,
    /// Position in the column.
    pub order: i64,
    /// 0 none, 1 high … 9 low.
    pub priority: u8,
    /// `YYYY-MM-DD` or RFC 3339 UTC.
    pub due: Option<String>,
    /// The same.
    pub start: Option<String>,
    /// Minutes.
    pub estimate_minutes: Option<i64>,
    /// Tags.
    pub tags: Vec<String>,
    /// Parent UID.
    pub parent: Option<String>,
    /// Sub-tasks at any depth.
    pub progress: Option<Progress>,
    /// 0–100.
    pub percent: u8,
    /// It repeats.
    pub recurring: bool,
    /// RFC 3339 UTC.
    pub completed_at: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// What it came from.
    pub links: Vec<TaskLink>,
    /// 0–100: higher means sooner.
    pub score: u8,
    /// Why the score is what it is.
    pub score_reasons: Vec<String>,
    /// The assistant's suggested priority and why, until the user sets the priority.
    pub advice: Option<TaskAdvice>,
}

/// Fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TaskPatch {
    /// Title.
    pub title: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Priority.
    pub priority: Option<u8>,
    /// Due (null removes it).
    #[serde(default, with = "double_option")]
    pub due: Option<Option<String>>,
    /// Start.
    #[serde(default, with = "double_option")]
    pub start: Option<Option<String>>,
    /// Estimate.
    #[serde(default, with = "double_option")]
    pub estimate_minutes: Option<Option<i64>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Parent.
    #[serde(default, with = "double_option")]
    pub parent: Option<Option<String>>,
}

/// A field that may be missing (unchanged), null (removed) or set.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Counts for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatBucket {
    /// First day.
    pub start: String,
    /// Tasks created.
    pub opened: usize,
    /// Tasks done.
    pub done: usize,
}

/// Task statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskStats {
    /// day, week or month.
    pub period: String,
    /// Oldest first, the current period last.
    pub buckets: Vec<StatBucket>,
    /// Open now.
    pub open: usize,
    /// Open and past due.
    pub overdue: usize,
    /// Done in the current period.
    pub done_this_period: usize,
    /// Done per week over the last four weeks.
    pub throughput_per_week: f64,
}

fn default_columns() -> Vec<TaskColumn> {
    [
        ("todo", "To do", "needs-action"),
        ("doing", "Doing", "in-process"),
        ("done", "Done", "completed"),
    ]
    .into_iter()
    .map(|(id, name, status)| TaskColumn {
        id: id.into(),
        name: name.into(),
        status: status.into(),
    })
    .collect()
}

fn columns_key(list: i64) -> String {
    format!("tasks.columns.{list}")
}

/// Gap between orders, so a card can go between two others without renumbering.
const ORDER_STEP: i64 = 1024;

fn is_open(status: &str) -> bool {
    matches!(status, "needs-action" | "in-process")
}

/// When a due value is, as an instant (a day: its end in `tz`).
fn due_instant(due: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(due, "%Y-%m-%d") {
        return tz
            .from_local_datetime(&(d + Duration::days(1)).and_hms_opt(0, 0, 0)?)
            .earliest()
            .map(|t| t.with_timezone(&Utc));
    }
    DateTime::parse_from_rfc3339(due).ok().map(|t| t.to_utc())
}

/// The score of a task: due date, age, priority, who asked, and how full today is.
pub fn score(
    task: &TodoView,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    asked_by: Option<&str>,
    busy_today_minutes: i64,
) -> (u8, Vec<String>) {
    let mut score = 0i64;
    let mut why = Vec::new();
    if !is_open(&task.status) {
        return (0, vec!["Done".into()]);
    }
    if let Some(due) = task.due.as_deref().and_then(|d| due_instant(d, tz)) {
        let today = now.with_timezone(&tz).date_naive();
        let due_day = (due - Duration::seconds(1)).with_timezone(&tz).date_naive();
        let days = (due_day - today).num_days();
        let (points, text) = match days {
            d if d < 0 => (
                45,
                format!("Overdue by {} day{}", -d, if d == -1 { "" } else { "s" }),
            ),
            0 => (35, "Due today".to_owned()),
            1 => (28, "Due tomorrow".to_owned()),
            2..=3 => (20, format!("Due in {days} days")),
            4..=7 => (12, "Due this week".to_owned()),
            _ => (4, format!("Due in {days} days")),
        };
        score += points;
        why.push(text);
        if (0..=1).contains(&days)
            && let Some(est) = task.estimate_minutes
            && busy_today_minutes + est > 8 * 60
        {
            score += 10;
            why.push("Little free time left today".into());
        }
    }
    match task.priority {
        1..=4 => {
            score += 25;
            why.push("High priority".into());
        }
        5 => {
            score += 12;
            why.push("Medium priority".into());
        }
        6..=9 => {
            score += 3;
            why.push("Low priority".into());
        }
        _ => {}
    }
    if let Some(who) = asked_by {
        score += 10;
        why.push(format!("Asked by {who}"));
    }
    if let Some(created) = task
        .created_at
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
    {
        let age = (now - created.to_utc()).num_days();
        if age >= 7 {
            score += (age / 7).min(10);
            why.push(format!("Open for {age} days"));
        }
    }
    (u8::try_from(score.clamp(0, 100)).unwrap_or(100), why)
}

impl Orbit {
    fn list_columns(&self, list: i64) -> Result<Vec<TaskColumn>> {
        let saved = self
            .store
            .read(|c| orbit_store::settings::get(c, &columns_key(list)))?;
        Ok(saved
            .and_then(|s| serde_json::from_str::<Vec<TaskColumn>>(&s).ok())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(default_columns))
    }

    /// Sets a list's columns (ids, names and the status each stands for).
    pub fn task_columns_set(&self, list: i64, columns: &[TaskColumn]) -> Result<()> {
        if columns.is_empty() {
            return Err(Error::invalid("A board needs at least one column"));
        }
        for c in columns {
            if !matches!(
                c.status.as_str(),
                "needs-action" | "in-process" | "completed" | "cancelled"
            ) {
                return Err(Error::invalid(format!(
                    "Column {}: status must be needs-action, in-process, completed or cancelled",
                    c.name
                )));
            }
        }
        let json = serde_json::to_string(columns)
            .map_err(|e| Error::internal(format!("Cannot encode columns: {e}")))?;
        let now = self.now_stamp();
        self.store
            .write(|tx| orbit_store::settings::set(tx, &columns_key(list), &json, &now))?;
        self.emit(Event::CalendarChanged);
        Ok(())
    }

    /// Every task list: each calendar, and the lists kept on this computer.
    pub fn task_lists(&self) -> Result<Vec<TaskList>> {
        // Counts only: the statuses, without scoring every task.
        let tz = crate::assistant::user_zone();
        let mut counts: HashMap<i64, (usize, usize)> = HashMap::new();
        for (calendar_id, object) in self.parsed_items()? {
            for t in orbit_cal::todos(&object, tz) {
                let entry = counts.entry(calendar_id).or_default();
                if is_open(&t.status) {
                    entry.0 += 1;
                } else {
                    entry.1 += 1;
                }
            }
        }
        let mut out = Vec::new();
        for c in self.store.read(|c| db::calendars(c, None))? {
            if !c.present {
                continue;
            }
            let (open, done) = counts.get(&c.id).copied().unwrap_or_default();
            out.push(TaskList {
                id: c.id,
                local: c.href.starts_with("local:"),
                columns: self.list_columns(c.id)?,
                open,
                done,
                name: c.name,
                colour: c.colour,
            });
        }
        Ok(out)
    }

    /// Makes a task list kept on this computer only (no server).
    pub fn task_list_create(&self, name: &str) -> Result<TaskList> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("The list needs a name"));
        }
        let account = self.local_account()?;
        let href = format!("local:{}/", uuid::Uuid::new_v4());
        let id = self.store.write(|tx| -> Result<i64> {
            let id = db::upsert_calendar(tx, account, &href, name, "")?;
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "task.list_created",
                    target: format!("calendar:{id}"),
                    summary: format!("Made the task list “{name}”"),
                    details: serde_json::json!({ "name": name }),
                },
            )?;
            Ok(id)
        })?;
        self.emit(Event::CalendarChanged);
        self.task_lists()?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or_else(|| Error::internal("the new list vanished"))
    }

    /// Every task (of one list, or all), with rolled-up progress and scores.
    pub fn tasks(&self, list: Option<i64>) -> Result<Vec<Task>> {
        self.collect_tasks(list, None)
    }

    /// The tasks of a list (or all), or only the one with uid `only` (its sub-task progress
    /// still counts every task; only it is scored and built).
    fn collect_tasks(&self, list: Option<i64>, only: Option<&str>) -> Result<Vec<Task>> {
        let tz = crate::assistant::user_zone();
        let now = self.clock.now();
        let mut raw: Vec<(i64, TodoView)> = Vec::new();
        for (calendar_id, object) in self.parsed_items()? {
            if list.is_some_and(|l| l != calendar_id) {
                continue;
            }
            raw.extend(
                orbit_cal::todos(&object, tz)
                    .into_iter()
                    .map(|t| (calendar_id, t)),
            );
        }
        let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (_, t)) in raw.iter().enumerate() {
            if let Some(p) = &t.parent {
                children.entry(p.as_str()).or_default().push(i);
            }
        }
        let progress = |uid: &str| -> Option<Progress> {
            let mut stack: Vec<usize> = children.get(uid).cloned().unwrap_or_default();
            if stack.is_empty() {
                return None;
            }
            let (mut done, mut total, mut seen) = (0, 0, std::collections::HashSet::new());
            while let Some(i) = stack.pop() {
                if !seen.insert(i) {
                    continue; // a cycle in broken data
                }
                let Some((_, t)) = raw.get(i) else { continue };
                total += 1;
                if t.status == "completed" {
                    done += 1;
                }
                stack.extend(children.get(t.uid.as_str()).cloned().unwrap_or_default());
            }
            Some(Progress { done, total })
        };
        let busy_today = self.busy_minutes_today(now, tz).unwrap_or(0);
        let mut advice = self.store.read(orbit_store::tasks::advice)?;
        let mut columns: HashMap<i64, Vec<TaskColumn>> = HashMap::new();
        let mut out = Vec::with_capacity(raw.len());
        for (n, (list_id, t)) in raw.iter().enumerate() {
            if only.is_some_and(|uid| uid != t.uid) {
                continue;
            }
            if !columns.contains_key(list_id) {
                columns.insert(*list_id, self.list_columns(*list_id)?);
            }
            let cols = columns.get(list_id).cloned().unwrap_or_default();
            let column = t
                .column
                .clone()
                .filter(|c| cols.iter().any(|col| col.id == *c))
                .or_else(|| {
                    cols.iter()
                        .find(|c| c.status == t.status)
                        .or_else(|| cols.first())
                        .map(|c| c.id.clone())
                })
                .unwrap_or_default();
            let links: Vec<TaskLink> = t
                .links
                .iter()
                .map(|(id, label)| {
                    let (kind, id) = id.split_once(':').unwrap_or(("other", id));
                    TaskLink {
                        kind: kind.into(),
                        id: id.into(),
                        label: label.clone(),
                    }
                })
                .collect();
            let asked_by = links
                .iter()
                .find(|l| l.kind == "person")
                .map(|l| l.label.clone());
            let (score, score_reasons) = score(t, now, tz, asked_by.as_deref(), busy_today);
            out.push(Task {
                uid: t.uid.clone(),
                list_id: *list_id,
                title: t.title.clone(),
                notes: t.notes.clone(),
                status: t.status.clone(),
                column,
                order: t
                    .order
                    .unwrap_or_else(|| i64::try_from(n).unwrap_or(0) * ORDER_STEP),
                priority: t.priority,
                due: t.due.clone(),
                start: t.start.clone(),
                estimate_minutes: t.estimate_minutes,
                tags: t.tags.clone(),
                parent: t.parent.clone(),
                progress: progress(&t.uid),
                percent: t.percent,
                recurring: t.recurring,
                completed_at: t.completed_at.clone(),
                created_at: t.created_at.clone().unwrap_or_default(),
                links,
                score,
                score_reasons,
                advice: advice
                    .remove(&t.uid)
                    .map(|(priority, reason)| TaskAdvice { priority, reason }),
            });
        }
        out.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.uid.cmp(&b.uid)));
        Ok(out)
    }

    fn busy_minutes_today(&self, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<i64> {
        let day = now.with_timezone(&tz).date_naive();
        let (Some(from), Some(to)) = (
            orbit_cal::day_start(day, tz),
            orbit_cal::day_start(day + Duration::days(1), tz),
        ) else {
            return Ok(0);
        };
        Ok(self
            .calendar_events(from, to, tz)?
            .iter()
            .filter(|o| !o.all_day)
            .filter_map(|o| {
                let a = DateTime::parse_from_rfc3339(&o.start).ok()?;
                let b = DateTime::parse_from_rfc3339(&o.end).ok()?;
                Some((b - a).num_minutes())
            })
            .sum())
    }

    fn task(&self, uid: &str) -> Result<Task> {
        self.collect_tasks(None, Some(uid))?
            .into_iter()
            .find(|t| t.uid == uid)
            .ok_or_else(|| Error::not_found(format!("There is no task {uid}")))
    }

    /// Adds a task from a line ("pay rent every 1st", "call the plumber tomorrow !high
    /// #home") to a list, as a sub-task of `parent` when given.
    pub fn task_add(&self, list: i64, text: &str, parent: Option<&str>) -> Result<Task> {
        self.task_add_by(list, text, parent, Vec::new(), Actor::User)
    }

    pub(crate) fn task_add_by(
        &self,
        list: i64,
        text: &str,
        parent: Option<&str>,
        links: Vec<(String, String)>,
        actor: Actor,
    ) -> Result<Task> {
        let tz = crate::assistant::user_zone();
        let today = self.clock.now().with_timezone(&tz).date_naive();
        let parsed = orbit_cal::parse_task(text.trim(), today);
        if parsed.title.is_empty() {
            return Err(Error::invalid("The task needs a title"));
        }
        if let Some(p) = parent {
            self.task(p)?;
        }
        let columns = self.list_columns(list)?;
        let first = columns
            .iter()
            .find(|c| c.status == "needs-action")
            .or_else(|| columns.first())
            .ok_or_else(|| Error::invalid("The list has no columns"))?;
        let last = self
            .tasks(Some(list))?
            .iter()
            .filter(|t| t.column == first.id)
            .map(|t| t.order)
            .max()
            .unwrap_or(0);
        let due = parsed.due.map(|d| {
            if parsed.due_is_day {
                d.date().to_string()
            } else {
                tz.from_local_datetime(&d)
                    .earliest()
                    .map_or_else(|| d.and_utc(), |t| t.with_timezone(&Utc))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            }
        });
        let uid = crate::calendar::new_uid();
        let ics = orbit_cal::new_todo(
            &uid,
            &TodoChange {
                title: Some(parsed.title.clone()),
                priority: Some(parsed.priority),
                due: Some(due),
                tags: Some(parsed.tags),
                parent: Some(parent.map(str::to_owned)),
                column: Some(first.id.clone()),
                order: Some(last + ORDER_STEP),
                add_links: links,
                rrule: parsed.rrule,
                ..TodoChange::default()
            },
            self.clock.now(),
        )
        .map_err(|e| Error::invalid(e.message))?;
        self.calendar_store_new(
            list,
            &uid,
            &ics,
            actor,
            "task.created",
            format!("Added the task “{}”", parsed.title),
        )?;
        self.task(&uid)
    }

    /// Changes a task's fields.
    pub fn task_update(&self, uid: &str, patch: &TaskPatch) -> Result<Task> {
        self.task_update_by(uid, patch, Actor::User)
    }

    pub(crate) fn task_update_by(
        &self,
        uid: &str,
        patch: &TaskPatch,
        actor: Actor,
    ) -> Result<Task> {
        if let Some(Some(p)) = &patch.parent {
            if p == uid {
                return Err(Error::invalid("A task cannot be its own sub-task"));
            }
            // No cycles: the new parent must not be below this task.
            let all = self.tasks(None)?;
            let mut at = Some(p.clone());
            while let Some(cur) = at {
                if cur == uid {
                    return Err(Error::invalid(
                        "That would make the task a sub-task of itself",
                    ));
                }
                at = all
                    .iter()
                    .find(|t| t.uid == cur)
                    .and_then(|t| t.parent.clone());
            }
        }
        let change = TodoChange {
            title: patch.title.clone().filter(|t| !t.trim().is_empty()),
            notes: patch.notes.clone(),
            priority: patch.priority.map(|p| p.min(9)),
            due: patch.due.clone(),
            start: patch.start.clone(),
            estimate_minutes: patch.estimate_minutes,
            tags: patch.tags.clone(),
            parent: patch.parent.clone(),
            ..TodoChange::default()
        };
        let title = self.task(uid)?.title;
        self.task_change(
            uid,
            &change,
            actor,
            "task.updated",
            format!("Changed the task “{title}”"),
            serde_json::json!({}),
        )?;
        if patch.priority.is_some() {
            // The user decided: the assistant's advice has been answered.
            self.store
                .write(|tx| orbit_store::tasks::clear_advice(tx, uid))?;
        }
        self.task(uid)
    }

    /// Moves a task to a column, before the task `before` (or to the end).
    pub fn task_move(&self, uid: &str, column: &str, before: Option<&str>) -> Result<()> {
        let task = self.task(uid)?;
        let columns = self.list_columns(task.list_id)?;
        let target = columns
            .iter()
            .find(|c| c.id == column)
            .ok_or_else(|| Error::invalid(format!("The list has no column {column}")))?
            .clone();
        let mut cards: Vec<Task> = self
            .tasks(Some(task.list_id))?
            .into_iter()
            .filter(|t| {
                t.column == target.id && t.uid != uid && t.parent.is_none() == task.parent.is_none()
            })
            .collect();
        cards.sort_by_key(|t| t.order);
        let at = match before {
            Some(b) => cards
                .iter()
                .position(|t| t.uid == b)
                .ok_or_else(|| Error::invalid(format!("{b} is not in column {column}")))?,
            None => cards.len(),
        };
        let prev = at
            .checked_sub(1)
            .and_then(|i| cards.get(i))
            .map(|t| t.order);
        let next = cards.get(at).map(|t| t.order);
        let order = match (prev, next) {
            (None, None) => ORDER_STEP,
            (Some(p), None) => p + ORDER_STEP,
            (None, Some(n)) => n - ORDER_STEP,
            (Some(p), Some(n)) if n - p > 1 => p + (n - p) / 2,
            // No room between the two: renumber the column (each a queued change).
            (Some(_), Some(_)) => {
                for (i, c) in cards.iter().enumerate() {
                    let want = (i64::try_from(i).unwrap_or(0) + i64::from(i >= at)) * ORDER_STEP;
                    if c.order != want {
                        self.task_change(
                            &c.uid,
                            &TodoChange {
                                order: Some(want),
                                ..TodoChange::default()
                            },
                            Actor::User,
                            "task.moved",
                            format!("Re-ordered “{}”", c.title),
                            serde_json::json!({ "renumbered": true }),
                        )?;
                    }
                }
                i64::try_from(at).unwrap_or(0) * ORDER_STEP
            }
        };
        let status = (target.status != task.status).then(|| target.status.clone());
        self.task_change(
            uid,
            &TodoChange {
                column: Some(target.id.clone()),
                order: Some(order),
                status,
                ..TodoChange::default()
            },
            Actor::User,
            "task.moved",
            format!("Moved “{}” to {}", task.title, target.name),
            serde_json::json!({ "column": target.id, "from": task.column }),
        )
    }

    /// Marks a task done (or open again). A repeating task done moves on to its next due date.
    pub fn task_done(&self, uid: &str, done: bool) -> Result<Task> {
        self.task_done_by(uid, done, Actor::User)
    }

    pub(crate) fn task_done_by(&self, uid: &str, done: bool, actor: Actor) -> Result<Task> {
        let task = self.task(uid)?;
        let columns = self.list_columns(task.list_id)?;
        let want = if done { "completed" } else { "needs-action" };
        let column = columns
            .iter()
            .find(|c| c.status == want)
            .map(|c| c.id.clone());
        let next_due = if done && task.recurring {
            self.next_due(&task)?
        } else {
            None
        };
        let change = match &next_due {
            Some(due) => TodoChange {
                due: Some(Some(due.clone())),
                ..TodoChange::default()
            },
            None => TodoChange {
                status: Some(want.into()),
                column,
                ..TodoChange::default()
            },
        };
        let summary = match (&next_due, done) {
            (Some(due), _) => format!("Done “{}” (next: {due})", task.title),
            (None, true) => format!("Completed “{}”", task.title),
            (None, false) => format!("Reopened “{}”", task.title),
        };
        self.task_change(
            uid,
            &change,
            actor,
            if done {
                "task.completed"
            } else {
                "task.reopened"
            },
            summary,
            serde_json::json!({ "previous_due": task.due, "next_due": next_due }),
        )?;
        self.task(uid)
    }

    /// The next due date of a repeating task after its current one.
    fn next_due(&self, task: &Task) -> Result<Option<String>> {
        let Some(due) = &task.due else {
            return Ok(None);
        };
        let (_, _, _, object) = self.calendar_object(&task.uid)?;
        Ok(orbit_cal::next_due(&object, &task.uid, due))
    }

    /// Deletes a task (its sub-tasks stay, without a parent).
    pub fn task_delete(&self, uid: &str) -> Result<()> {
        self.task(uid)?;
        self.calendar_delete_by(uid, None, orbit_cal::Scope::All, Actor::User)
    }

    /// A change to one task's VTODO: stored at once, queued for the server, logged.
    fn task_change(
        &self,
        uid: &str,
        change: &TodoChange,
        actor: Actor,
        action: &'static str,
        summary: String,
        details: serde_json::Value,
    ) -> Result<()> {
        let (_, _, _, object) = self.calendar_object(uid)?;
        let text = orbit_cal::update_todo(&object, uid, change, self.clock.now())
            .map_err(|e| Error::invalid(e.message))?;
        let mut details = details;
        if let Some(map) = details.as_object_mut() {
            map.insert("uid".into(), serde_json::Value::String(uid.into()));
        }
        self.calendar_replace_as(uid, &text, actor, action, summary, details)
    }

    /// Statistics over the last eight periods.
    pub fn task_stats(&self, period: &str) -> Result<TaskStats> {
        let tz = crate::assistant::user_zone();
        let now = self.clock.now();
        let today = now.with_timezone(&tz).date_naive();
        let start_of = |d: NaiveDate| -> NaiveDate {
            match period {
                "week" => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
                "month" => d.with_day(1).unwrap_or(d),
                _ => d,
            }
        };
        if !matches!(period, "day" | "week" | "month") {
            return Err(Error::invalid("The period is day, week or month"));
        }
        let step = |d: NaiveDate, back: u32| -> NaiveDate {
            match period {
                "week" => d - Duration::weeks(i64::from(back)),
                "month" => d.checked_sub_months(chrono::Months::new(back)).unwrap_or(d),
                _ => d - Duration::days(i64::from(back)),
            }
        };
        let current = start_of(today);
        let starts: Vec<NaiveDate> = (0..8).rev().map(|k| step(current, k)).collect();
        let tasks = self.tasks(None)?;
        let day_of = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&tz).date_naive())
        };
        let bucket = |d: NaiveDate| starts.iter().rposition(|s| *s <= d);
        let mut buckets: Vec<StatBucket> = starts
            .iter()
            .map(|s| StatBucket {
                start: s.to_string(),
                opened: 0,
                done: 0,
            })
            .collect();
        let mut done_recent = 0;
        for t in &tasks {
            if let Some(b) = day_of(&t.created_at).and_then(bucket)
                && let Some(x) = buckets.get_mut(b)
            {
                x.opened += 1;
            }
            if let Some(d) = t.completed_at.as_deref().and_then(day_of) {
                if let Some(x) = bucket(d).and_then(|b| buckets.get_mut(b)) {
                    x.done += 1;
                }
                if (today - d).num_days() < 28 {
                    done_recent += 1;
                }
            }
        }
        let open: Vec<&Task> = tasks.iter().filter(|t| is_open(&t.status)).collect();
        Ok(TaskStats {
            period: period.into(),
            done_this_period: buckets.last().map_or(0, |b| b.done),
            buckets,
            open: open.len(),
            overdue: open
                .iter()
                .filter(|t| {
                    t.due
                        .as_deref()
                        .and_then(|d| due_instant(d, tz))
                        .is_some_and(|d| d < now)
                })
                .count(),
            throughput_per_week: f64::from(u32::try_from(done_recent).unwrap_or(u32::MAX)) / 4.0,
        })
    }
}

/// The links of a task that comes from a message: the mail, and who wrote it (by address).
pub(crate) fn mail_links(message_id: i64, subject: &str, from: &str) -> Vec<(String, String)> {
    vec![
        (format!("mail:{message_id}"), subject.to_owned()),
        (
            format!("person:{}", crate::assistant::bare_address(from)),
            sender_name(from),
        ),
    ]
}

fn sender_name(from: &str) -> String {
    from.split('<')
        .next()
        .map(|n| n.trim().trim_matches('"').to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| from.trim_matches(['<', '>']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_found_and_quotes_and_signatures_are_not() {
        let text = "Hi Sam,\n\nThanks for the update. Could you send me the Q4 figures by Friday? The rest looks fine.\n\n> Please ignore this quoted line.\n--\nMaya\nPlease consider the environment.";
        let found = extract_requests(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "Send me the Q4 figures by Friday");
        assert!(extract_requests("Lunch was great, see you soon.").is_empty());
    }

    #[test]
    fn the_score_says_why() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .to_utc();
        let todo = TodoView {
            uid: "t".into(),
            title: "x".into(),
            notes: String::new(),
            status: "needs-action".into(),
            priority: 1,
            due: Some("2026-11-25".into()),
            start: None,
            estimate_minutes: None,
            tags: vec![],
            parent: None,
            percent: 0,
            completed_at: None,
            created_at: Some("2026-11-01T10:00:00Z".into()),
            column: None,
            order: None,
            links: vec![],
            recurring: false,
        };
        let (score, why) = score(&todo, now, chrono_tz::UTC, Some("Maya"), 0);
        assert_eq!(
            why,
            [
                "Overdue by 1 day",
                "High priority",
                "Asked by Maya",
                "Open for 25 days"
            ]
        );
        assert_eq!(score, 45 + 25 + 10 + 3);
        let done = TodoView {
            status: "completed".into(),
            ..todo
        };
        assert_eq!(score_of(&done, now), 0);
    }

    fn score_of(t: &TodoView, now: DateTime<Utc>) -> u8 {
        score(t, now, chrono_tz::UTC, None, 0).0
    }
}

/// One block of a day plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanBlock {
    /// The task.
    pub uid: String,
    /// Its title.
    pub title: String,
    /// RFC 3339 UTC.
    pub start: String,
    /// RFC 3339 UTC.
    pub end: String,
}

/// A proposed day: blocks in free time, highest score first, and what did not fit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayPlan {
    /// The day (`YYYY-MM-DD`).
    pub day: String,
    /// Time blocks.
    pub blocks: Vec<PlanBlock>,
    /// Open tasks that did not fit.
    pub left_out: Vec<String>,
}

/// Minutes a task without an estimate is planned for.
const DEFAULT_BLOCK_MINUTES: i64 = 30;

impl Orbit {
    /// Proposes a time-blocked day: open tasks by score, each in the first free time (working
    /// hours, after now on today) that fits its estimate. Nothing is written.
    pub fn task_plan_day(&self, day: NaiveDate) -> Result<DayPlan> {
        let tz = crate::assistant::user_zone();
        let now = self.clock.now();
        let hours = (
            chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default(),
        );
        let mut free = self.calendar_free_time(
            day,
            day + Duration::days(1),
            hours,
            true,
            Duration::minutes(15),
            tz,
        )?;
        // Not in the past.
        for slot in &mut free {
            slot.0 = slot.0.max(now);
        }
        free.retain(|(a, b)| b > a);
        let mut open: Vec<Task> = self
            .tasks(None)?
            .into_iter()
            .filter(|t| is_open(&t.status))
            .collect();
        // Leaves first: a parent is done through its sub-tasks.
        let parents: std::collections::HashSet<String> =
            open.iter().filter_map(|t| t.parent.clone()).collect();
        open.retain(|t| !parents.contains(&t.uid));
        open.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.order.cmp(&b.order)));
        let mut blocks = Vec::new();
        let mut left_out = Vec::new();
        for t in open {
            let need = Duration::minutes(
                t.estimate_minutes
                    .unwrap_or(DEFAULT_BLOCK_MINUTES)
                    .clamp(5, 8 * 60),
            );
            match free.iter_mut().find(|(a, b)| *b - *a >= need) {
                Some(slot) => {
                    let start = slot.0;
                    slot.0 = start + need;
                    blocks.push(PlanBlock {
                        uid: t.uid.clone(),
                        title: t.title.clone(),
                        start: start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        end: (start + need).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    });
                }
                None => left_out.push(t.title.clone()),
            }
        }
        blocks.sort_by(|a, b| a.start.cmp(&b.start));
        Ok(DayPlan {
            day: day.to_string(),
            blocks,
            left_out,
        })
    }

    /// Puts a plan in a calendar: one event per block (titled after its task, linked by its
    /// UID in the description). Front doors call this after the user confirmed the plan.
    pub fn task_plan_apply(&self, calendar_id: i64, blocks: &[PlanBlock]) -> Result<usize> {
        let tz = crate::assistant::user_zone();
        for b in blocks {
            self.calendar_create(
                calendar_id,
                &crate::calendar::EventDraft {
                    summary: format!("Focus: {}", b.title),
                    location: String::new(),
                    start: b.start.clone(),
                    end: b.end.clone(),
                    all_day: false,
                    read_by: String::new(),
                },
                tz,
            )?;
        }
        Ok(blocks.len())
    }
}
