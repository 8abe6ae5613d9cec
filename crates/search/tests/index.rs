//! The index against the query language: what each kind of query finds, across languages,
//! accents, phrases, prefixes, filters and grouping; and rebuilding a damaged index.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]

use orbit_search::{MessageDoc, Opened, ParseOptions, SearchIndex, parse};

const NOW: i64 = 1_767_225_600; // 2026-01-01
const DAY: i64 = 86_400;

fn doc(id: i64, thread: i64, subject: &str, from: &str, body: &str) -> MessageDoc {
    MessageDoc {
        id,
        thread,
        account: 1,
        date: NOW - id * DAY,
        folders: vec![1],
        subject: subject.into(),
        from: from.into(),
        to: "Sam Rivera sam@example.com".into(),
        body: body.into(),
        ..MessageDoc::default()
    }
}

fn corpus() -> Vec<MessageDoc> {
    let mut docs = vec![
        doc(
            1,
            1,
            "Quarterly report",
            "Alice Martin alice@example.com",
            "The quarterly report is attached. Invoices follow.",
        ),
        doc(
            2,
            1,
            "Re: Quarterly report",
            "Bob Stone bob@example.com",
            "Thanks, the report looks fine.",
        ),
        doc(
            3,
            3,
            "Rechnungen für März",
            "Jürgen Müller juergen@beispiel.de",
            "Anbei die Rechnungen des Monats.",
        ),
        doc(
            4,
            4,
            "Réunion de l'équipe",
            "Élodie Durand elodie@exemple.fr",
            "La réunion aura lieu à Genève.",
        ),
        doc(
            5,
            5,
            "Facturas pendientes",
            "Lucía García lucia@ejemplo.es",
            "Las facturas están pendientes de pago.",
        ),
        doc(
            6,
            6,
            "Lunch?",
            "Alice Martin alice@example.com",
            "Noon at the usual place? No report talk.",
        ),
        doc(
            7,
            7,
            "Holiday photos",
            "Carol King carol@example.com",
            "Photos from the trip, see attachments.",
        ),
    ];
    docs[6].has_attachment = true;
    docs[6].filenames = vec!["beach-2025.jpg".into()];
    docs[5].unread = true;
    docs[4].flagged = true;
    docs[2].folders = vec![2];
    docs
}

fn index() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let (index, opened) = SearchIndex::open(&dir.path().join("search")).unwrap();
    assert_eq!(opened, Opened::Created);
    let mut w = index.writer().unwrap();
    for d in corpus() {
        w.upsert(&d).unwrap();
    }
    w.commit().unwrap();
    index.reload().unwrap();
    (dir, index)
}

fn options(as_you_type: bool) -> ParseOptions {
    ParseOptions {
        now: NOW,
        utc_offset: 0,
        as_you_type,
    }
}

fn folders(name: &str) -> Vec<i64> {
    match name.to_lowercase().as_str() {
        "inbox" => vec![1],
        "archive" => vec![2],
        _ => vec![],
    }
}

fn ids(index: &SearchIndex, q: &str) -> Vec<i64> {
    let node = parse(q, options(false)).unwrap();
    let found = index.search(&node, &folders, 50, NOW).unwrap();
    let mut ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    ids.sort_unstable();
    ids
}

fn total(index: &SearchIndex, q: &str) -> usize {
    let node = parse(q, options(false)).unwrap();
    index.search(&node, &folders, 50, NOW).unwrap().total
}

#[test]
fn words_stems_and_accents_in_four_languages() {
    let (_d, index) = index();
    assert_eq!(total(&index, "report"), 3);
    assert_eq!(
        ids(&index, "invoice"),
        vec![1],
        "English stem: invoices → invoice"
    );
    assert_eq!(
        ids(&index, "rechnung"),
        vec![3],
        "German stem: Rechnungen → Rechnung"
    );
    assert_eq!(ids(&index, "muller"), vec![3], "accent folded: Müller");
    assert_eq!(ids(&index, "Müller"), vec![3]);
    assert_eq!(ids(&index, "reunion"), vec![4], "French: réunion");
    assert_eq!(ids(&index, "geneve"), vec![4]);
    assert_eq!(
        ids(&index, "factura"),
        vec![5],
        "Spanish stem: facturas → factura"
    );
    assert_eq!(ids(&index, "garcia"), vec![5]);
}

#[test]
fn phrases_fields_and_operators() {
    let (_d, index) = index();
    assert_eq!(total(&index, "\"quarterly report\""), 2);
    assert_eq!(ids(&index, "\"report quarterly\""), Vec::<i64>::new());
    assert_eq!(ids(&index, "from:alice"), vec![1, 6]);
    assert_eq!(ids(&index, "from:alice@example.com"), vec![1, 6]);
    assert_eq!(ids(&index, "from:alice report"), vec![1, 6]);
    assert_eq!(ids(&index, "from:alice -lunch"), vec![1]);
    assert_eq!(ids(&index, "subject:lunch OR subject:photos"), vec![6, 7]);
    assert_eq!(ids(&index, "(lunch OR photos) -carol"), vec![6]);
    assert_eq!(ids(&index, "to:sam"), vec![1, 3, 4, 5, 6, 7]);
    assert_eq!(
        total(&index, "-report"),
        4,
        "only a negation: everything else"
    );
    assert_eq!(ids(&index, "report NOT bob"), vec![1, 6]);
}

