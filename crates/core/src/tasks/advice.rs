//! The assistant's suggested priorities: the model looks at the open tasks with their scores
//! (and why), the user's priorities and the day's calendar load, and says which priority it
//! would give some of them and why. The advice is shown beside the score; it changes nothing
//! until the user applies it (which sets the priority like any edit).

use serde::Serialize;
use serde_json::{Value, json};

use super::Task;
use crate::activity::{Actor, Record};
use crate::error::ErrorCode;
use crate::{Error, Event, Orbit, Result};

/// The assistant's priority for a task, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskAdvice {
    /// iCalendar priority: 1 high, 5 medium, 9 low, 0 none.
    pub priority: u8,
    /// Why, in one sentence.
    pub reason: String,
}

/// How many open tasks (highest score first) the model looks at.
const LOOK_AT: usize = 40;

fn level(p: u8) -> &'static str {
    match p {
        1..=4 => "high",
        5 => "medium",
        6..=9 => "low",
        _ => "none",
    }
}

impl Orbit {
    /// Asks the model to suggest priorities for the open tasks; returns the tasks it advised on
    /// (with their advice). Nothing changes until the user applies a suggestion.
    pub async fn task_prioritise(&self) -> Result<Vec<Task>> {
        let mut open: Vec<Task> = self
            .tasks(None)?
            .into_iter()
            .filter(|t| t.completed_at.is_none() && t.status != "cancelled")
            .collect();
        open.sort_by_key(|t| std::cmp::Reverse(t.score));
        open.truncate(LOOK_AT);
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let tz = crate::assistant::user_zone();
        let now = self.clock.now().with_timezone(&tz);
        let listed: Vec<Value> = open
            .iter()
            .enumerate()
            .map(|(i, t)| {
                json!({
                    "id": i + 1,
                    "title": t.title,
                    "priority": level(t.priority),
                    "due": t.due,
                    "score": t.score,
                    "score_reasons": t.score_reasons,
                    "asked_by": t.links.iter().find(|l| l.kind == "person").map(|l| l.label.clone()),
                    "created": t.created_at,
                    "estimate_minutes": t.estimate_minutes,
                })
            })
            .collect();
        let system = format!(
            "You help a person decide what matters among their tasks. Now is {} ({}). Each task has Orbit's score (0–100) and its reasons: due date, age, who asked, the person's own priority, today's calendar load. \
Suggest a priority for the tasks whose priority you would change, at most 10, each with one short sentence saying why. \
Answer with only a JSON object: {{\"advice\": [{{\"id\": task id, \"priority\": \"high\" | \"medium\" | \"low\", \"reason\": \"…\"}}]}}.",
            now.format("%Y-%m-%d %H:%M"),
            now.format("%A"),
        );
        let user = serde_json::to_string_pretty(&json!({ "tasks": listed }))
            .map_err(|e| Error::new(ErrorCode::Internal, format!("Cannot list the tasks: {e}")))?;
        let Some(value) = self.model_json(&system, "tasks", &user, 1_200).await? else {
            return Err(Error::new(
                ErrorCode::NoApiKey,
                "The assistant is not set up: add an API key or a local model in Settings",
            ));
        };
        let advice: Vec<(String, u8, String)> = value
            .get("advice")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| {
                let i = usize::try_from(a.get("id")?.as_u64()?)
                    .ok()?
                    .checked_sub(1)?;
                let task = open.get(i)?;
                let priority = match a.get("priority")?.as_str()? {
                    "high" => 1,
                    "medium" => 5,
                    "low" => 9,
                    _ => return None,
                };
                if level(priority) == level(task.priority) {
                    return None; // the same level in other words: nothing to change
                }
                let reason: String = a
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .chars()
                    .take(200)
                    .collect();
                (!reason.is_empty()).then(|| (task.uid.clone(), priority, reason))
            })
            .take(10)
            .collect();
        let stamp = self.now_stamp();
        self.store.write(|tx| -> Result<()> {
            orbit_store::tasks::set_advice(tx, &advice, &stamp)?;
            self.record(
                tx,
                &Record {
                    actor: Actor::Agent,
                    action: "task.prioritised",
                    target: "tasks".into(),
                    summary: format!(
                        "Suggested priorities for {} {}",
                        advice.len(),
                        if advice.len() == 1 { "task" } else { "tasks" }
                    ),
                    details: json!({ "advice": advice.iter().map(|(uid, p, r)| json!({"uid": uid, "priority": p, "reason": r})).collect::<Vec<_>>() }),
                },
            )?;
            Ok(())
        })?;
        self.emit(Event::CalendarChanged);
        let advised: std::collections::HashSet<&str> =
            advice.iter().map(|(uid, _, _)| uid.as_str()).collect();
        Ok(self
            .tasks(None)?
            .into_iter()
            .filter(|t| advised.contains(t.uid.as_str()))
            .collect())
    }
}
