//! The store against real SQLite files: migrations, schema, WAL, sqlite-vec, refusal of newer
//! or damaged files, locking, and the table modules.

use std::collections::BTreeMap;
use std::time::Duration;

use orbit_store::{
    AccountWrite, ActivityFilter, Endpoint, LATEST_VERSION, NewActivity, Store, StoreError,
    StoreErrorKind, StoreOptions, accounts, activities, calendar, settings,
};
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn quick() -> StoreOptions {
    StoreOptions {
        busy_timeout: Duration::from_millis(200),
    }
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<BTreeMap<String, (String, bool)>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(1)?,
            (row.get::<_, String>(2)?, row.get::<_, bool>(3)?),
        ))
    })?;
    rows.collect()
}

#[test]
fn an_empty_database_is_migrated_to_the_expected_schema() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orbit.sqlite3");
    let store = Store::open(&path, quick())?;
    store.read(|conn| -> Result<(), Box<dyn std::error::Error>> {
        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        assert_eq!(version, LATEST_VERSION, "user_version is the latest migration");
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        assert_eq!(mode, "wal", "the database runs in WAL mode");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        assert_eq!(fk, 1, "foreign keys are enforced on readers too");
        let vec: String = orbit_store::vec_version(conn)?;
        assert!(vec.starts_with('v'), "sqlite-vec answers vec_version(): {vec}");

        let mut stmt = conn.prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let tables: BTreeMap<String, String> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        assert_eq!(
            tables.keys().cloned().collect::<Vec<_>>(),
            [
                "accounts",
                "activities",
                "attachments",
                "calendar_changes",
                "calendar_items",
            "calendar_reminders",
                "calendars",
                "chat_messages",
                "chat_redactions",
                "chat_requests",
                "chat_sessions",
                "chunks",
                "draft_removals",
                "drafts",
                "embed_pending",
                "folders",
                "mail_changes",
                "message_locations",
                "messages",
                "outbox",
                "packed_blobs",
                "proposals",
                "search_pending",
                "settings",
                "task_advice",
                "task_suggestions",
                "thread_refs",
                "threads"
            ],
            "the migrations create exactly these tables"
        );
        let mut stmt = conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
        )?;
        let triggers: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        assert_eq!(
            triggers,
            [
                "calendar_items_revision_delete",
                "calendar_items_revision_insert",
                "calendar_items_revision_update",
                "locations_search_delete",
                "locations_search_update",
                "messages_embed_delete",
                "messages_embed_update",
                "messages_search_delete",
                "messages_search_update"
            ],
            "updates and deletes a search document depends on mark it (inserts mark it \
             themselves); every calendar item write counts"
        );
        for (name, sql) in &tables {
            assert!(sql.contains(") STRICT"), "{name} is STRICT");
        }

        let account = columns(conn, "accounts")?;
        for column in [
            "id", "name", "email", "username", "imap_host", "imap_port", "imap_security",
            "smtp_host", "smtp_port", "smtp_security", "caldav_url", "last_test_at",
            "last_test_ok", "last_test_summary", "created_at", "updated_at",
        ] {
            assert!(account.contains_key(column), "accounts.{column} exists");
        }
        assert!(
            !account.keys().any(|c| c.contains("password") || c.contains("secret")),
            "no column can hold a secret"
        );
        for (name, (_, not_null)) in &account {
            assert!(*not_null || name == "id", "accounts.{name} is NOT NULL");
        }
        let activity = columns(conn, "activities")?;
        assert_eq!(
            activity.keys().cloned().collect::<Vec<_>>(),
            ["action", "actor", "at", "details", "id", "summary", "target"]
        );
        let settings = columns(conn, "settings")?;
        assert_eq!(
            settings.keys().cloned().collect::<Vec<_>>(),
            ["key", "updated_at", "value"]
        );
        let mut stmt = conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )?;
        let indexes: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        assert_eq!(
            indexes,
            [
                "accounts_email_idx",
                "activities_action_idx",
                "activities_actor_idx",
                "activities_target_idx",
                "attachments_blob_idx",
                "attachments_message_idx",
                "calendar_changes_calendar_idx",
                "calendar_items_href_idx",
                "calendars_account_href_idx",
                "chat_messages_session_idx",
                "chat_requests_day_idx",
                "chat_requests_session_idx",
                "chat_sessions_recent_idx",
                "chunks_message_idx",
                "drafts_account_idx",
                "folders_account_name_idx",
                "mail_changes_account_idx",
                "mail_changes_folder_uid_idx",
                "message_locations_folder_date_idx",
                "message_locations_folder_seen_idx",
                "message_locations_folder_uid_idx",
                "message_locations_message_idx",
                "messages_account_message_id_idx",
                "messages_thread_date_idx",
                "outbox_state_idx",
                "proposals_pending_idx",
                "task_suggestions_chat_idx",
                "task_suggestions_message_idx",
                "task_suggestions_status_idx",
                "thread_refs_thread_idx",
                "threads_account_subject_date_idx"
            ]
        );
        for table in ["folders", "messages", "message_locations", "threads", "attachments"] {
            for (name, (_, not_null)) in columns(conn, table)? {
                assert!(not_null || name == "id", "{table}.{name} is NOT NULL");
            }
        }
        Ok(())
    })?;
    drop(store);
    // Opening again applies nothing and keeps the data.
    let store = Store::open(&path, quick())?;
    let version = store.read(|c| {
        c.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
            .map_err(|e| StoreError::from_sqlite(e, "version"))
    })?;
    assert_eq!(version, LATEST_VERSION);
    Ok(())
}

