//! Calendar sync end to end: the real `orbit` binary against Radicale, with another client
//! (the CalDAV adapter, as a phone would) changing the calendar on the server.

#![allow(clippy::indexing_slicing)]

use orbit_dav::Written;
use orbit_tests::{Profile, TestResult};
use serde_json::Value;

const WEEKLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Phone//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:weekly@phone\r\nDTSTAMP:20261001T000000Z\r\nSUMMARY:Team sync\r\nDTSTART;TZID=Europe/Berlin:20261005T100000\r\nDTEND;TZID=Europe/Berlin:20261005T103000\r\nRRULE:FREQ=WEEKLY;UNTIL=20261130T090000Z\r\nEXDATE;TZID=Europe/Berlin:20261109T100000\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly@phone\r\nDTSTAMP:20261001T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261116T100000\r\nSUMMARY:Team sync (moved)\r\nDTSTART;TZID=Europe/Berlin:20261117T150000\r\nDTEND;TZID=Europe/Berlin:20261117T153000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn single(uid: &str, summary: &str, day: &str, next: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Phone//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261001T000000Z\r\nSUMMARY:{summary}\r\nDTSTART;VALUE=DATE:{day}\r\nDTEND;VALUE=DATE:{next}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn sync(p: &Profile) -> Result<Value, Box<dyn std::error::Error>> {
    let run = p.run(&["--json", "calendar", "sync"], None)?;
    assert!(run.ok, "{}", run.stderr);
    Ok(serde_json::from_str(
        run.stdout.lines().next().unwrap_or(""),
    )?)
}

/// An occurrence as the test compares it: start, summary, changed on its own.
type Seen = (String, String, bool);

