//! Tasks end to end with the real `orbit` binary: VTODO on Radicale read back by vdirsyncer and
//! changed by another client; local lists; sub-tasks, moves, statistics; undo from the log;
//! suggestions from mail accepted or dismissed, never created silently.

#![allow(clippy::indexing_slicing)]

use std::path::Path;
use std::process::Command;

use orbit_tests::{Profile, TestResult};
use serde_json::Value;

fn json(p: &Profile, args: &[&str]) -> Result<Value, Box<dyn std::error::Error>> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = p.run(&all, None)?;
    assert!(run.ok, "{args:?}: {}", run.stderr);
    Ok(run.json()?)
}

fn task<'a>(list: &'a Value, title: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|t| t["title"] == title))
        .unwrap_or(&Value::Null)
}

fn vdirsyncer(config: &Path, args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let out = Command::new("vdirsyncer")
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "vdirsyncer {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_sync_as_vtodo_another_client_reads_them_and_its_changes_come_back() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    let (user, password) = ("bob", "bob-secret-pw");
    let pid = std::process::id();
    let mut phone = orbit_tests::calendar_server(&s.caldav_url, user, password)?;
    let name = format!("Chores {pid}");
    let href = phone
        .create_calendar(&format!("chores-{pid}"), &name)
        .await?;
    let p = orbit_tests::caldav_profile(&s, "Chores", user, password)?.with_env("TZ", "UTC");
    assert!(p.run(&["calendar", "sync"], None)?.ok);
    let lists = json(&p, &["tasks", "lists"])?;
    let list = lists
        .as_array()
        .and_then(|l| l.iter().find(|l| l["name"] == name.as_str()))
        .map(|l| l["id"].to_string())
        .ok_or("the calendar is a task list")?;

    let rent = json(
        &p,
        &[
            "tasks",
            "add",
            "pay rent every 1st !high #home",
            "--list",
            &list,
        ],
    )?;
    assert_eq!(rent["title"], "pay rent");
    assert_eq!(rent["recurring"], true);
    assert_eq!(rent["priority"], 1);
    assert_eq!(rent["tags"][0], "home");
    assert_eq!(rent["column"], "todo");
    assert!(
        rent["due"].as_str().is_some_and(|d| d.ends_with("-01")),
        "{rent}"
    );
    let rent_uid = rent["uid"].as_str().unwrap_or("").to_owned();
    let paint = json(&p, &["tasks", "add", "paint the hall", "--list", &list])?;
    let paint_uid = paint["uid"].as_str().unwrap_or("").to_owned();
    let buy = json(
        &p,
        &[
            "tasks",
            "add",
            "buy paint tomorrow",
            "--list",
            &list,
            "--parent",
            &paint_uid,
        ],
    )?;
    let buy_uid = buy["uid"].as_str().unwrap_or("").to_owned();
    json(
        &p,
        &[
            "tasks",
            "add",
            "tape the edges",
            "--list",
            &list,
            "--parent",
            &buy_uid,
        ],
    )?;
    json(&p, &["tasks", "done", &buy_uid])?;
    let all = json(&p, &["tasks", "list", "--all", "--list", &list])?;
    assert_eq!(
        task(&all, "paint the hall")["progress"],
        serde_json::json!({"done": 1, "total": 2}),
        "rolled up two levels: {all}"
    );
    // A board move: paint goes to Doing, before nothing; then rent before it.
    p.run(&["tasks", "move", &paint_uid, "doing"], None)?;
    let run = p.run(
        &["tasks", "move", &rent_uid, "doing", "--before", &paint_uid],
        None,
    )?;
    assert!(run.ok, "{}", run.stderr);
    let all = json(&p, &["tasks", "list", "--list", &list])?;
    let doing: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["column"] == "doing")
        .map(|t| t["title"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(task(&all, "pay rent")["status"], "in-process");
    let orders: Vec<i64> = ["pay rent", "paint the hall"]
        .iter()
        .map(|t| task(&all, t)["order"].as_i64().unwrap())
        .collect();
    assert!(
        orders[0] < orders[1],
        "rent before paint: {doing:?} {orders:?}"
    );

    let report = json(&p, &["tasks", "sync"])?;
    assert!(report["pushed"].as_u64().unwrap_or(0) >= 4, "{report}");

    // vdirsyncer reads the same tasks.
    let dir = tempfile::tempdir()?;
    let local = dir.path().join("local");
    std::fs::create_dir_all(&local)?;
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[general]\nstatus_path = \"{}\"\n\n[pair t]\na = \"server\"\nb = \"folder\"\ncollections = null\nconflict_resolution = \"a wins\"\n\n[storage server]\ntype = \"caldav\"\nurl = \"{}{href}\"\nusername = \"{user}\"\npassword = \"{password}\"\n\n[storage folder]\ntype = \"filesystem\"\npath = \"{}\"\nfileext = \".ics\"\n",
            dir.path().join("status").display(),
            s.caldav_url.trim_end_matches('/'),
            local.display()
        ),
    )?;
    vdirsyncer(&config, &["discover"])?;
    vdirsyncer(&config, &["sync"])?;
    let texts: Vec<String> = std::fs::read_dir(&local)?
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()))
        .collect::<Result<_, _>>()?;
    assert_eq!(texts.len(), 4);
    let rent_text = texts
        .iter()
        .find(|t| t.contains("SUMMARY:pay rent"))
        .ok_or("rent")?;
    for want in [
        "BEGIN:VTODO",
        "PRIORITY:1",
        "CATEGORIES:home",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=1",
        "STATUS:IN-PROCESS",
        "X-ORBIT-COLUMN:doing",
    ] {
        assert!(rent_text.contains(want), "{want} in {rent_text}");
    }
    let tape = texts
        .iter()
        .find(|t| t.contains("SUMMARY:tape the edges"))
        .ok_or("tape")?;
    assert!(
        tape.contains(&format!("RELATED-TO;RELTYPE=PARENT:{buy_uid}")),
        "{tape}"
    );
    let bought = texts
        .iter()
        .find(|t| t.contains("SUMMARY:buy paint"))
        .ok_or("buy")?;
    assert!(
        bought.contains("STATUS:COMPLETED") && bought.contains("PERCENT-COMPLETE:100"),
        "{bought}"
    );

    // The phone completes "paint the hall" and renames it: Orbit picks it up.
    let file = std::fs::read_dir(&local)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("SUMMARY:paint the hall")))
        .ok_or("paint file")?;
    let changed = std::fs::read_to_string(&file)?
        .replace(
            "SUMMARY:paint the hall",
            "SUMMARY:paint the hall and stairs",
        )
        .replace("STATUS:IN-PROCESS", "STATUS:COMPLETED");
    std::fs::write(&file, changed)?;
    vdirsyncer(&config, &["sync"])?;
    json(&p, &["tasks", "sync"])?;
    let all = json(&p, &["tasks", "list", "--all", "--list", &list])?;
    let paint = task(&all, "paint the hall and stairs");
    assert_eq!(paint["status"], "completed", "{all}");
    assert_eq!(
        paint["column"], "doing",
        "the column another client left stays until moved"
    );
    Ok(())
}