/// A database file migrated only up to `version`, as an older Orbit left it.
fn database_at(path: &std::path::Path, version: u32) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    for m in orbit_store::migrations()
        .iter()
        .filter(|m| m.version <= version)
    {
        conn.execute_batch(m.sql)?;
        conn.pragma_update(None, "user_version", m.version)?;
    }
    Ok(conn)
}

#[test]
fn task_suggestions_keep_their_rows_when_chat_joins_them() -> TestResult {
    // A database at version 13 with a suggestion from mail (and one left by a deleted message),
    // and chat from before: after 0014 the mail one is kept, the orphan gone, and the old chat
    // marked as looked at (it is not read for tasks).
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orbit.sqlite3");
    {
        let conn = database_at(&path, 13)?;
        // The message's account and thread do not matter here.
        conn.pragma_update(None, "foreign_keys", false)?;
        conn.execute_batch(
            "INSERT INTO messages (id, account_id, message_id, thread_id, created_at) VALUES (1, 1, 'a@x', 1, 't');
             INSERT INTO task_suggestions (message_id, title, due, sender, reason, status, created_at)
                 VALUES (1, 'Send the figures', '2026-11-27', 'Maya', 'could you send the figures', 'pending', 't'),
                        (99, 'Gone', '', '', '', 'pending', 't');
             INSERT INTO chat_sessions (id, title, created_at, updated_at) VALUES (1, 'Hi', 't', 't');
             INSERT INTO chat_messages (id, session_id, role, content, created_at)
                 VALUES (1, 1, 'user', '\"remind me to call Ana\"', 't'), (2, 1, 'assistant', '\"ok\"', 't');",
        )?;
    }
    drop(Store::open(&path, quick())?);
    let conn = Connection::open(&path)?;
    let mut stmt = conn.prepare(
        "SELECT message_id, chat_message_id, title, status, found_by FROM task_suggestions ORDER BY id",
    )?;
    type Row = (Option<i64>, Option<i64>, String, String, String);
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(
        rows,
        vec![
            (
                Some(1),
                None,
                "Send the figures".into(),
                "pending".into(),
                "rules".into()
            ),
            (None, Some(1), String::new(), "none".into(), "rules".into()),
        ]
    );
    Ok(())
}

#[test]
fn html_bodies_leave_the_database_and_are_remembered_as_present() -> TestResult {
    // A database at version 16 holding HTML bodies: after 0017 only whether there is one
    // stays (the HTML is read from the raw message when shown), and the rest of the row is kept.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orbit.sqlite3");
    {
        let conn = database_at(&path, 16)?;
        conn.pragma_update(None, "foreign_keys", false)?;
        conn.execute_batch(
            "INSERT INTO messages (id, account_id, message_id, thread_id, subject, body_text, body_html, created_at)
                 VALUES (1, 1, 'a@x', 1, 'Rich', 'hi', '<p>hi</p>', 't'),
                        (2, 1, 'b@x', 1, 'Plain', 'plain', '', 't'),
                        (3, 1, 'c@x', 1, 'Blank', 'blank', '  ', 't');",
        )?;
    }
    drop(Store::open(&path, quick())?);
    let conn = Connection::open(&path)?;
    let names = columns(&conn, "messages")?;
    assert!(
        !names.contains_key("body_html"),
        "the HTML is no longer stored"
    );
    let mut stmt =
        conn.prepare("SELECT id, subject, body_text, has_html FROM messages ORDER BY id")?;
    let rows: Vec<(i64, String, String, bool)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(
        rows,
        vec![
            (1, "Rich".into(), "hi".into(), true),
            (2, "Plain".into(), "plain".into(), false),
            (3, "Blank".into(), "blank".into(), false),
        ]
    );
    Ok(())
}