fn events(p: &Profile) -> Result<Vec<Seen>, Box<dyn std::error::Error>> {
    let run = p.run(
        &[
            "--json",
            "calendar",
            "events",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
            "--tz",
            "Europe/Berlin",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    Ok(run
        .json()?
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                o["start"].as_str().unwrap_or("").to_owned(),
                o["summary"].as_str().unwrap_or("").to_owned(),
                o["is_override"].as_bool().unwrap_or(false),
            )
        })
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendars_sync_from_caldav_and_follow_changes_made_elsewhere() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    // Another client puts a calendar and its events on the server.
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, &s.user, &s.password)?;
    let calendar = phone
        .create_calendar(&format!("work-{}", std::process::id()), "Work")
        .await?;
    let weekly = format!("{calendar}weekly.ics");
    let Written::Done(Some(weekly_etag)) = phone.create(&weekly, WEEKLY).await? else {
        return Err("create".into());
    };
    let offsite = format!("{calendar}offsite.ics");
    let Written::Done(Some(offsite_etag)) = phone
        .create(
            &offsite,
            &single("offsite@phone", "Offsite", "20261120", "20261121"),
        )
        .await?
    else {
        return Err("create".into());
    };

    let p = orbit_tests::caldav_profile(&s, "Work", &s.user, &s.password)?;

    let first = sync(&p)?;
    assert!(first["changed"].as_u64().unwrap_or(0) >= 2, "{first}");
    let list = p.run(&["--json", "calendar", "list"], None)?.json()?;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Work" && c["items"] == 2),
        "{list}"
    );
    let expected = vec![
        (
            "2026-11-02T09:00:00Z".to_owned(),
            "Team sync".to_owned(),
            false,
        ),
        // 9 November is an EXDATE; 16 November moved to the 17th, 15:00 Berlin.
        (
            "2026-11-17T14:00:00Z".to_owned(),
            "Team sync (moved)".to_owned(),
            true,
        ),
        ("2026-11-20".to_owned(), "Offsite".to_owned(), false),
        (
            "2026-11-23T09:00:00Z".to_owned(),
            "Team sync".to_owned(),
            false,
        ),
        (
            "2026-11-30T09:00:00Z".to_owned(),
            "Team sync".to_owned(),
            false,
        ),
    ];
    assert_eq!(events(&p)?, expected);

    // Nothing changed: nothing is fetched or removed.
    let again = sync(&p)?;
    assert_eq!(
        (again["changed"].as_u64(), again["removed"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );

    // Changed and deleted on the phone: the next sync follows.
    let moved = WEEKLY.replace("SUMMARY:Team sync\r\n", "SUMMARY:Weekly sync\r\n");
    assert!(matches!(
        phone.update(&weekly, &moved, &weekly_etag).await?,
        Written::Done(_)
    ));
    assert_eq!(
        phone.delete(&offsite, &offsite_etag).await?,
        Written::Done(None)
    );
    let delta = sync(&p)?;
    assert_eq!(
        (delta["changed"].as_u64(), delta["removed"].as_u64()),
        (Some(1), Some(1)),
        "{delta}"
    );
    let now = events(&p)?;
    assert_eq!(now.len(), 4);
    assert_eq!(now[0].1, "Weekly sync");

    // A token the server no longer accepts: a clean full sync, nothing lost or doubled.
    let db = rusqlite::Connection::open(p.database())?;
    db.execute(
        "UPDATE calendars SET sync_token = 'http://radicale.org/ns/sync/bogus'",
        [],
    )?;
    let full = sync(&p)?;
    assert!(full["full_resyncs"].as_u64().unwrap_or(0) >= 1, "{full}");
    assert_eq!(
        full["changed"].as_u64(),
        Some(0),
        "same ETags: nothing fetched again"
    );
    assert_eq!(events(&p)?, now);

    // A server without sync-collection: ETags compared instead, with the same result.
    db.execute(
        "UPDATE calendars SET supports_sync = 0, sync_token = ''",
        [],
    )?;
    phone
        .create(
            &offsite,
            &single("offsite@phone", "Offsite again", "20261121", "20261122"),
        )
        .await?;
    let fallback = sync(&p)?;
    assert_eq!(fallback["changed"].as_u64(), Some(1), "{fallback}");
    assert!(
        events(&p)?
            .iter()
            .any(|(start, summary, _)| start == "2026-11-21" && summary == "Offsite again")
    );
    let log = p
        .run(&["--json", "activity", "--action", "calendar"], None)?
        .json()?;
    assert!(log.as_array().unwrap().iter().all(|a| a["actor"] == "sync"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_here_reach_the_server_and_a_clash_keeps_both_versions() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    // A user of its own: the other tests sync Alice's and Bob's calendars at the same time, and
    // this one counts every change a sync brings.
    let (user, password) = ("mail13", "mail-secret-pw");
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let calendar = phone
        .create_calendar(&format!("home-{}", std::process::id()), "Home")
        .await?;
    let p = orbit_tests::caldav_profile(&s, "Home", user, password)?;
    sync(&p)?;
    let list = p.run(&["--json", "calendar", "list"], None)?.json()?;
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Home")
        .map(|c| c["id"].to_string())
        .ok_or(format!("the Home calendar is listed: {list}"))?;

    // Added here: shown at once, on the server after the sync.
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("dentist.ics");
    std::fs::write(
        &file,
        single("dentist@here", "Dentist", "20261110", "20261111"),
    )?;
    let run = p.run(
        &[
            "--json",
            "calendar",
            "import",
            &file.to_string_lossy(),
            "--calendar",
            &id,
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let href = run.json()?["href"].as_str().unwrap().to_owned();
    assert!(
        events(&p)?.iter().any(|e| e.1 == "Dentist"),
        "shown before any sync"
    );
    let pushed = sync(&p)?;
    assert_eq!(pushed["pushed"].as_u64(), Some(1), "{pushed}");
    let on_server = phone.fetch(&calendar, std::slice::from_ref(&href)).await?;
    let (phone_etag, data) = on_server[0]
        .content
        .clone()
        .map_err(|e| format!("status {e}"))?;
    assert!(data.contains("UID:dentist@here"));
    assert_eq!(
        sync(&p)?["changed"].as_u64(),
        Some(0),
        "our own write does not come back"
    );

    // Edited here and on the phone before the next sync: both versions are kept.
    std::fs::write(
        &file,
        single("dentist@here", "Dentist at 9", "20261110", "20261111"),
    )?;
    assert!(
        p.run(
            &["calendar", "edit", "dentist@here", &file.to_string_lossy()],
            None
        )?
        .ok
    );
    let phone_version = single("dentist@here", "Dentist moved", "20261112", "20261113");
    assert!(matches!(
        phone.update(&href, &phone_version, &phone_etag).await?,
        Written::Done(_)
    ));
    let clash = sync(&p)?;
    assert_eq!(clash["conflicts"].as_u64(), Some(1), "{clash}");
    let now: Vec<String> = events(&p)?.into_iter().map(|e| e.1).collect();
    assert!(now.contains(&"Dentist moved".to_owned()), "{now:?}");
    assert!(
        now.contains(&"Dentist at 9 (edited here)".to_owned()),
        "{now:?}"
    );
    let server_items = phone.list(&calendar).await?;
    assert_eq!(server_items.len(), 2, "the copy reached the server too");

    // Removed here: gone from the server after the sync.
    assert!(p.run(&["calendar", "remove", "dentist@here"], None)?.ok);
    let removed = sync(&p)?;
    assert_eq!(removed["pushed"].as_u64(), Some(1), "{removed}");
    assert_eq!(phone.list(&calendar).await?.len(), 1);
    // From a sentence: shown, not saved without a yes; saved with --yes and sent at the sync.
    let sentence = "lunch with the design team next Tuesday 12:30 at the corner café for an hour";
    let preview = p.run(
        &[
            "calendar",
            "add",
            sentence,
            "--calendar",
            &id,
            "--tz",
            "Europe/Berlin",
        ],
        None,
    )?;
    assert!(preview.ok, "{}", preview.stderr);
    assert!(
        preview.stdout.contains("lunch with the design team")
            && preview.stdout.contains("12:30 – 13:30"),
        "{}",
        preview.stdout
    );
    assert!(
        preview.stdout.contains("at the corner café") && preview.stdout.contains("Not saved"),
        "{}",
        preview.stdout
    );
    assert_eq!(phone.list(&calendar).await?.len(), 1);
    let saved = p.run(
        &[
            "calendar",
            "add",
            sentence,
            "--calendar",
            &id,
            "--tz",
            "Europe/Berlin",
            "--yes",
        ],
        None,
    )?;
    assert!(saved.ok, "{}", saved.stderr);
    assert_eq!(sync(&p)?["pushed"].as_u64(), Some(1));
    let items = phone.list(&calendar).await?;
    assert_eq!(items.len(), 2);
    let hrefs: Vec<String> = items.into_iter().map(|l| l.href).collect();
    let texts: Vec<String> = phone
        .fetch(&calendar, &hrefs)
        .await?
        .into_iter()
        .filter_map(|f| f.content.ok().map(|(_, d)| d))
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("SUMMARY:lunch with the design team")
                && t.contains("LOCATION:the corner café")
                && t.contains("DTSTART;TZID=Europe/Berlin:")),
        "{texts:?}"
    );

    let log = p
        .run(&["--json", "activity", "--action", "calendar"], None)?
        .json()?;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    for action in [
        "calendar.event_added",
        "calendar.event_changed",
        "calendar.conflict",
        "calendar.event_removed",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    Ok(())
}

fn calendar_id(p: &Profile, name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let list = p.run(&["--json", "calendar", "list"], None)?.json()?;
    list.as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name)
        .map(|c| c["id"].to_string())
        .ok_or_else(|| format!("the {name} calendar is listed: {list}").into())
}

/// `(uid, start, recurrence id, override)` of an occurrence.
type Listed4 = (String, String, String, bool);

/// The occurrences of this test's series in December 2026 (Europe/London).
fn december(p: &Profile) -> Result<Vec<Listed4>, Box<dyn std::error::Error>> {
    let run = p.run(
        &[
            "--json",
            "calendar",
            "events",
            "--from",
            "2026-12-01",
            "--to",
            "2027-01-01",
            "--tz",
            "Europe/London",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    Ok(run
        .json()?
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                o["uid"].as_str().unwrap_or("").to_owned(),
                o["start"].as_str().unwrap_or("").to_owned(),
                o["recurrence_id"].as_str().unwrap_or("").to_owned(),
                o["is_override"].as_bool().unwrap_or(false),
            )
        })
        // Only this test's series (the other tests use Bob's calendars too).
        .filter(|o| o.0.starts_with("standup-edits"))
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_occurrence_this_and_following_and_all_reach_another_client() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    let (user, password) = ("bob", "bob-secret-pw");
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let name = format!("Edits {}", std::process::id());
    let calendar = phone
        .create_calendar(&format!("edits-{}", std::process::id()), &name)
        .await?;
    let p = orbit_tests::caldav_profile(&s, "Edits", user, password)?;
    sync(&p)?;
    let id = calendar_id(&p, &name)?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("standup.ics");
    // Weekly on Tuesdays 09:30 London time, six times from 1 December.
    std::fs::write(
        &file,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:standup-edits@test\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Stand-up\r\nDTSTART;TZID=Europe/London:20261201T093000\r\nDTEND;TZID=Europe/London:20261201T094500\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\nX-OTHER-CLIENT:kept\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )?;
    let path = file.to_string_lossy().to_string();
    assert!(
        p.run(&["calendar", "import", &path, "--calendar", &id], None)?
            .ok
    );
    let before = december(&p)?;
    assert_eq!(before.len(), 5, "{before:?}");
    assert_eq!(
        before[1].2, "20261208T093000",
        "occurrences carry their recurrence id"
    );

    // This occurrence: the 8th moves to 14:00 on the 9th.
    let run = p.run(
        &[
            "calendar",
            "move",
            "standup-edits@test",
            "--occurrence",
            "20261208T093000",
            "--start",
            "2026-12-09T14:00:00Z",
            "--end",
            "2026-12-09T14:15:00Z",
            "--tz",
            "Europe/London",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    // This and following: from the 22nd on, an hour later.
    let run = p.run(
        &[
            "calendar",
            "move",
            "standup-edits@test",
            "--occurrence",
            "20261222T093000",
            "--scope",
            "following",
            "--start",
            "2026-12-22T10:30:00Z",
            "--end",
            "2026-12-22T10:45:00Z",
            "--tz",
            "Europe/London",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    // One occurrence deleted: the 15th.
    let run = p.run(
        &[
            "calendar",
            "remove",
            "standup-edits@test",
            "--occurrence",
            "20261215T093000",
            "--scope",
            "one",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let here = december(&p)?;
    let starts: Vec<&str> = here.iter().map(|o| o.1.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2026-12-01T09:30:00Z",
            "2026-12-09T14:00:00Z",
            "2026-12-22T10:30:00Z",
            "2026-12-29T10:30:00Z"
        ],
        "{here:?}"
    );
    assert!(here[1].3, "the moved one is an override");
    assert_ne!(
        here[2].0, "standup-edits@test",
        "the following ones are a new series"
    );

    // The log says what happened.
    let log = p.run(&["--json", "activity"], None)?.json()?;
    let actions: Vec<&str> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"calendar.event_moved") && actions.contains(&"calendar.event_removed")
    );

    // After a sync another client (a fresh profile) sees exactly the same.
    let report = sync(&p)?;
    assert!(report["pushed"].as_u64().unwrap_or(0) >= 2, "{report}");
    let other = orbit_tests::caldav_profile(&s, "Other", user, password)?;
    sync(&other)?;
    assert_eq!(december(&other)?, here);
    let listed = phone.list(&calendar).await?;
    assert_eq!(
        listed.len(),
        2,
        "the series and the split-off one: {listed:?}"
    );
    let fetched = phone
        .fetch(
            &calendar,
            &listed.iter().map(|l| l.href.clone()).collect::<Vec<_>>(),
        )
        .await?;
    let texts: Vec<String> = fetched
        .into_iter()
        .filter_map(|f| f.content.ok().map(|(_, t)| t))
        .collect();
    assert!(
        texts.iter().all(|t| t.contains("X-OTHER-CLIENT:kept")),
        "unknown properties kept"
    );
    assert!(texts.iter().any(|t| t.contains("RECURRENCE-ID")));
    assert!(texts.iter().any(|t| t.contains("EXDATE")));

    // Everything back out as one file.
    let out = dir.path().join("export.ics");
    let out_path = out.to_string_lossy().to_string();
    let run = p.run(
        &[
            "calendar",
            "export",
            "--calendar",
            &id,
            "--output",
            &out_path,
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let exported = std::fs::read_to_string(&out)?;
    assert_eq!(exported.matches("BEGIN:VCALENDAR").count(), 1);
    assert_eq!(
        exported.matches("SUMMARY:Stand-up").count(),
        3,
        "{exported}"
    );
    let all = p.run(&["calendar", "remove", "standup-edits@test"], None)?;
    assert!(all.ok, "{}", all.stderr);
    assert_eq!(december(&p)?.len(), 2, "the split-off series stays");
    Ok(())
}

fn invitation_mail(id: &str, method: &str, sequence: u32) -> String {
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example Corp//EN\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nUID:review-{pid}@example.org\r\nSEQUENCE:{sequence}\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261203T140000Z\r\nDTEND:20261203T150000Z\r\nSUMMARY:Design review\r\nLOCATION:Room 4\r\nORGANIZER;CN=Ana Diaz:mailto:ana@example.org\r\nATTENDEE;CN=Ana Diaz;PARTSTAT=ACCEPTED:mailto:ana@example.org\r\nATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        pid = std::process::id()
    );
    format!(
        "Message-ID: <{id}>\r\nFrom: Ana Diaz <ana@example.org>\r\nTo: Bob <bob@example.com>\r\nSubject: Invitation: Design review\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYou are invited to the design review.\r\n--b1\r\nContent-Type: text/calendar; method={method}; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{ics}--b1--\r\n"
    )
}

fn message_id_of(
    p: &Profile,
    folder: &str,
    subject: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let list = p
        .run(
            &[
                "--json", "mail", "list", "--folder", folder, "--limit", "50",
            ],
            None,
        )?
        .json()?;
    list.as_array()
        .into_iter()
        .flatten()
        .find(|m| m["subject"] == subject)
        .map(|m| m["id"].to_string())
        .ok_or_else(|| format!("{subject} in {folder}: {list}").into())
}

#[test]
fn an_invitation_by_mail_is_answered_into_the_calendar_and_the_reply_goes_only_when_asked()
-> TestResult {
    // The IMAP helper runs its own runtime: this test drives the CalDAV client with another.
    let rt = tokio::runtime::Runtime::new()?;
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    let (user, password) = ("bob", "bob-secret-pw");
    let pid = std::process::id();
    // Bob's mail (a folder of this test's own) and his calendar.
    let folder = format!("Invites{pid}");
    let mut mailbox = orbit_tests::ServerMailbox::login(&s, user, password)?;
    mailbox.run(&format!("CREATE {folder}"))?;
    mailbox.append(
        &folder,
        &invitation_mail(&format!("inv-{pid}@example.org"), "REQUEST", 1),
        "",
    )?;
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let name = format!("Invited {pid}");
    let calendar = rt.block_on(phone.create_calendar(&format!("invited-{pid}"), &name))?;
    let p = orbit_tests::calendar_mail_profile(&s, "Bob", "bob@example.com", user, password)?;
    assert!(p.run(&["sync"], None)?.ok);
    sync(&p)?;
    let cal = calendar_id(&p, &name)?;
    let message = message_id_of(&p, &folder, "Invitation: Design review")?;

    // Shown as an invitation, not yet answered, not in the calendar.
    let shown = p
        .run(&["--json", "calendar", "invitation", &message], None)?
        .json()?;
    assert_eq!(shown["method"], "REQUEST");
    assert_eq!(shown["my_status"], "needs-action");
    assert_eq!(shown["in_calendar"], false);
    assert_eq!(shown["start"], "2026-12-03T14:00:00Z");
    assert_eq!(shown["organizer"], "ana@example.org");

    // Answered from a script without --reply: the calendar changes, nothing is sent.
    let run = p.run(
        &[
            "--json",
            "calendar",
            "invitation",
            &message,
            "--answer",
            "tentative",
            "--calendar",
            &cal,
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.json()?["replied"], false);
    let outbox = p.run(&["--json", "outbox", "list"], None)?.json()?;
    assert!(outbox.as_array().is_some_and(Vec::is_empty), "{outbox}");
    let shown = p
        .run(&["--json", "calendar", "invitation", &message], None)?
        .json()?;
    assert_eq!(
        (shown["my_status"].as_str(), shown["in_calendar"].as_bool()),
        (Some("tentative"), Some(true))
    );

    // Accepted with the reply confirmed: it goes to the organiser as an iTIP REPLY.
    let run = p.run(
        &[
            "--json",
            "calendar",
            "invitation",
            &message,
            "--answer",
            "accepted",
            "--reply",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.json()?["replied"], true);
    let outbox = p.run(&["--json", "outbox", "list"], None)?.json()?;
    let reply_id = outbox[0]["message_id"].as_str().unwrap_or("").to_owned();
    assert_eq!(outbox[0]["recipients"][0], "ana@example.org", "{outbox}");
    let sent = p.run(&["outbox", "send"], None)?;
    assert!(sent.ok, "{}", sent.stderr);
    let raw = orbit_tests::smtp_received(&reply_id).ok_or("the reply reached the SMTP server")?;
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.contains("text/calendar; method=REPLY"), "{raw}");
    assert!(
        raw.contains("METHOD:REPLY") && raw.contains("PARTSTAT=ACCEPTED"),
        "{raw}"
    );
    assert!(
        raw.contains(&format!("In-Reply-To: <inv-{pid}@example.org>")),
        "{raw}"
    );

    // The calendar has it (with the answer) on the server after a sync.
    sync(&p)?;
    let listed = rt.block_on(phone.list(&calendar))?;
    assert_eq!(listed.len(), 1);
    let fetched = rt.block_on(phone.fetch(&calendar, &[listed[0].href.clone()]))?;
    let (_, text) = fetched[0].content.as_ref().map_err(|e| e.to_string())?;
    assert!(
        text.contains("PARTSTAT=ACCEPTED:mailto:bob@example.com"),
        "{text}"
    );
    assert!(
        !text.contains("METHOD"),
        "a calendar copy has no METHOD: {text}"
    );

    // The organiser cancels: applying it takes the event out, here and on the server.
    mailbox.append(
        &folder,
        &invitation_mail(&format!("cancel-{pid}@example.org"), "CANCEL", 2),
        "",
    )?;
    assert!(p.run(&["sync"], None)?.ok);
    let cancel = message_id_of(&p, &folder, "Invitation: Design review")?;
    let cancel = if cancel == message {
        // Same subject: take the other one.
        let list = p
            .run(&["--json", "mail", "list", "--folder", &folder], None)?
            .json()?;
        list.as_array()
            .into_iter()
            .flatten()
            .map(|m| m["id"].to_string())
            .find(|id| *id != message)
            .ok_or("the cancellation arrived")?
    } else {
        cancel
    };
    let shown = p
        .run(&["--json", "calendar", "invitation", &cancel], None)?
        .json()?;
    assert_eq!(shown["method"], "CANCEL");
    let run = p.run(&["calendar", "invitation", &cancel, "--apply"], None)?;
    assert!(run.ok, "{}", run.stderr);
    let old = p
        .run(&["--json", "calendar", "invitation", &message], None)?
        .json()?;
    assert_eq!(old["in_calendar"], false);
    sync(&p)?;
    assert!(
        rt.block_on(phone.list(&calendar))?.is_empty(),
        "removed on the server"
    );
    mailbox.run(&format!("DELETE {folder}")).ok();
    Ok(())
}

fn meeting(uid: &str, organiser: &str, guests: &[&str]) -> String {
    let people: String = guests
        .iter()
        .map(|g| format!("ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{g}\r\n"))
        .collect();
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Phone//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Planning\r\nDTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\nORGANIZER;CN=Alice:mailto:{organiser}\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{organiser}\r\n{people}BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[test]
fn an_event_the_user_organises_sends_its_changes_to_the_people_invited_only_when_asked()
-> TestResult {
    let rt = tokio::runtime::Runtime::new()?;
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    let (user, password) = ("alice", "alice-secret-pw");
    let pid = std::process::id();
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let name = format!("Organised {pid}");
    let calendar = rt.block_on(phone.create_calendar(&format!("organised-{pid}"), &name))?;
    let (mine, theirs) = (
        format!("planning-{pid}@phone"),
        format!("offsite-{pid}@phone"),
    );
    let guests = ["carol@example.net", "dan@example.org"];
    // Carol has accepted; Dan has not answered yet.
    for (uid, ics) in [
        (
            &mine,
            meeting(&mine, "alice@example.com", &guests).replace(
                "PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:carol",
                "PARTSTAT=ACCEPTED:mailto:carol",
            ),
        ),
        (
            &theirs,
            meeting(&theirs, "ana@example.org", &["alice@example.com"]),
        ),
    ] {
        let Written::Done(_) = rt.block_on(phone.create(&format!("{calendar}{uid}.ics"), &ics))?
        else {
            return Err("create".into());
        };
    }
    let p = orbit_tests::calendar_mail_profile(&s, "Alice", "alice@example.com", user, password)?;
    sync(&p)?;
    let outbox = |p: &Profile| -> Result<Value, Box<dyn std::error::Error>> {
        Ok(p.run(&["--json", "outbox", "list"], None)?.json()?)
    };
    let moving = |uid: &str, start: &str, end: &str, tell: bool| {
        let mut args = vec![
            "--json", "calendar", "move", uid, "--start", start, "--end", end, "--scope", "all",
        ];
        if tell {
            args.push("--tell");
        }
        p.run(&args, None)
    };

    // From a script without --tell: moved here, nobody is written to.
    let run = moving(&mine, "2026-12-11T09:00:00Z", "2026-12-11T10:00:00Z", false)?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.json()?["messages"], 0);
    assert!(outbox(&p)?.as_array().is_some_and(Vec::is_empty));
    // The copy for the server says Orbit schedules (so a server that schedules for organisers
    // does not tell them either), and the answers stay.
    let stored: String = rusqlite::Connection::open(p.database())?.query_row(
        "SELECT ics FROM calendar_items WHERE uid = ?1",
        [&mine],
        |r| r.get(0),
    )?;
    let stored = stored.replace("\r\n ", "");
    assert_eq!(
        stored.matches("SCHEDULE-AGENT=CLIENT").count(),
        2,
        "{stored}"
    );
    assert!(
        stored.contains("PARTSTAT=ACCEPTED;SCHEDULE-AGENT=CLIENT:mailto:carol"),
        "{stored}"
    );

    // With --tell: one update to both guests (not to the organiser), sent as iTIP REQUEST.
    let run = moving(&mine, "2026-12-11T13:00:00Z", "2026-12-11T14:00:00Z", true)?;
    assert!(run.ok, "{}", run.stderr);
    let told = run.json()?;
    assert_eq!(told["messages"], 1);
    assert_eq!(told["sent_to"], serde_json::json!(guests));
    let queued = outbox(&p)?;
    assert_eq!(queued.as_array().map(Vec::len), Some(1), "{queued}");
    assert_eq!(queued[0]["recipients"], serde_json::json!(guests));
    let update_id = queued[0]["message_id"].as_str().unwrap_or("").to_owned();
    let sent = p.run(&["outbox", "send"], None)?;
    assert!(sent.ok, "{}", sent.stderr);
    let raw = orbit_tests::smtp_received(&update_id).ok_or("the update reached the SMTP server")?;
    let raw = String::from_utf8_lossy(&raw).replace("\r\n ", "");
    assert!(
        raw.contains("Subject: Updated invitation: Planning"),
        "{raw}"
    );
    assert!(raw.contains("text/calendar; method=REQUEST"), "{raw}");
    for expected in [
        "METHOD:REQUEST",
        &format!("UID:{mine}"),
        "DTSTART:20261211T130000Z",
        "SEQUENCE:2",
        "mailto:carol@example.net",
        "ORGANIZER",
    ] {
        assert!(raw.contains(expected), "{expected} in {raw}");
    }
    assert!(
        !raw.contains("VALARM"),
        "the organiser's alarm stays home: {raw}"
    );
    assert!(!raw.contains("SCHEDULE-AGENT"), "{raw}");
    // Carol accepted the old time: she is asked about the new one.
    let line = |text: &str, who: &str| {
        text.lines()
            .find(|l| l.starts_with("ATTENDEE") && l.contains(who))
            .unwrap_or_default()
            .to_owned()
    };
    let carol = line(&raw, "mailto:carol@");
    assert!(
        carol.contains("PARTSTAT=NEEDS-ACTION") && carol.contains("RSVP=TRUE"),
        "{raw}"
    );
    assert!(
        line(&raw, "mailto:alice@").contains("PARTSTAT=ACCEPTED"),
        "{raw}"
    );
    // Both moves reach the server as one change (no conflict with itself, no copy), and the
    // server's copy tells a server that schedules for organisers not to send it again.
    let pushed = sync(&p)?;
    assert_eq!(pushed["conflicts"], 0, "{pushed}");
    assert_eq!(rt.block_on(phone.list(&calendar))?.len(), 2);
    let href = format!("{calendar}{mine}.ics");
    let fetched = rt.block_on(phone.fetch(&calendar, std::slice::from_ref(&href)))?;
    let (_, text) = fetched[0].content.as_ref().map_err(|e| e.to_string())?;
    let text = text.replace("\r\n ", "");
    assert_eq!(text.matches("SCHEDULE-AGENT=CLIENT").count(), 2, "{text}");
    assert!(text.contains("DTSTART:20261211T130000Z"), "{text}");
    let carol = line(&text, "mailto:carol@");
    assert!(
        carol.contains("PARTSTAT=NEEDS-ACTION") && carol.contains("RSVP=TRUE"),
        "the calendar's copy asks again too: {text}"
    );

    // Someone else organises this one: --tell is refused and nothing changes.
    let run = moving(
        &theirs,
        "2026-12-12T09:00:00Z",
        "2026-12-12T10:00:00Z",
        true,
    )?;
    assert!(!run.ok);
    assert!(run.stderr.contains("not you"), "{}", run.stderr);
    let unmoved = p.run(
        &[
            "--json",
            "calendar",
            "events",
            "--from",
            "2026-12-10",
            "--to",
            "2026-12-11",
        ],
        None,
    )?;
    assert!(
        unmoved
            .json()?
            .as_array()
            .into_iter()
            .flatten()
            .any(|o| o["uid"] == theirs.as_str()),
        "{}",
        unmoved.stdout
    );

    // Deleted with --tell: the guests get the cancellation.
    let run = p.run(&["--json", "calendar", "remove", &mine, "--tell"], None)?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.json()?["messages"], 1);
    let queued = outbox(&p)?;
    let cancel_id = queued[0]["message_id"].as_str().unwrap_or("").to_owned();
    assert!(p.run(&["outbox", "send"], None)?.ok);
    let raw = orbit_tests::smtp_received(&cancel_id).ok_or("the cancellation was sent")?;
    let raw = String::from_utf8_lossy(&raw).replace("\r\n ", "");
    assert!(raw.contains("Subject: Cancelled: Planning"), "{raw}");
    assert!(raw.contains("text/calendar; method=CANCEL"), "{raw}");
    for expected in [
        "METHOD:CANCEL",
        "STATUS:CANCELLED",
        "SEQUENCE:3",
        &format!("UID:{mine}"),
    ] {
        assert!(raw.contains(expected), "{expected} in {raw}");
    }

    // And the server's calendar follows: the meeting is gone, the other one stays.
    sync(&p)?;
    let left = rt.block_on(phone.list(&calendar))?;
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].href.contains("offsite"), "{left:?}");

    // A weekly meeting with a room (a resource without a mail address, left out).
    let weekly = format!("weekly-{pid}@phone");
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Phone//EN\r\nBEGIN:VEVENT\r\nUID:{weekly}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Weekly review\r\nDTSTART:20261207T090000Z\r\nDTEND:20261207T093000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nORGANIZER:mailto:alice@example.com\r\nATTENDEE:mailto:alice@example.com\r\nATTENDEE:mailto:carol@example.net\r\nATTENDEE;CUTYPE=ROOM:urn:uuid:room-4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let Written::Done(_) = rt.block_on(phone.create(&format!("{calendar}{weekly}.ics"), &ics))?
    else {
        return Err("create".into());
    };
    sync(&p)?;
    let sent = |p: &Profile| -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let queued = p.run(&["--json", "outbox", "list"], None)?.json()?;
        let ids: Vec<String> = queued
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["state"] == "queued")
            .map(|m| m["message_id"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(p.run(&["outbox", "send"], None)?.ok);
        ids.iter()
            .map(|id| {
                orbit_tests::smtp_received(id)
                    // Unfolded, and quoted-printable's soft line breaks joined.
                    .map(|raw| {
                        String::from_utf8_lossy(&raw)
                            .replace("=\r\n", "")
                            .replace("\r\n ", "")
                    })
                    .ok_or_else(|| format!("{id} was not sent").into())
            })
            .collect()
    };
    // One occurrence deleted: its own CANCEL, with its RECURRENCE-ID, to the person only.
    let run = p.run(
        &[
            "--json",
            "calendar",
            "remove",
            &weekly,
            "--occurrence",
            "20261214T090000Z",
            "--scope",
            "one",
            "--tell",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.json()?["sent_to"],
        serde_json::json!(["carol@example.net"])
    );
    let mails = sent(&p)?;
    assert_eq!(mails.len(), 1);
    for expected in [
        "METHOD:CANCEL",
        "RECURRENCE-ID:20261214T090000Z",
        "STATUS:CANCELLED",
        "Subject: Cancelled: Weekly review (2026-12-14)",
    ] {
        assert!(mails[0].contains(expected), "{expected} in {}", mails[0]);
    }
    assert!(!mails[0].contains("RRULE"), "{}", mails[0]);
    // This and the following ones moved: the series as it now ends, and the new one.
    let run = p.run(
        &[
            "--json",
            "calendar",
            "move",
            &weekly,
            "--occurrence",
            "20261221T090000Z",
            "--scope",
            "following",
            "--start",
            "2026-12-21T10:00:00Z",
            "--end",
            "2026-12-21T10:30:00Z",
            "--tell",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.json()?["messages"], 2);
    let mails = sent(&p)?;
    assert_eq!(mails.len(), 2);
    assert!(
        mails.iter().all(|m| m.contains("METHOD:REQUEST")),
        "{mails:?}"
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("UNTIL=") && m.contains("now ends before 2026-12-21")),
        "the old series ends: {mails:?}"
    );
    assert!(
        mails.iter().any(|m| m.contains("DTSTART:20261221T100000Z")
            && m.contains("it now starts 2026-12-21 10:00 UTC")),
        "the new one starts later: {mails:?}"
    );
    Ok(())
}

#[test]
fn a_server_found_only_through_its_well_known_address_is_discovered() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    // Radicale redirects /.well-known/caldav to its root; Xandikos too (no auth there).
    for base in [&s.caldav_url, &s.xandikos_url] {
        let url = format!("{}/.well-known/caldav", base.trim_end_matches('/'));
        let p = Profile::new(&s)?;
        let run = p.run(
            &[
                "account",
                "add",
                "--name",
                "Found",
                "--email",
                "alice@example.com",
                "--username",
                "alice",
                "--caldav-url",
                &url,
                "--password-stdin",
            ],
            Some("alice-secret-pw"),
        )?;
        assert!(run.ok, "{}", run.stderr);
        let run = p.run(&["--json", "calendar", "sync"], None)?;
        assert!(run.ok, "{url}: {}", run.stderr);
        let list = p.run(&["--json", "calendar", "list"], None)?.json()?;
        assert!(
            list.as_array().is_some_and(|l| !l.is_empty()),
            "{url}: the calendars are found: {list}"
        );
    }
    Ok(())
}

/// Listens on a free port of 127.0.0.1 and hands each connection (blocking) to `handle`,
/// until the returned flag is set. Returns the port, the flag and the listening thread.
fn serve(
    handle: impl Fn(std::net::TcpStream) + Send + 'static,
) -> std::io::Result<(
    u16,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    std::thread::JoinHandle<()>,
)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = std::sync::Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
            match listener.accept() {
                Ok((conn, _)) => {
                    if conn.set_nonblocking(false).is_ok() {
                        handle(conn);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(_) => break,
            }
        }
    });
    Ok((port, stop, thread))
}

/// A web server that answers every request with a redirect to `target`, as a provider's web
/// domain sends `/.well-known/caldav` to its CalDAV host; it stops when dropped.
struct Redirect {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Redirect {
    fn start(target: &str) -> std::io::Result<Self> {
        let target = target.to_owned();
        let (port, stop, thread) = serve(move |mut conn| {
            let _ = Self::answer(&mut conn, &target);
        })?;
        Ok(Self {
            port,
            stop,
            thread: Some(thread),
        })
    }

    /// Reads one request (head and body), answers 301 to `target`, and closes.
    fn answer(conn: &mut std::net::TcpStream, target: &str) -> std::io::Result<()> {
        use std::io::{Read as _, Write as _};
        conn.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
        let mut request = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = conn.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            request.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
            if let Some(end) = text.find("\r\n\r\n") {
                let body = text[..end]
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if request.len() >= end + 4 + body {
                    break;
                }
            }
        }
        write!(
            conn,
            "HTTP/1.1 301 Moved Permanently\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    }
}

impl Drop for Redirect {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A URL whose `/.well-known/caldav` redirects to another server (another port here; another
/// host for a provider) is followed there, by the connection test and by sync; the server
/// found is remembered, so later syncs and the changes they send go straight to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_known_redirect_to_another_server_is_followed_and_remembered() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    // Carol's calendars are this test's alone (other tests list all of theirs).
    let (user, password) = ("carol", "carol-secret-pw");
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let calendar = phone
        .create_calendar(&format!("moved-{}", std::process::id()), "Moved")
        .await?;
    let web = Redirect::start(&s.caldav_url)?;
    let url = format!("http://127.0.0.1:{}/", web.port);
    let radicale = s.caldav_url.trim_end_matches('/').to_owned();

    let p = orbit_tests::caldav_profile_at(&s, "Provider", user, password, &url)?;
    let accounts = p.run(&["--json", "account", "list"], None)?.json()?;
    let id = accounts[0]["id"].as_i64().ok_or("no account id")?;
    let tested = p.run(&["--json", "account", "test", &id.to_string()], None)?;
    assert!(tested.ok, "{}\n{}", tested.stdout, tested.stderr);
    let report = tested.json()?;
    let caldav = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["service"] == "caldav"))
        .ok_or("no caldav check")?;
    assert_eq!(caldav["ok"], true, "{report}");
    let message = caldav["message"].as_str().unwrap_or_default();
    assert!(message.ends_with(&format!("on {radicale}")), "{message}");

    sync(&p)?;
    let list = p.run(&["--json", "calendar", "list"], None)?.json()?;
    let moved = list
        .as_array()
        .and_then(|l| l.iter().find(|c| c["name"] == "Moved"))
        .ok_or_else(|| format!("the calendar is found on the other server: {list}"))?;
    let calendar_id = moved["id"].as_i64().ok_or("no calendar id")?.to_string();

    // The redirecting server is gone: the next sync, and what it sends, go to Radicale.
    drop(web);
    let saved = p.run(
        &[
            "calendar",
            "add",
            "review with Carol next Monday 10:00 for an hour",
            "--calendar",
            &calendar_id,
            "--tz",
            "Europe/Berlin",
            "--yes",
        ],
        None,
    )?;
    assert!(saved.ok, "{}", saved.stderr);
    let pushed = sync(&p)?;
    assert_eq!(pushed["pushed"].as_u64(), Some(1), "{pushed}");
    assert_eq!(
        phone.list(&calendar).await?.len(),
        1,
        "the event reached Radicale"
    );
    Ok(())
}

/// A TCP relay in front of a server that notes the request line (`METHOD path`) of each HTTP
/// request it passes on; it stops taking connections when dropped.
struct Relay {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Relay {
    fn start(target: &str) -> std::io::Result<Self> {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (noting, target) = (std::sync::Arc::clone(&seen), target.to_owned());
        let (port, stop, _) = serve(move |client| {
            let (noting, target) = (std::sync::Arc::clone(&noting), target.clone());
            std::thread::spawn(move || Self::relay(client, &target, &noting));
        })?;
        Ok(Self { port, seen, stop })
    }

    fn relay(
        mut client: std::net::TcpStream,
        target: &str,
        seen: &std::sync::Mutex<Vec<String>>,
    ) -> std::io::Result<()> {
        use std::io::{Read as _, Write as _};
        let mut upstream = std::net::TcpStream::connect(target)?;
        let (mut from_server, mut to_client) = (upstream.try_clone()?, client.try_clone()?);
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from_server, &mut to_client);
            let _ = to_client.shutdown(std::net::Shutdown::Write);
        });
        let mut chunk = [0u8; 16384];
        let mut line = Vec::new();
        loop {
            let n = client.read(&mut chunk)?;
            if n == 0 {
                return upstream.shutdown(std::net::Shutdown::Write);
            }
            upstream.write_all(&chunk[..n])?;
            for &byte in &chunk[..n] {
                if byte != b'\n' {
                    line.push(byte);
                    continue;
                }
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                line.clear();
                if let Some(request) = text.strip_suffix(" HTTP/1.1")
                    && let Some((method, _)) = request.split_once(' ')
                    && method.chars().all(|c| c.is_ascii_uppercase())
                    && let Ok(mut seen) = seen.lock()
                {
                    seen.push(request.to_owned());
                }
            }
        }
    }

    /// The requests seen so far, as `METHOD path`.
    fn seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Removing a whole event the user organises, without telling the people invited: before the
/// DELETE, the server's copy is replaced by one with the attendees marked
/// SCHEDULE-AGENT=CLIENT, so a server that schedules for organisers (RFC 6638) does not send
/// them a cancellation the user chose not to send. An event someone else organises is just
/// deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_event_the_user_organises_marks_it_first_so_no_server_tells_anyone()
-> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    let (user, password) = ("carol", "carol-secret-pw");
    let pid = std::process::id();
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let calendar = phone
        .create_calendar(&format!("farewell-{pid}"), "Farewell")
        .await?;
    let (mine, theirs) = (format!("mine-{pid}@phone"), format!("theirs-{pid}@phone"));
    let guests = ["erin@example.net", "frank@example.org"];
    for (uid, ics) in [
        (&mine, meeting(&mine, "carol@example.com", &guests)),
        (
            &theirs,
            meeting(&theirs, "ana@example.org", &["carol@example.com"]),
        ),
    ] {
        let Written::Done(_) = phone.create(&format!("{calendar}{uid}.ics"), &ics).await? else {
            return Err("create".into());
        };
    }
    let radicale = s
        .caldav_url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let relay = Relay::start(radicale)?;
    let relayed = format!("http://127.0.0.1:{}/", relay.port);
    let p = orbit_tests::caldav_profile_at(&s, "Carol", user, password, &relayed)?;
    sync(&p)?;

    for uid in [&mine, &theirs] {
        let run = p.run(&["--json", "calendar", "remove", uid], None)?;
        assert!(run.ok, "{}", run.stderr);
        assert_eq!(run.json()?["messages"], 0, "nobody is written to");
    }
    let queued: Vec<(String, String)> = {
        let db = rusqlite::Connection::open(p.database())?;
        let mut stmt =
            db.prepare("SELECT href, ics FROM calendar_changes WHERE kind = 'delete'")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    let mine_href = format!("{calendar}{mine}.ics");
    let theirs_href = format!("{calendar}{theirs}.ics");
    let marked = queued
        .iter()
        .find(|(href, _)| *href == mine_href)
        .map(|(_, ics)| ics.replace("\r\n ", ""))
        .ok_or("the removal of Carol's event is queued")?;
    assert_eq!(
        marked.matches("SCHEDULE-AGENT=CLIENT").count(),
        2,
        "{marked}"
    );
    assert!(
        queued
            .iter()
            .any(|(href, ics)| *href == theirs_href && ics.is_empty()),
        "{queued:?}"
    );

    let before = relay.seen().len();
    let pushed = sync(&p)?;
    assert_eq!(pushed["pushed"].as_u64(), Some(2), "{pushed}");
    let writes: Vec<String> = relay.seen()[before..]
        .iter()
        .filter(|r| r.starts_with("PUT ") || r.starts_with("DELETE "))
        .cloned()
        .collect();
    let expected_mine = [format!("PUT {mine_href}"), format!("DELETE {mine_href}")];
    let mine_writes: Vec<&String> = writes.iter().filter(|w| w.ends_with(&mine_href)).collect();
    assert_eq!(
        mine_writes,
        expected_mine.iter().collect::<Vec<_>>(),
        "{writes:?}"
    );
    let theirs_writes: Vec<&String> = writes
        .iter()
        .filter(|w| w.ends_with(&theirs_href))
        .collect();
    assert_eq!(
        theirs_writes,
        [&format!("DELETE {theirs_href}")],
        "{writes:?}"
    );
    assert!(phone.list(&calendar).await?.is_empty(), "both are gone");
    Ok(())
}
