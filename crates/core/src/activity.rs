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
}

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
        let rows = self.store.read(|conn| activities::list(conn, &filter))?;
        Ok(rows
            .into_iter()
            .map(|row| Activity {
                id: row.id,
                at: row.at,
                actor: row.actor,
                action: row.action,
                target: row.target,
                summary: row.summary,
                details: serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }
}