#[test]
fn a_database_from_a_newer_orbit_is_refused_and_left_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orbit.sqlite3");
    {
        let conn = Connection::open(&path)?;
        conn.execute_batch(
            "CREATE TABLE future (x TEXT) STRICT; INSERT INTO future VALUES ('from the future');",
        )?;
        conn.pragma_update(None, "user_version", LATEST_VERSION + 7)?;
    }
    let before = std::fs::read(&path)?;
    let err = Store::open(&path, quick())
        .err()
        .ok_or("a newer schema must be refused")?;
    assert_eq!(err.kind(), StoreErrorKind::NewerSchema);
    let message = err.to_string();
    assert!(
        message.contains("newer version of Orbit"),
        "clear message: {message}"
    );
    assert!(
        message.contains(&(LATEST_VERSION + 7).to_string()),
        "names the version: {message}"
    );
    assert_eq!(
        std::fs::read(&path)?,
        before,
        "the file is byte-for-byte unchanged"
    );
    assert!(
        !dir.path().join("orbit.sqlite3-wal").exists(),
        "no WAL file was created"
    );
    Ok(())
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_damaged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orbit.sqlite3");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&path, &garbage)?;
    let err = Store::open(&path, quick())
        .err()
        .ok_or("garbage must be refused")?;
    assert_eq!(err.kind(), StoreErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("damaged"), "clear message: {err}");
    assert_eq!(
        std::fs::read(&path)?,
        garbage,
        "the damaged file is not overwritten"
    );
    Ok(())
}

#[test]
fn a_database_locked_by_another_process_gives_a_clear_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orbit.sqlite3");
    let store = Store::open(&path, quick())?;
    // Another process (here: another connection) holds the write lock.
    let other = Connection::open(&path)?;
    other.execute_batch("BEGIN EXCLUSIVE")?;
    let err = store
        .write(|tx| settings::set(tx, "k", "v", "2026-01-01T00:00:00Z"))
        .err()
        .ok_or("the write must fail while locked")?;
    assert_eq!(err.kind(), StoreErrorKind::Locked);
    assert!(
        err.to_string().contains("locked by another process"),
        "{err}"
    );
    let err = Store::open(&path, quick())
        .err()
        .ok_or("opening must fail while locked")?;
    assert_eq!(err.kind(), StoreErrorKind::Locked, "{err}");
    other.execute_batch("ROLLBACK")?;
    store.write(|tx| settings::set(tx, "k", "v", "2026-01-01T00:00:00Z"))?;
    Ok(())
}

#[test]
fn readers_run_while_a_write_is_open() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    store.write(|tx| settings::set(tx, "answer", "41", "t0"))?;
    store.write(|tx| -> Result<(), StoreError> {
        settings::set(tx, "answer", "42", "t1")?;
        // While this write is uncommitted, a reader on another thread sees the old value.
        let seen = std::thread::scope(|s| {
            s.spawn(|| store.read(|c| settings::get(c, "answer")))
                .join()
                .map_err(|_| StoreError::from_sqlite(rusqlite::Error::InvalidQuery, "join"))
        })??;
        assert_eq!(seen.as_deref(), Some("41"), "readers see the last commit");
        Ok(())
    })?;
    assert_eq!(
        store.read(|c| settings::get(c, "answer"))?.as_deref(),
        Some("42")
    );
    Ok(())
}