#[test]
fn filters_dates_folders_and_attachments() {
    let (_d, index) = index();
    assert_eq!(ids(&index, "has:attachment"), vec![7]);
    assert_eq!(ids(&index, "filename:beach"), vec![7]);
    assert_eq!(ids(&index, "is:unread"), vec![6]);
    assert_eq!(ids(&index, "is:flagged"), vec![5]);
    assert_eq!(ids(&index, "in:archive"), vec![3]);
    assert_eq!(total(&index, "newer_than:3d"), 3);
    assert_eq!(
        ids(&index, "newer_than:3d"),
        vec![1, 3],
        "2 is in 1's conversation"
    );
    assert_eq!(
        ids(&index, "older_than:5d"),
        vec![5, 6, 7]
            .into_iter()
            .filter(|&i| i > 5)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        ids(&index, "after:2025-12-29 before:2025-12-31"),
        vec![2, 3],
        "local days, start included"
    );
    let bad = parse("in:nowhere", options(false)).unwrap();
    let err = index.search(&bad, &folders, 10, NOW).unwrap_err();
    assert!(err.to_string().contains("no folder “nowhere”"), "{err}");
}

#[test]
fn as_you_type_prefixes_and_conversation_grouping() {
    let (_d, index) = index();
    let typing = |q: &str| {
        let node = parse(q, options(true)).unwrap();
        let mut ids: Vec<i64> = index
            .search(&node, &folders, 50, NOW)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.id)
            .collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(typing("phot"), vec![7]);
    assert_eq!(
        typing("quarterly rep"),
        vec![1],
        "one conversation: the best message of it"
    );
    assert_eq!(typing("Jürg"), vec![3]);
    let node = parse("quarterly", options(false)).unwrap();
    let found = index.search(&node, &folders, 50, NOW).unwrap();
    assert_eq!(found.total, 2);
    assert_eq!(found.hits.len(), 1);
    assert_eq!(found.hits[0].more_in_thread, 1);
}

#[test]
fn recent_mail_ranks_up_and_snippets_mark_the_words() {
    let (_d, index) = index();
    let mut w = index.writer().unwrap();
    for (id, age) in [(20, 200), (21, 1), (22, 40)] {
        let mut d = doc(id, id, "Zebra crossing", "Dan Dee dan@example.com", "zebra");
        d.date = NOW - age * DAY;
        w.upsert(&d).unwrap();
    }
    w.commit().unwrap();
    index.reload().unwrap();
    let node = parse("zebra", options(false)).unwrap();
    let found = index.search(&node, &folders, 50, NOW).unwrap();
    assert_eq!(
        found.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![21, 22, 20],
        "newer first at equal relevance"
    );
    let text = "Noon at the usual place? No report talk.";
    let (fragment, marks) = index
        .snippets(
            &parse("report", options(false)).unwrap(),
            &folders,
            &[text],
            200,
        )
        .unwrap()
        .remove(0);
    assert!(text.starts_with(&fragment), "{fragment}");
    assert_eq!(marks.len(), 1);
    assert_eq!(&fragment[marks[0].0..marks[0].1], "report");
}

#[test]
fn updates_replace_and_removals_remove() {
    let (_d, index) = index();
    let mut w = index.writer().unwrap();
    let mut changed = corpus()[5].clone();
    changed.unread = false;
    changed.subject = "Dinner?".into();
    w.upsert(&changed).unwrap();
    w.remove(7);
    w.commit().unwrap();
    index.reload().unwrap();
    assert_eq!(index.count(), 6);
    assert_eq!(ids(&index, "is:unread"), Vec::<i64>::new());
    assert_eq!(ids(&index, "dinner"), vec![6]);
    assert_eq!(ids(&index, "lunch"), Vec::<i64>::new());
    assert_eq!(ids(&index, "photos"), Vec::<i64>::new());
}

#[test]
fn a_damaged_or_older_index_is_created_again() {
    let (dir, index) = index();
    let path = index.dir().to_path_buf();
    drop(index);
    let (again, opened) = SearchIndex::open(&path).unwrap();
    assert_eq!(opened, Opened::Existing);
    assert_eq!(again.count(), 7);
    drop(again);
    std::fs::write(path.join("orbit-index-version"), "0").unwrap();
    let (fresh, opened) = SearchIndex::open(&path).unwrap();
    assert_eq!(opened, Opened::Created);
    assert_eq!(fresh.count(), 0);
    drop(fresh);
    std::fs::write(path.join("meta.json"), "{ not json").unwrap();
    let (fresh, opened) = SearchIndex::open(&path).unwrap();
    assert_eq!(opened, Opened::Created);
    assert_eq!(fresh.count(), 0);
    drop(dir);
}

#[test]
fn a_second_writer_is_told_the_index_is_busy() {
    let (_d, index) = index();
    let _first = index.writer().unwrap();
    let second = index.writer();
    assert!(
        matches!(second, Err(orbit_search::IndexError::Busy)),
        "{second:?}"
    );
}
