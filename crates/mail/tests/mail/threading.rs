//! The threading table: each case lists messages and the conversations expected, and is run
//! in the given order and under several shuffles (the grouping must not depend on order).

use std::collections::BTreeSet;

use orbit_mail::thread::{ThreadInput, group, subject_fallback_allowed};

use crate::Lcg;

const DAY: i64 = 86_400;
const T0: i64 = 1_700_000_000;

/// A message: id, references, in-reply-to, subject, from, to, date (days after T0).
fn msg(
    id: &str,
    refs: &[&str],
    irt: &[&str],
    subject: &str,
    from: &str,
    to: &[&str],
    day: i64,
) -> ThreadInput {
    let mut participants: Vec<String> = to.iter().map(|s| s.to_lowercase()).collect();
    participants.push(from.to_lowercase());
    ThreadInput {
        message_id: format!("<{id}>"),
        in_reply_to: irt.iter().map(|s| format!("<{s}>")).collect(),
        references: refs.iter().map(|s| s.to_string()).collect(),
        subject: subject.to_string(),
        from: Some(from.to_string()),
        participants,
        date: Some(T0 + day * DAY),
    }
}

/// Groups as sets of ids, order-free, so runs over shuffles compare.
fn canonical(messages: &[ThreadInput], groups: &[Vec<usize>]) -> BTreeSet<BTreeSet<String>> {
    groups
        .iter()
        .map(|g| g.iter().map(|&i| label(&messages[i])).collect())
        .collect()
}

/// An id that tells duplicates apart: id plus subject.
fn label(m: &ThreadInput) -> String {
    format!("{}|{}", m.message_id.trim_matches(['<', '>']), m.subject)
}