#[test]
fn commits_are_copied_into_the_database_by_the_background_checkpointer() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orbit.sqlite3");
    let store = Store::open(&path, quick())?;
    let before = std::fs::metadata(&path)?.len();
    // About 2 MiB in 10 commits: far under the writer's own checkpoint bound (32 MiB), so
    // only the background checkpointer copies them into the database file.
    let blob = vec![7u8; 200 * 1024];
    for i in 0..10 {
        store.write(|tx| -> Result<(), StoreError> {
            tx.execute_batch("CREATE TABLE IF NOT EXISTS scratch (n INTEGER, data BLOB)")
                .map_err(|e| StoreError::from_sqlite(e, "create"))?;
            tx.execute(
                "INSERT INTO scratch (n, data) VALUES (?1, ?2)",
                rusqlite::params![i, blob],
            )
            .map_err(|e| StoreError::from_sqlite(e, "insert"))?;
            Ok(())
        })?;
    }
    let wanted = before + 2 * 1024 * 1024;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(&path)?.len() < wanted {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file stayed at {} bytes (the WAL holds everything)",
            std::fs::metadata(&path)?.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Caches of parsed calendar items trust `items_fingerprint` and `item_versions`: every write
/// must change them, however close in time and whatever the text's length, and a new item
/// that takes a removed one's row id must not look like it.
#[test]
fn every_calendar_item_write_changes_its_version_and_the_fingerprint() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    let account = store.write(|tx| accounts::insert(tx, &sample("cal@example.com"), "t0"))?;
    let cal = store.write(|tx| calendar::upsert_calendar(tx, account, "/c/", "C", ""))?;
    let put = |href: &str, uid: &str, ics: &str| {
        store.write(|tx| {
            calendar::upsert_item(
                tx,
                cal,
                &calendar::NewItem {
                    href,
                    etag: "",
                    uid,
                    ics,
                    parse_error: "",
                },
                "t1",
            )
        })
    };
    type Seen = (String, Vec<(i64, i64, i64)>);
    let seen = || -> Result<Seen, StoreError> {
        Ok((
            store.read(calendar::items_fingerprint)?,
            store.read(calendar::item_versions)?,
        ))
    };
    put("/c/a.ics", "a", "DUE:20261204")?;
    put("/c/b.ics", "b", "DUE:20261205")?;
    let first = seen()?;
    // The same second, the same length.
    put("/c/b.ics", "b", "DUE:20261127")?;
    let edited = seen()?;
    assert_ne!(edited.0, first.0, "fingerprint after an edit");
    assert_ne!(edited.1, first.1, "versions after an edit");
    // The newest item removed and another added in its row.
    put("/c/c.ics", "c", "DUE:20261128")?;
    let added = seen()?;
    store.write(|tx| calendar::delete_item(tx, cal, "/c/c.ics"))?;
    put("/c/d.ics", "d", "DUE:20261129")?;
    let replaced = seen()?;
    assert_ne!(replaced.0, added.0, "fingerprint after remove and add");
    assert_ne!(replaced.1, added.1, "versions after remove and add");
    Ok(())
}

#[test]
fn a_failed_write_rolls_back_everything_in_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    let result: Result<(), StoreError> = store.write(|tx| {
        settings::set(tx, "half", "written", "t")?;
        Err(StoreError::from_sqlite(
            rusqlite::Error::InvalidQuery,
            "simulated failure",
        ))
    });
    assert!(result.is_err());
    assert_eq!(
        store.read(|c| settings::get(c, "half"))?,
        None,
        "nothing was committed"
    );
    Ok(())
}

fn sample(email: &str) -> AccountWrite {
    AccountWrite {
        name: "Work".into(),
        email: email.into(),
        username: "alice".into(),
        imap: Some(Endpoint {
            host: "imap.example.com".into(),
            port: 993,
            security: "tls".into(),
        }),
        smtp: None,
        caldav_url: Some("https://dav.example.com/".into()),
    }
}

#[test]
fn accounts_round_trip_and_emails_are_unique() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    let id = store.write(|tx| accounts::insert(tx, &sample("alice@example.com"), "t0"))?;
    let row = store
        .read(|c| accounts::get(c, id))?
        .ok_or("the account exists")?;
    assert_eq!(row.fields, sample("alice@example.com"));
    assert_eq!(row.last_test, None);
    let dup = store.write(|tx| accounts::insert(tx, &sample("ALICE@example.com"), "t1"));
    assert_eq!(
        dup.err().map(|e| e.kind()),
        Some(StoreErrorKind::Constraint)
    );
    store.write(|tx| accounts::delete(tx, id))?;
    let again = store.write(|tx| accounts::insert(tx, &sample("alice@example.com"), "t2"))?;
    assert!(
        again > id,
        "ids are never reused (keyring entries are keyed by them)"
    );
    assert_eq!(
        store
            .write(|tx| accounts::delete(tx, 9999))
            .err()
            .map(|e| e.kind()),
        Some(StoreErrorKind::NotFound)
    );
    Ok(())
}

