//! Calendar commands: thin wrappers over the core's calendar, plus the native confirmations
//! the webview can ask for but never answer (changing an event others are invited to, and
//! whether its organiser sends them the change; sending an answer to an invitation's
//! organiser).

use orbit_core::calendar::{
    CalendarImport, CalendarSyncReport, CalendarView, EventDraft, InvitationOutcome,
    InvitationView, OccurrenceView, Scope, Told,
};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::{
    DialogExt, MessageDialogButtons, MessageDialogKind, MessageDialogResult,
};

use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, blocking};

fn zone(tz: &str) -> IpcResult<chrono_tz::Tz> {
    tz.parse()
        .map_err(|_| orbit_core::Error::invalid(format!("{tz:?} is not a time zone")).into())
}

fn instant(text: &str) -> IpcResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|_| orbit_core::Error::invalid(format!("{text:?} is not an RFC 3339 time")).into())
}

fn scope(text: &str) -> IpcResult<Scope> {
    text.parse()
        .map_err(|e: orbit_cal::CalError| orbit_core::Error::invalid(e.message).into())
}

/// Asks the user in a native dialog; true for the first button.
async fn ask(app: &AppHandle, title: &str, text: String, yes: &str, no: &str) -> bool {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .message(text)
        .title(title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(yes.into(), no.into()))
        .show(move |answer| {
            let _ = tx.send(answer);
        });
    rx.await.unwrap_or(false)
}

/// Asks the user in a native dialog with three buttons; which one they pressed (0, 1 or 2;
/// closing the dialog counts as the third).
async fn ask3(app: &AppHandle, title: &str, text: String, labels: [&str; 3]) -> usize {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let [yes, no, cancel] = labels.map(str::to_owned);
    let (first, second) = (yes.clone(), no.clone());
    app.dialog()
        .message(text)
        .title(title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::YesNoCancelCustom(yes, no, cancel))
        .show_with_result(move |answer| {
            let pressed = match answer {
                MessageDialogResult::Yes => 0,
                MessageDialogResult::No => 1,
                MessageDialogResult::Custom(label) if label == first => 0,
                MessageDialogResult::Custom(label) if label == second => 1,
                _ => 2,
            };
            let _ = tx.send(pressed);
        });
    rx.await.unwrap_or(2)
}

fn cancelled() -> IpcError {
    IpcError {
        code: "cancelled".into(),
        message: "Nothing was changed".into(),
    }
}

/// When the event has other people invited, the user confirms the change natively; when they
/// organise it, the dialog also offers to send the people the change (`what` the button's
/// verb, `change` what they would be sent). Returns whether to send it.
async fn confirm_if_invited(
    app: &AppHandle,
    state: &State<'_, AppState>,
    uid: &str,
    what: &str,
    change: &str,
) -> IpcResult<bool> {
    let core = state.core()?;
    let id = uid.to_owned();
    let invited = blocking(move || core.calendar_invited(&id)).await?;
    if invited.people.is_empty() {
        return Ok(false);
    }
    let people = invited.people.join(", ");
    if invited.organiser && invited.can_send {
        let text = format!(
            "You organise this event. Also invited: {people}.\n\nOrbit can send them the {change} by mail."
        );
        let send = format!("{what} and send");
        let only = format!("{what} only");
        return match ask3(
            app,
            &format!("Orbit: {what}?"),
            text,
            [&send, &only, "Cancel"],
        )
        .await
        {
            0 => Ok(true),
            1 => Ok(false),
            _ => Err(cancelled()),
        };
    }
    let text = if invited.organiser {
        format!(
            "Other people are invited to this event: {people}.\n\nYour account has no outgoing mail server, so Orbit changes only your calendar; it does not write to them."
        )
    } else {
        format!(
            "Other people are invited to this event: {people}.\n\nYou do not organise it, so Orbit changes only your calendar; it does not write to them."
        )
    };
    if ask(app, &format!("Orbit: {what}?"), text, what, "Cancel").await {
        Ok(false)
    } else {
        Err(cancelled())
    }
}

/// The calendars.
#[tauri::command]
pub async fn calendar_list(state: State<'_, AppState>) -> IpcResult<Vec<CalendarView>> {
    let core = state.core()?;
    blocking(move || core.calendar_list()).await
}

/// Occurrences overlapping `[from, to)`.
#[tauri::command]
pub async fn calendar_events(
    state: State<'_, AppState>,
    from: String,
    to: String,
    tz: String,
) -> IpcResult<Vec<OccurrenceView>> {
    let core = state.core()?;
    let (from, to, tz) = (instant(&from)?, instant(&to)?, zone(&tz)?);
    blocking(move || core.calendar_events(from, to, tz)).await
}