#[test]
fn local_lists_stats_undo_and_suggestions_from_mail() -> TestResult {
    let Some(s) = orbit_tests::servers()? else {
        return Ok(());
    };
    let p = Profile::new(&s)?.with_env("TZ", "UTC");
    let list = json(&p, &["tasks", "new-list", "Home"])?;
    assert_eq!(list["local"], true);
    let id = list["id"].to_string();
    let a = json(
        &p,
        &["tasks", "add", "call the plumber tomorrow", "--list", &id],
    )?;
    let b = json(&p, &["tasks", "add", "file taxes !high", "--list", &id])?;
    json(&p, &["tasks", "done", b["uid"].as_str().unwrap()])?;
    let db = rusqlite::Connection::open(p.database())?;
    let queued: i64 = db.query_row("SELECT count(*) FROM calendar_changes", [], |r| r.get(0))?;
    assert_eq!(
        queued, 0,
        "a list on this computer has no server to send to"
    );
    let stats = json(&p, &["tasks", "stats", "--period", "day"])?;
    assert_eq!(stats["open"], 1);
    assert_eq!(stats["done_this_period"], 1);
    assert_eq!(stats["buckets"].as_array().map(Vec::len), Some(8));
    assert_eq!(stats["buckets"][7]["opened"], 2);

    // Creation and completion are undone from the activity log.
    let log = json(&p, &["activity", "--limit", "50"])?;
    let find = |action: &str| {
        log.as_array()
            .and_then(|l| l.iter().find(|a| a["action"] == action))
            .map(|a| a["id"].to_string())
            .unwrap_or_default()
    };
    assert!(
        p.run(&["activity", "--undo", &find("task.completed")], None)?
            .ok
    );
    assert!(
        p.run(&["activity", "--undo", &find("task.created")], None)?
            .ok
    );
    let all = json(&p, &["tasks", "list", "--all"])?;
    let titles: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 1, "{titles:?}");
    assert_eq!(all[0]["status"], "needs-action", "completion undone");
    let _ = a;

    // Mail that asks for something is suggested, not created.
    let dir = tempfile::tempdir()?;
    let eml = dir.path().join("ask.eml");
    std::fs::write(
        &eml,
        "From: Maya Okafor <maya@example.com>\r\nTo: sam@example.com\r\nSubject: Q4 numbers\r\nMessage-ID: <ask-1@example.com>\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi Sam,\r\n\r\nCould you send me the Q4 figures by Friday? Thanks!\r\n\r\nMaya\r\n",
    )?;
    let other = dir.path().join("chat.eml");
    std::fs::write(
        &other,
        "From: Theo <theo@example.com>\r\nTo: sam@example.com\r\nSubject: Lunch\r\nMessage-ID: <lunch-1@example.com>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLunch was great, see you soon.\r\n",
    )?;
    for f in [&eml, &other] {
        assert!(
            p.run(&["import", &f.to_string_lossy(), "--folder", "Inbox"], None)?
                .ok
        );
    }
    let before = json(&p, &["tasks", "list", "--all"])?
        .as_array()
        .map_or(0, Vec::len);
    let found = json(&p, &["tasks", "suggestions"])?;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["title"], "Send me the Q4 figures by Friday");
    assert_eq!(found[0]["due"], "2026-11-27");
    assert!(
        found[0]["from"]
            .as_str()
            .unwrap_or("")
            .contains("maya@example.com")
    );
    assert_eq!(
        json(&p, &["tasks", "list", "--all"])?
            .as_array()
            .map_or(0, Vec::len),
        before,
        "nothing created silently"
    );
    let accepted = json(
        &p,
        &[
            "tasks",
            "suggestions",
            "--accept",
            &found[0]["id"].to_string(),
            "--list",
            &id,
        ],
    )?;
    assert_eq!(accepted["due"], "2026-11-27");
    assert!(
        accepted["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "mail")
    );
    assert!(
        accepted["score_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap_or("").starts_with("Asked by Maya Okafor")),
        "{accepted}"
    );
    assert!(
        json(&p, &["tasks", "suggestions"])?
            .as_array()
            .is_some_and(Vec::is_empty),
        "looked at once"
    );
    Ok(())
}