#[test]
fn activities_filter_by_actor_action_prefix_and_target() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    store.write(|tx| -> Result<(), StoreError> {
        for (actor, action, target) in [
            ("user", "account.added", "account:1"),
            ("user", "account.tested", "account:1"),
            ("sync", "account.tested", "account:1"),
            ("user", "settings.changed", ""),
            ("user", "accounting.other", ""),
        ] {
            activities::append(
                tx,
                &NewActivity {
                    at: "t",
                    actor,
                    action,
                    target,
                    summary: "s",
                    details: "{}",
                },
            )?;
        }
        Ok(())
    })?;
    let list = |filter: ActivityFilter| {
        store.read(|c| activities::list(c, &filter)).map(|rows| {
            rows.into_iter()
                .map(|r| format!("{} {}", r.actor, r.action))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(
        list(ActivityFilter {
            action: Some("account".into()),
            limit: 10,
            ..Default::default()
        })?,
        [
            "sync account.tested",
            "user account.tested",
            "user account.added"
        ],
        "a prefix matches whole dotted segments only, newest first"
    );
    assert_eq!(
        list(ActivityFilter {
            actor: Some("sync".into()),
            limit: 10,
            ..Default::default()
        })?,
        ["sync account.tested"]
    );
    assert_eq!(
        list(ActivityFilter {
            limit: 2,
            ..Default::default()
        })?
        .len(),
        2
    );
    let bad = store.write(|tx| {
        activities::append(
            tx,
            &NewActivity {
                at: "t",
                actor: "robot",
                action: "x",
                target: "",
                summary: "",
                details: "{}",
            },
        )
    });
    assert_eq!(
        bad.err().map(|e| e.kind()),
        Some(StoreErrorKind::Constraint),
        "actor is checked"
    );
    Ok(())
}

/// The hot mail queries use their indexes (without the `uid > 0` term the partial index on
/// (folder_id, uid) is skipped, which made a 50k-message first sync quadratic): checked with
/// EXPLAIN QUERY PLAN on the statements as the store writes them, with bound parameters.
#[test]
fn hot_mail_queries_use_their_indexes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    store.read(|conn| -> Result<(), Box<dyn std::error::Error>> {
        let plan = |sql: &str| -> rusqlite::Result<String> {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            // Bound parameters, as in the real statements: SQLite cannot see their values.
            let params: Vec<i64> = (0..stmt.parameter_count()).map(|_| 5).collect();
            let rows: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(params), |r| r.get::<_, String>(3))?
                .collect::<Result<_, _>>()?;
            Ok(rows.join(" | "))
        };
        for (sql, index) in [
            ("DELETE FROM message_locations WHERE folder_id = ?1 AND uid = ?2 AND uid > 0", "message_locations_folder_uid_idx"),
            ("SELECT id, message FROM message_locations WHERE folder_id = ?1 AND uid = ?2 AND uid > 0", "message_locations_folder_uid_idx"),
            ("SELECT id FROM message_locations WHERE folder_id = ?1 ORDER BY date DESC, id DESC LIMIT 50 OFFSET 50000", "COVERING INDEX message_locations_folder_date_idx"),
            ("SELECT id FROM messages WHERE account_id = ?1 AND message_id = ?2", "messages_account_message_id_idx"),
            ("DELETE FROM message_locations INDEXED BY message_locations_message_idx WHERE message = ?2 AND folder_id = ?1 AND uid = 0", "message_locations_message_idx"),
            ("SELECT thread_id FROM thread_refs WHERE account_id = ?1 AND ref = ?2", "PRIMARY KEY"),
            ("SELECT id, participants, last_date FROM threads WHERE account_id = ?1 AND subject_key = ?2 ORDER BY last_date DESC LIMIT 20", "threads_account_subject_date_idx"),
        ] {
            let found = plan(sql)?;
            assert!(found.contains(index), "{sql}\n  uses {found}\n  expected {index}");
            // Read in index order: no sort of every matching row before the LIMIT.
            assert!(!found.contains("TEMP B-TREE"), "{sql}\n  sorts: {found}");
        }
        Ok(())
    })?;
    Ok(())
}

