//! The activity log as the front doors see it: who did what to what, when.

use serde::{Deserialize, Serialize};

use crate::{Error, Orbit, Result};
use orbit_store::{ActivityFilter as StoreFilter, activities};

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The person, through the UI or the CLI.
    User,
    /// The AI agent (after the user's confirmation where that is required).
    Agent,
    /// Background synchronisation.
    Sync,
    /// Orbit itself (profile creation, migrations).
    System,
}

impl Actor {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::User => "user",
            Actor::Agent => "agent",
            Actor::Sync => "sync",
            Actor::System => "system",
        }
    }
}

impl std::str::FromStr for Actor {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "user" => Ok(Actor::User),
            "agent" => Ok(Actor::Agent),
            "sync" => Ok(Actor::Sync),
            "system" => Ok(Actor::System),
            other => Err(Error::invalid(format!(
                "Unknown actor {other:?}: use user, agent, sync or system"
            ))),
        }
    }
}

/// One entry of the activity log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// Increasing id.
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    /// Who.
    pub actor: String,
    /// Dotted verb, e.g. `account.added`.
    pub action: String,
    /// What, e.g. `account:3`.
    pub target: String,
    /// One sentence.
    pub summary: String,
    /// The specifics (never a secret).
    pub details: serde_json::Value,
    /// It can be undone from the log (a move, archive, delete to the trash, flag change or a
    /// draft the assistant wrote) and has not been yet.
    pub undoable: bool,
    /// It was undone.
    pub undone: bool,
}

/// Actions the log can take back.
const UNDOABLE: &[&str] = &[
    "mail.archived",
    "mail.moved",
    "mail.deleted",
    "mail.flagged",
    "mail.unflagged",
    "mail.read",
    "mail.unread",
    "mail.draft_created",
    "task.created",
    "task.completed",
];

/// Which activities to list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivityQuery {
    /// Only this actor.
    #[serde(default)]
    pub actor: Option<String>,
    /// Only this action, or actions under this dotted prefix.
    #[serde(default)]
    pub action: Option<String>,
    /// Only this target.
    #[serde(default)]
    pub target: Option<String>,
    /// At most this many; 100 when unset, 1000 at most.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A change to record, built by the code that makes the change.
#[derive(Debug, Clone)]
pub(crate) struct Record<'a> {
    pub actor: Actor,
    pub action: &'a str,
    pub target: String,
    pub summary: String,
    pub details: serde_json::Value,
}

impl Orbit {
    /// Appends `record` inside the caller's transaction and returns the new activity's id.
    pub(crate) fn record(&self, tx: &rusqlite::Connection, record: &Record<'_>) -> Result<i64> {
        let at = self.now_stamp();
        let details = serde_json::to_string(&record.details)
            .map_err(|e| Error::internal(format!("Cannot encode activity details: {e}")))?;
        let id = activities::append(
            tx,
            &orbit_store::NewActivity {
                at: &at,
                actor: record.actor.as_str(),
                action: record.action,
                target: &record.target,
                summary: &record.summary,
                details: &details,
            },
        )?;
        Ok(id)
    }

    /// The activity log, newest first.
    pub fn activity_list(&self, query: &ActivityQuery) -> Result<Vec<Activity>> {
        if let Some(actor) = &query.actor {
            actor.parse::<Actor>()?;
        }
        let filter = StoreFilter {
            actor: query.actor.clone(),
            action: query.action.clone().filter(|a| !a.trim().is_empty()),
            target: query.target.clone(),
            before_id: None,
            limit: query.limit.unwrap_or(100).clamp(1, 1000),
        };
        let (rows, undone) = self.store.read(|conn| -> Result<_> {
            Ok((
                activities::list(conn, &filter)?,
                activities::undone_ids(conn)?,
            ))
        })?;
        let undone: std::collections::HashSet<i64> = undone.into_iter().collect();
        Ok(rows.into_iter().map(|row| activity(row, &undone)).collect())
    }