fn expected(messages: &[ThreadInput], groups: &[&[&str]]) -> BTreeSet<BTreeSet<String>> {
    groups
        .iter()
        .map(|g| {
            g.iter()
                .flat_map(|id| {
                    messages
                        .iter()
                        .filter(|m| m.message_id.trim_matches(['<', '>']) == *id)
                        .map(label)
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

/// The contract every result keeps: each index exactly once, groups sorted by date then
/// index, groups sorted by their first index.
fn check_shape(messages: &[ThreadInput], groups: &[Vec<usize>], case: &str) {
    let mut seen = vec![false; messages.len()];
    for g in groups {
        assert!(!g.is_empty(), "{case}: empty group");
        for &i in g {
            assert!(!seen[i], "{case}: index {i} twice");
            seen[i] = true;
        }
        let keys: Vec<(bool, Option<i64>, usize)> = g
            .iter()
            .map(|&i| (messages[i].date.is_none(), messages[i].date, i))
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "{case}: group not sorted by date: {g:?}"
        );
    }
    assert!(seen.iter().all(|&s| s), "{case}: some index missing");
    let firsts: Vec<usize> = groups.iter().map(|g| g[0]).collect();
    assert!(
        firsts.windows(2).all(|w| w[0] < w[1]),
        "{case}: groups not sorted: {firsts:?}"
    );
}

struct Case {
    name: &'static str,
    messages: Vec<ThreadInput>,
    groups: Vec<&'static [&'static str]>,
}

fn cases() -> Vec<Case> {
    let a = "alice@example.com";
    let b = "bob@example.com";
    let c = "carol@example.com";
    let d = "dave@example.com";
    vec![
        Case {
            name: "straight chain",
            messages: vec![
                msg("a", &[], &[], "Plan", a, &[b], 0),
                msg("b", &["a"], &["a"], "Re: Plan", b, &[a], 1),
                msg("c", &["a", "b"], &["b"], "Re: Plan", a, &[b], 2),
            ],
            groups: vec![&["a", "b", "c"]],
        },
        Case {
            name: "missing middle message",
            messages: vec![
                msg("a", &[], &[], "Plan", a, &[b], 0),
                msg("c", &["a", "b"], &["b"], "Re: Plan", a, &[b], 2),
                msg("d", &["a", "b", "c"], &["c"], "Re: Plan", b, &[a], 3),
            ],
            groups: vec![&["a", "c", "d"]],
        },
        Case {
            name: "replies to a missing root share its placeholder",
            messages: vec![
                msg("b", &[], &["gone"], "Re: Plan", b, &[a], 1),
                msg("c", &[], &["gone"], "Re: Plan", c, &[a], 2),
            ],
            groups: vec![&["b", "c"]],
        },
        Case {
            name: "only In-Reply-To",
            messages: vec![
                msg("a", &[], &[], "Plan", a, &[b], 0),
                msg("b", &[], &["a"], "Re: Plan", b, &[a], 1),
                msg("c", &[], &["b"], "Re: Plan", a, &[b], 2),
            ],
            groups: vec![&["a", "b", "c"]],
        },
        Case {
            name: "references out of order",
            messages: vec![
                msg("a", &[], &[], "Plan", a, &[b], 0),
                msg("b", &["a"], &["a"], "Re: Plan", b, &[a], 1),
                msg("c", &["b", "a"], &[], "Re: Plan", a, &[b], 2),
                msg("d", &["c", "a", "b"], &["c"], "Re: Plan", b, &[a], 3),
            ],
            groups: vec![&["a", "b", "c", "d"]],
        },
        Case {
            name: "reply arriving (and dated) before its parent",
            messages: vec![
                msg("r", &["p"], &["p"], "Re: Plan", b, &[a], 0),
                msg("p", &[], &[], "Plan", a, &[b], 1),
            ],
            groups: vec![&["r", "p"]],
        },
        Case {
            name: "unrelated Re: hello from different people stay apart",
            messages: vec![
                msg("h1", &[], &[], "Re: hello", a, &[b], 0),
                msg("h2", &[], &[], "Re: hello", c, &[d], 1),
                msg(
                    "h3",
                    &[],
                    &[],
                    "hello",
                    "erin@example.com",
                    &["frank@example.com"],
                    2,
                ),
            ],
            groups: vec![&["h1"], &["h2"], &["h3"]],
        },
        Case {
            name: "Re: hello from a participant joins",
            messages: vec![
                msg("o", &[], &[], "hello", a, &[b], 0),
                msg("r", &[], &[], "Re: hello", b, &[a], 1),
                msg("x", &[], &[], "Re: hello", c, &[d], 1),
            ],
            groups: vec![&["o", "r"], &["x"]],
        },
        Case {
            name: "a reply joins through participants an earlier reply brought in",
            messages: vec![
                msg("o", &[], &[], "hello", a, &[b], 0),
                msg("r1", &[], &[], "RE: Hello", b, &[a, c], 1),
                msg("r2", &[], &[], "Re: hello", c, &[b], 2),
            ],
            groups: vec![&["o", "r1", "r2"]],
        },
        Case {
            name: "the original's sender among the reply's participants (vice versa) joins",
            messages: vec![
                msg("o", &[], &[], "hello", a, &[], 0),
                msg("r", &[], &[], "Fwd: hello", "zed@example.com", &[a], 1),
            ],
            groups: vec![&["o", "r"]],
        },
        Case {
            name: "same subject 200 days apart stays apart, 30 days joins",
            messages: vec![
                msg("o", &[], &[], "hello", a, &[b], 0),
                msg("late", &[], &[], "Re: hello", b, &[a], 200),
                msg("soon", &[], &[], "Re: hello", b, &[a], 30),
            ],
            groups: vec![&["o", "soon"], &["late"]],
        },
        Case {
            name: "two originals with the same subject stay apart",
            messages: vec![
                msg("o1", &[], &[], "Lunch?", a, &[b], 0),
                msg("o2", &[], &[], "Lunch?", a, &[b], 7),
            ],
            groups: vec![&["o1"], &["o2"]],
        },
        Case {
            name: "cycle in references",
            messages: vec![
                msg("a", &["b"], &["b"], "Loop", a, &[b], 0),
                msg("b", &["a"], &["a"], "Re: Loop", b, &[a], 1),
                msg("c", &["b", "a", "c"], &["a"], "Re: Loop", a, &[b], 2),
            ],
            groups: vec![&["a", "b", "c"]],
        },
        Case {
            name: "duplicate Message-IDs",
            messages: vec![
                msg("a", &[], &[], "Copy", a, &[b], 0),
                msg("a", &[], &[], "Copy (sent folder)", a, &[b], 0),
                msg("b", &["a"], &["a"], "Re: Copy", b, &[a], 1),
                msg("z", &[], &[], "Other", c, &[d], 1),
            ],
            groups: vec![&["a", "b"], &["z"]],
        },
        Case {
            name: "a message referencing itself",
            messages: vec![
                msg("s", &["s"], &["s"], "Self", a, &[b], 0),
                msg("t", &["s", "t"], &["t"], "Re: Self", b, &[a], 1),
                msg("u", &["u"], &[], "Alone", c, &[d], 2),
            ],
            groups: vec![&["s", "t"], &["u"]],
        },
        Case {
            name: "no Message-ID",
            messages: vec![
                ThreadInput {
                    subject: "Nothing".into(),
                    ..ThreadInput::default()
                },
                ThreadInput {
                    subject: "Re: Nothing".into(),
                    ..ThreadInput::default()
                },
                msg("a", &[], &[], "Something", a, &[b], 0),
            ],
            groups: vec![&["a"]],
        },
    ]
}

#[test]
fn threading_table() {
    let mut rng = Lcg::new(42);
    for case in cases() {
        let result = group(&case.messages);
        check_shape(&case.messages, &result, case.name);
        let mut want = expected(&case.messages, &case.groups);
        // Id-less messages each form their own group.
        for m in case.messages.iter().filter(|m| m.message_id.is_empty()) {
            want.insert(BTreeSet::from([label(m)]));
        }
        let got = canonical(&case.messages, &result);
        assert_eq!(got, want, "case {:?}", case.name);

        for round in 0..8 {
            let mut shuffled = case.messages.clone();
            rng.shuffle(&mut shuffled);
            let groups = group(&shuffled);
            check_shape(&shuffled, &groups, case.name);
            assert_eq!(
                canonical(&shuffled, &groups),
                got,
                "case {:?} depends on order (shuffle {round})",
                case.name
            );
        }
    }
}

#[test]
fn thousand_message_chain_in_any_order() {
    let a = "alice@example.com";
    let b = "bob@example.com";
    let ids: Vec<String> = (0..1000).map(|i| format!("m{i}@example.com")).collect();
    let messages: Vec<ThreadInput> = (0..1000usize)
        .map(|i| {
            // Clients trim long References: the first id and the last 20.
            let mut refs: Vec<String> = Vec::new();
            if i > 0 {
                refs.push(ids[0].clone());
                refs.extend(ids[i.saturating_sub(20).max(1)..i].iter().cloned());
            }
            ThreadInput {
                message_id: ids[i].clone(),
                in_reply_to: if i > 0 {
                    vec![ids[i - 1].clone()]
                } else {
                    vec![]
                },
                references: refs,
                subject: if i == 0 {
                    "Long thread".into()
                } else {
                    "Re: Long thread".into()
                },
                from: Some(if i % 2 == 0 { a } else { b }.to_string()),
                participants: vec![a.to_string(), b.to_string()],
                date: Some(T0 + i as i64 * 3600),
            }
        })
        .collect();
    let mut rng = Lcg::new(7);
    for round in 0..5 {
        let mut shuffled = messages.clone();
        if round > 0 {
            rng.shuffle(&mut shuffled);
        }
        let groups = group(&shuffled);
        check_shape(&shuffled, &groups, "1000 chain");
        assert_eq!(groups.len(), 1, "one conversation (shuffle {round})");
        let in_date_order: Vec<&str> = groups[0]
            .iter()
            .map(|&i| shuffled[i].message_id.as_str())
            .collect();
        let want: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(in_date_order, want, "sorted by date (shuffle {round})");
    }
}

#[test]
fn large_unrelated_batch_stays_fast_and_separate() {
    // 2,000 originals with distinct subjects and 2,000 replies: linear-ish, no merging.
    let mut messages = Vec::new();
    for i in 0..2000 {
        let from = format!("u{i}@example.com");
        messages.push(msg(
            &format!("o{i}"),
            &[],
            &[],
            &format!("Topic {i}"),
            &from,
            &["me@x"],
            0,
        ));
        messages.push(ThreadInput {
            message_id: format!("r{i}"),
            in_reply_to: vec![format!("o{i}")],
            subject: format!("Re: Topic {i}"),
            from: Some("me@x".into()),
            participants: vec!["me@x".into(), from],
            date: Some(T0 + DAY),
            ..ThreadInput::default()
        });
    }
    let groups = group(&messages);
    assert_eq!(groups.len(), 2000);
    assert!(groups.iter().all(|g| g.len() == 2));
}

type GuardCase = (
    &'static str,
    Option<&'static str>,
    Option<i64>,
    Option<i64>,
    bool,
);

#[test]
fn subject_fallback_guard_table() {
    let people = vec![
        "alice@example.com".to_string(),
        "bob@example.com".to_string(),
    ];
    // subject, sender, date, conversation's last date, allowed?
    let cases: &[GuardCase] = &[
        (
            "Re: hello",
            Some("bob@example.com"),
            Some(T0),
            Some(T0),
            true,
        ),
        (
            "Re: hello",
            Some("BOB@Example.com"),
            Some(T0),
            Some(T0),
            true,
        ),
        (
            "AW: hello",
            Some("alice@example.com"),
            Some(T0 + 59 * DAY),
            Some(T0),
            true,
        ),
        (
            "Re: hello",
            Some("bob@example.com"),
            Some(T0 + 61 * DAY),
            Some(T0),
            false,
        ),
        (
            "Re: hello",
            Some("bob@example.com"),
            Some(T0 - 200 * DAY),
            Some(T0),
            false,
        ),
        ("Re: hello", Some("bob@example.com"), None, Some(T0), true),
        (
            "Re: hello",
            Some("carol@example.com"),
            Some(T0),
            Some(T0),
            false,
        ),
        ("Re: hello", None, Some(T0), Some(T0), false),
        ("hello", Some("bob@example.com"), Some(T0), Some(T0), false),
        (
            "[list] Re: hello",
            Some("bob@example.com"),
            Some(T0),
            Some(T0),
            true,
        ),
    ];
    for &(subject, sender, date, last, want) in cases {
        assert_eq!(
            subject_fallback_allowed(subject, sender, date, &people, last),
            want,
            "{subject:?} from {sender:?} at {date:?}"
        );
    }
}
