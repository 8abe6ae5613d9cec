//! Another client reads what Orbit writes: vdirsyncer (a widely used CalDAV sync tool) syncs
//! the calendar Orbit wrote to Radicale into a folder of .ics files, which must hold the same
//! events Orbit shows; a change made in that folder goes back up and Orbit picks it up.

#![allow(clippy::indexing_slicing)]

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use orbit_tests::{Profile, TestResult};

fn vdirsyncer(config: &Path, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let out = Command::new("vdirsyncer")
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            format!("vdirsyncer could not run (scripts/install-deps.sh installs it): {e}")
        })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!("vdirsyncer {args:?} failed: {text}").into());
    }
    Ok(text)
}

/// `(uid, start, end, summary)` of each occurrence in December 2026.
type Seen = Vec<(String, String, String, String)>;

fn occurrences_of(texts: &[String]) -> Result<Seen, Box<dyn std::error::Error>> {
    let from: DateTime<Utc> = "2026-12-01T00:00:00Z".parse()?;
    let to: DateTime<Utc> = "2027-01-01T00:00:00Z".parse()?;
    let mut out = Vec::new();
    for t in texts {
        let object = orbit_cal::parse(t)?;
        out.extend(
            orbit_cal::expand(&object, from, to, chrono_tz::Europe::Berlin)
                .into_iter()
                .map(|o| (o.uid, o.start, o.end, o.summary)),
        );
    }
    out.sort();
    Ok(out)
}

fn shown_by_orbit(p: &Profile, calendar: &str) -> Result<Seen, Box<dyn std::error::Error>> {
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
            "Europe/Berlin",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let mut out: Seen = run
        .json()?
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["calendar_id"].as_i64().map(|v| v.to_string()).as_deref() == Some(calendar))
        .map(|o| {
            let s = |k: &str| o[k].as_str().unwrap_or("").to_owned();
            (s("uid"), s("start"), s("end"), s("summary"))
        })
        .collect();
    out.sort();
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vdirsyncer_reads_what_orbit_wrote_and_orbit_reads_what_it_changed() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    let (user, password) = ("bob", "bob-secret-pw");
    let pid = std::process::id();
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let name = format!("Interop {pid}");
    let href = phone
        .create_calendar(&format!("interop-{pid}"), &name)
        .await?;
    let p = orbit_tests::caldav_profile(&s, "Interop", user, password)?;
    assert!(p.run(&["calendar", "sync"], None)?.ok);
    let list = p.run(&["--json", "calendar", "list"], None)?.json()?;
    let calendar = list
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name.as_str())
        .map(|c| c["id"].to_string())
        .ok_or("listed")?;

    // Orbit writes: a sentence, a weekly series with one occurrence moved, an all-day trip,
    // non-ASCII text and an alarm.
    let run = p.run(
        &[
            "calendar",
            "add",
            "lunch with the design team 2026-12-08 12:30 at the corner café for an hour",
            "--calendar",
            &calendar,
            "--tz",
            "Europe/Berlin",
            "--yes",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let dir = tempfile::tempdir()?;
    let weekly = dir.path().join("weekly.ics");
    std::fs::write(
        &weekly,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:interop-weekly@test\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Übung – Chor\r\nDTSTART;TZID=Europe/Berlin:20261202T190000\r\nDTEND;TZID=Europe/Berlin:20261202T203000\r\nRRULE:FREQ=WEEKLY;COUNT=5\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nDESCRIPTION:Chor\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )?;
    let trip = dir.path().join("trip.ics");
    std::fs::write(
        &trip,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:interop-trip@test\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Trip to Kraków\r\nDTSTART;VALUE=DATE:20261218\r\nDTEND;VALUE=DATE:20261221\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )?;
    for f in [&weekly, &trip] {
        let path = f.to_string_lossy().to_string();
        let run = p.run(
            &["calendar", "import", &path, "--calendar", &calendar],
            None,
        )?;
        assert!(run.ok, "{}", run.stderr);
    }
    let run = p.run(
        &[
            "calendar",
            "move",
            "interop-weekly@test",
            "--occurrence",
            "20261216T190000",
            "--start",
            "2026-12-17T17:00:00Z",
            "--end",
            "2026-12-17T18:30:00Z",
            "--tz",
            "Europe/Berlin",
        ],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let run = p.run(&["--json", "calendar", "sync"], None)?;
    assert!(run.ok, "{}", run.stderr);
    let orbit_sees = shown_by_orbit(&p, &calendar)?;
    assert_eq!(orbit_sees.len(), 1 + 5 + 1, "{orbit_sees:?}");

    // vdirsyncer copies the collection into a folder.
    let local = dir.path().join("local");
    std::fs::create_dir_all(&local)?;
    let config = dir.path().join("config");
    let origin = s.caldav_url.trim_end_matches('/');
    std::fs::write(
        &config,
        format!(
            "[general]\nstatus_path = \"{status}\"\n\n[pair cal]\na = \"server\"\nb = \"folder\"\ncollections = null\nconflict_resolution = \"a wins\"\n\n[storage server]\ntype = \"caldav\"\nurl = \"{origin}{href}\"\nusername = \"{user}\"\npassword = \"{password}\"\n\n[storage folder]\ntype = \"filesystem\"\npath = \"{local}\"\nfileext = \".ics\"\n",
            status = dir.path().join("status").display(),
            local = local.display(),
        ),
    )?;
    vdirsyncer(&config, &["discover"])?;
    vdirsyncer(&config, &["sync"])?;
    let mut files: Vec<_> = std::fs::read_dir(&local)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(std::fs::read_to_string)
        .collect::<Result<_, _>>()?;
    assert_eq!(texts.len(), 3, "one file per event: {files:?}");
    assert_eq!(
        occurrences_of(&texts)?,
        orbit_sees,
        "vdirsyncer's copy holds what Orbit shows"
    );
    let weekly_text = texts
        .iter()
        .find(|t| t.contains("interop-weekly@test"))
        .ok_or("the series")?;
    assert!(weekly_text.contains("Übung – Chor") && weekly_text.contains("BEGIN:VALARM"));
    assert!(weekly_text.contains("RECURRENCE-ID;TZID=Europe/Berlin:20261216T190000"));

    // Changed in the folder (as a desktop app on that folder would), synced up by vdirsyncer:
    // Orbit sees it at its next sync.
    let trip_file = files
        .iter()
        .zip(&texts)
        .find(|(_, t)| t.contains("interop-trip@test"))
        .map(|(f, _)| f.clone())
        .ok_or("the trip")?;
    let changed = std::fs::read_to_string(&trip_file)?
        .replace("Trip to Kraków", "Trip to Kraków and Wrocław");
    std::fs::write(&trip_file, changed)?;
    vdirsyncer(&config, &["sync"])?;
    let run = p.run(&["--json", "calendar", "sync"], None)?;
    assert!(run.ok, "{}", run.stderr);
    let after = shown_by_orbit(&p, &calendar)?;
    assert!(
        after.iter().any(|o| o.3 == "Trip to Kraków and Wrocław"),
        "{after:?}"
    );
    Ok(())
}