    /// Takes back what activity `id` did: messages go back to the folders they were moved
    /// from, a flag change is reversed, a draft the assistant wrote is deleted. The undo is
    /// logged (`activity.undone`, by the user) and an activity is undone at most once.
    pub fn activity_undo(&self, id: i64) -> Result<Activity> {
        let (row, undone) = self.store.read(|conn| -> Result<_> {
            Ok((activities::get(conn, id)?, activities::undone_ids(conn)?))
        })?;
        let row = row.ok_or_else(|| Error::not_found(format!("There is no activity {id}")))?;
        if undone.contains(&id) {
            return Err(Error::invalid("This was undone already"));
        }
        if !UNDOABLE.contains(&row.action.as_str()) {
            return Err(Error::invalid(format!(
                "“{}” cannot be undone from the log",
                row.summary
            )));
        }
        let details: serde_json::Value = serde_json::from_str(&row.details).unwrap_or_default();
        let ids: Vec<i64> = details
            .get("messages")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_i64)
            .collect();
        match row.action.as_str() {
            "mail.archived" | "mail.moved" | "mail.deleted" => {
                let from: Vec<(i64, i64)> = details
                    .get("from")
                    .and_then(|f| f.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|pair| Some((pair.get(0)?.as_i64()?, pair.get(1)?.as_i64()?)))
                    .collect();
                if from.is_empty() {
                    return Err(Error::invalid(
                        "This was recorded before Orbit kept where messages came from; move them back by hand",
                    ));
                }
                let mut folders: Vec<i64> = from.iter().map(|(_, f)| *f).collect();
                folders.sort_unstable();
                folders.dedup();
                for folder in folders {
                    let back: Vec<i64> = from
                        .iter()
                        .filter(|(_, f)| *f == folder)
                        .map(|(m, _)| *m)
                        .collect();
                    self.mail_move(&back, folder, Actor::User)?;
                }
            }
            "task.created" => {
                let uid = details
                    .get("uid")
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| Error::invalid("The log does not say which task"))?;
                self.task_delete(uid)?;
            }
            "task.completed" => {
                let uid = details
                    .get("uid")
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| Error::invalid("The log does not say which task"))?;
                match details.get("next_due").and_then(serde_json::Value::as_str) {
                    // A repeating task moved on: it goes back to its previous due date.
                    Some(_) => {
                        let previous = details
                            .get("previous_due")
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_owned);
                        self.task_update(
                            uid,
                            &crate::tasks::TaskPatch {
                                due: Some(previous),
                                ..crate::tasks::TaskPatch::default()
                            },
                        )?;
                    }
                    None => {
                        self.task_done(uid, false)?;
                    }
                }
            }
            "mail.draft_created" => {
                let draft = row
                    .target
                    .strip_prefix("draft:")
                    .and_then(|d| d.parse::<i64>().ok())
                    .ok_or_else(|| Error::invalid("The log does not say which draft"))?;
                self.draft_delete(draft)?;
            }
            _ => {
                let flag: crate::mail::MailFlag =
                    serde_json::from_value(details.get("flag").cloned().unwrap_or_default())
                        .map_err(|_| Error::invalid("The log does not say which flag changed"))?;
                let on = details.get("on").and_then(serde_json::Value::as_bool) == Some(true);
                self.mail_set_flags(&ids, flag, !on, Actor::User)?;
            }
        }
        let entry = self.store.write(|tx| {
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "activity.undone",
                    target: format!("activity:{id}"),
                    summary: format!("Undid: {}", row.summary),
                    details: serde_json::json!({ "action": row.action, "by": row.actor }),
                },
            )
        })?;
        self.emit(crate::Event::ActivityAdded { id: entry });
        let undone: std::collections::HashSet<i64> = [id].into();
        let new = self
            .store
            .read(|conn| activities::get(conn, entry))?
            .ok_or_else(|| Error::internal("the undo entry vanished"))?;
        Ok(activity(new, &undone))
    }
}

fn activity(row: orbit_store::ActivityRow, undone: &std::collections::HashSet<i64>) -> Activity {
    let is_undone = undone.contains(&row.id);
    Activity {
        undoable: !is_undone && UNDOABLE.contains(&row.action.as_str()),
        undone: is_undone,
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        summary: row.summary,
        details: serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null),
    }
}