/// Known correspondents: everyone on mail in a Sent folder (to, cc, bcc), and the user's own
/// addresses; not the senders of received mail.
#[test]
fn known_correspondents_come_from_sent_mail_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    let account = store.write(|tx| accounts::insert(tx, &sample("Me@Example.com"), "t0"))?;
    let conn = Connection::open(dir.path().join("orbit.sqlite3"))?;
    conn.execute_batch(&format!(
            "INSERT INTO folders (id, account_id, name, role) VALUES (1, {account}, 'Sent', 'sent'), (2, {account}, 'INBOX', 'inbox');
             INSERT INTO threads (id, account_id) VALUES (1, {account});
             INSERT INTO messages (id, account_id, message_id, thread_id, recipients, created_at) VALUES
               (1, {account}, 'a@x', 1, '{{\"to\":[{{\"name\":\"Bob\",\"email\":\"Bob@Example.org\"}}],\"cc\":[{{\"name\":\"\",\"email\":\"carol@example.org\"}}]}}', 't'),
               (2, {account}, 'b@x', 1, '{{\"to\":[{{\"name\":\"Me\",\"email\":\"me@example.com\"}}]}}', 't');
             UPDATE messages SET from_email = 'mallory@evil.example' WHERE id = 2;
             INSERT INTO message_locations (message, folder_id, uid) VALUES (1, 1, 1), (2, 2, 1);"
    ))?;
    let mut known = store.read(orbit_store::assistant::known_correspondents)?;
    known.sort();
    assert_eq!(
        known,
        ["bob@example.org", "carol@example.org", "me@example.com"]
    );
    Ok(())
}

/// Storing a message marks it for the search index (by its location and by each attachment)
/// and, only while semantic search is on, for the embedder: in the statements that store it,
/// as the insert triggers did before migration 0018.
#[test]
fn a_stored_message_is_marked_for_search_and_for_embedding_only_when_that_is_on() -> TestResult {
    use orbit_store::mail;
    use rusqlite::OptionalExtension as _;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    let account = store.write(|tx| accounts::insert(tx, &sample("me@example.com"), "t0"))?;
    let store_one = |id: &str, with_attachment: bool| {
        store.write(|tx| -> Result<i64, StoreError> {
            let folder = mail::upsert_folder(tx, account, "INBOX", "/", "inbox", true)?;
            let thread = mail::create_thread(tx, account, "", &[], 0)?;
            let message = mail::insert_message(
                tx,
                &mail::NewMessage {
                    account_id: account,
                    message_id: id,
                    thread_id: thread,
                    subject: "hello",
                    from_name: "",
                    from_email: "a@example.org",
                    recipients: "{}",
                    date: 1,
                    snippet: "",
                    body_text: "body",
                    has_html: false,
                    has_attachments: with_attachment,
                    size: 10,
                    raw_blob: "",
                    raw_pack: "p",
                    raw_offset: 0,
                    in_reply_to: "",
                    refs: "[]",
                    defects: "[]",
                    created_at: "t",
                },
            )?;
            if with_attachment {
                mail::insert_attachment(tx, message, 0, "a.txt", "text/plain", "", false, 3, "k")?;
            }
            mail::place_new_message(
                tx,
                message,
                folder,
                7 + u32::from(with_attachment),
                0,
                1,
                &mail::Flags::default(),
            )?;
            Ok(message)
        })
    };
    let pending = |table: &str, message: i64| {
        store.read(|c| -> Result<Option<i64>, Box<dyn std::error::Error>> {
            Ok(c.query_row(
                &format!("SELECT version FROM {table} WHERE message = ?1"),
                [message],
                |r| r.get(0),
            )
            .optional()?)
        })
    };

    let plain = store_one("plain@x", false)?;
    assert_eq!(
        pending("search_pending", plain)?,
        Some(1),
        "marked once, by its location"
    );
    assert_eq!(
        pending("embed_pending", plain)?,
        None,
        "semantic search is off"
    );

    store.write(|tx| settings::set(tx, "search.embeddings", "on", "t1"))?;
    let attached = store_one("attached@x", true)?;
    assert_eq!(
        pending("search_pending", attached)?,
        Some(2),
        "marked by its attachment and again by its location"
    );
    assert_eq!(
        pending("embed_pending", attached)?,
        Some(1),
        "semantic search is on"
    );
    Ok(())
}