/// A sentence read into an event (nothing saved): by the assistant's model when one is
/// configured, else offline.
#[tauri::command]
pub async fn calendar_preview(
    state: State<'_, AppState>,
    text: String,
    tz: String,
) -> IpcResult<EventDraft> {
    let core = state.core()?;
    let tz = zone(&tz)?;
    Ok(core.calendar_read(&text, tz).await?)
}

/// Saves an event; returns its UID.
#[tauri::command]
pub async fn calendar_create(
    state: State<'_, AppState>,
    calendar_id: i64,
    draft: EventDraft,
    tz: String,
) -> IpcResult<String> {
    let core = state.core()?;
    let tz = zone(&tz)?;
    let added: CalendarImport =
        blocking(move || core.calendar_create(calendar_id, &draft, tz)).await?;
    Ok(added.uid)
}

/// Moves an event, an occurrence, or it and the following ones.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn calendar_move(
    app: AppHandle,
    state: State<'_, AppState>,
    uid: String,
    recurrence_id: Option<String>,
    scope: String,
    start: String,
    end: String,
    tz: String,
) -> IpcResult<Told> {
    let (scope, tz) = (self::scope(&scope)?, zone(&tz)?);
    let tell = confirm_if_invited(&app, &state, &uid, "Move", "update").await?;
    let core = state.core()?;
    blocking(move || {
        core.calendar_move(
            &uid,
            recurrence_id.as_deref(),
            scope,
            &start,
            &end,
            tz,
            tell,
        )
    })
    .await
}

/// Deletes an event, an occurrence, or it and the following ones.
#[tauri::command]
pub async fn calendar_delete(
    app: AppHandle,
    state: State<'_, AppState>,
    uid: String,
    recurrence_id: Option<String>,
    scope: String,
) -> IpcResult<Told> {
    let scope = self::scope(&scope)?;
    let tell = confirm_if_invited(&app, &state, &uid, "Delete", "cancellation").await?;
    let core = state.core()?;
    blocking(move || core.calendar_delete(&uid, recurrence_id.as_deref(), scope, tell)).await
}

/// Syncs the calendars of every account with a CalDAV server.
#[tauri::command]
pub async fn calendar_sync(state: State<'_, AppState>) -> IpcResult<Vec<CalendarSyncReport>> {
    let core = state.core()?;
    let accounts = {
        let core = core.clone();
        blocking(move || core.account_list()).await?
    };
    let mut reports = Vec::new();
    for a in accounts.into_iter().filter(|a| a.caldav_url.is_some()) {
        reports.push(core.calendar_sync(a.id).await?);
    }
    Ok(reports)
}

/// The invitation in a message, if any.
#[tauri::command]
pub async fn mail_invitation(
    state: State<'_, AppState>,
    message_id: i64,
) -> IpcResult<Option<InvitationView>> {
    let core = state.core()?;
    blocking(move || core.mail_invitation(message_id)).await
}

/// Answers an invitation: the calendar at once; the reply to the organiser only after the user
/// says yes in a native dialog.
#[tauri::command]
pub async fn invitation_respond(
    app: AppHandle,
    state: State<'_, AppState>,
    message_id: i64,
    response: String,
    calendar_id: Option<i64>,
) -> IpcResult<InvitationOutcome> {
    let answer: orbit_cal::Answer = response
        .parse()
        .map_err(|e: orbit_cal::CalError| IpcError::from(orbit_core::Error::invalid(e.message)))?;
    let core = state.core()?;
    let invitation = {
        let core = core.clone();
        blocking(move || core.mail_invitation(message_id)).await?
    }
    .ok_or_else(|| {
        IpcError::from(orbit_core::Error::invalid(
            "This message holds no invitation",
        ))
    })?;
    let who = if invitation.organizer_name.is_empty() {
        invitation.organizer.clone()
    } else {
        format!("{} <{}>", invitation.organizer_name, invitation.organizer)
    };
    let reply = ask(
        &app,
        "Orbit: send your answer?",
        format!(
            "Tell {who} that you {} “{}”?\n\nYour calendar is updated either way.",
            match answer {
                orbit_cal::Answer::Accepted => "accept",
                orbit_cal::Answer::Tentative => "might attend",
                orbit_cal::Answer::Declined => "decline",
            },
            invitation.summary
        ),
        "Send answer",
        "Don't send",
    )
    .await;
    blocking(move || core.invitation_respond(message_id, answer, calendar_id, reply)).await
}

/// Applies a cancellation or an attendee's reply to the calendar.
#[tauri::command]
pub async fn invitation_apply(state: State<'_, AppState>, message_id: i64) -> IpcResult<()> {
    let core = state.core()?;
    blocking(move || core.invitation_apply(message_id)).await
}
