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
    let phone = orbit_tests::calendar_server(&s.caldav_url, &s.user, &s.password)?;
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
    // Bob's calendars: the other test syncs Alice's at the same time.
    let (user, password) = ("bob", "bob-secret-pw");
    let phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
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