/// A conversation records the Message-IDs it knows; one another conversation knew moves to it
/// (its row is updated, not duplicated).
#[test]
fn add_refs_records_new_refs_and_moves_known_ones() -> TestResult {
    use orbit_store::mail;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("orbit.sqlite3"), quick())?;
    let account = store.write(|tx| accounts::insert(tx, &sample("me@example.com"), "t0"))?;
    let refs = |ids: &[&str]| ids.iter().map(|id| (*id).to_string()).collect::<Vec<_>>();
    let (first, second) = store.write(|tx| -> Result<(i64, i64), StoreError> {
        let first = mail::create_thread(tx, account, "", &[], 0)?;
        let second = mail::create_thread(tx, account, "", &[], 0)?;
        mail::add_refs(tx, account, first, &refs(&["a@x", "b@x"]))?;
        mail::add_refs(tx, account, second, &refs(&["b@x", "c@x"]))?;
        Ok((first, second))
    })?;
    let found =
        store.read(|c| mail::ref_threads(c, account, &refs(&["a@x", "b@x", "c@x", "d@x"])))?;
    assert_eq!(found, [Some(first), Some(second), Some(second), None]);
    let rows: i64 = store.read(|c| {
        c.query_row("SELECT count(*) FROM thread_refs", [], |r| r.get(0))
            .map_err(|e| StoreError::from_sqlite(e, "count"))
    })?;
    assert_eq!(rows, 3, "one row per ref");
    Ok(())
}

/// The writer's WAL bound, in pages (`PRAGMA wal_autocheckpoint` is per connection).
fn autocheckpoint(store: &Store) -> Result<u32, StoreError> {
    store.write(|tx| {
        tx.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .map_err(|e| StoreError::from_sqlite(e, "autocheckpoint"))
    })
}

/// A new database gets 16 KiB pages (a first sync writes a quarter of the pages it would
/// with SQLite's 4 KiB), and the writer's checkpoint bound is counted in bytes; a database
/// an older Orbit created with 4 KiB pages keeps them and opens as before.
#[test]
fn new_databases_use_16_kib_pages_and_older_ones_keep_theirs() -> TestResult {
    let dir = tempfile::tempdir()?;
    let page_size = |path: &std::path::Path| -> rusqlite::Result<(u32, u32)> {
        let conn = Connection::open(path)?;
        let size = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let count = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        Ok((size, count))
    };
    let fresh = dir.path().join("fresh.sqlite3");
    let store = Store::open(&fresh, quick())?;
    let bound = autocheckpoint(&store)?;
    assert_eq!(bound, 32 * 1024 * 1024 / 16384, "32 MiB of 16 KiB pages");
    drop(store);
    assert_eq!(page_size(&fresh)?.0, 16384);

    let old = dir.path().join("old.sqlite3");
    {
        let conn = database_at(&old, 1)?;
        conn.execute_batch("PRAGMA journal_mode = WAL")?;
    }
    assert_eq!(
        page_size(&old)?.0,
        4096,
        "SQLite's default, as older Orbits left it"
    );
    let store = Store::open(&old, quick())?;
    let version: u32 = store.read(|c| {
        c.query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| StoreError::from_sqlite(e, "version"))
    })?;
    assert_eq!(version, LATEST_VERSION);
    let bound = autocheckpoint(&store)?;
    assert_eq!(bound, 32 * 1024 * 1024 / 4096, "32 MiB of 4 KiB pages");
    drop(store);
    let (size, pages) = page_size(&old)?;
    assert_eq!(size, 4096);
    assert!(pages > 1);
    Ok(())
}

/// SQLite is built with the options in `.cargo/config.toml` (`LIBSQLITE3_FLAGS`): without
/// them every allocation SQLite makes takes a global mutex to keep statistics no one reads.
#[test]
fn sqlite_is_built_with_the_fast_options() -> TestResult {
    let conn = Connection::open_in_memory()?;
    let mut stmt = conn.prepare("PRAGMA compile_options")?;
    let options = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for wanted in ["DEFAULT_MEMSTATUS=0", "OMIT_SHARED_CACHE", "USE_ALLOCA"] {
        assert!(
            options.iter().any(|o| o == wanted),
            "SQLite was built without {wanted}: {options:?}"
        );
    }
    Ok(())
}
