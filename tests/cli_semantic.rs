//! Semantic and hybrid search end to end against a local server that speaks the OpenAI
//! embeddings wire format exactly (JSON body with `model`, `input`, `dimensions`; answers with
//! `data[].index` — deliberately out of order — and a 429 with Retry-After on the first call).
//! Its vectors are deterministic and put related words near each other (a bill and a payment,
//! a trip and a hotel), so the ranking tests mean something.

// serde_json's `value["key"]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use orbit_tests::{Profile, TestResult, hit_subjects as subjects, message};

/// Words that mean the same thing here share a direction.
const CONCEPTS: &[&[&str]] = &[
    &[
        "bill", "invoice", "payment", "pay", "amount", "due", "receipt", "money",
    ],
    &[
        "trip", "flight", "hotel", "travel", "booking", "lisbon", "airport",
    ],
    &["dinner", "lunch", "restaurant", "meal", "food", "eat"],
];

fn hash(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn vector(text: &str, dims: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; dims];
    for word in text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
    {
        let d = u64::try_from(dims).unwrap_or(1);
        v[usize::try_from(hash(word) % d).unwrap_or(0)] += 1.0;
        if let Some(group) = CONCEPTS.iter().position(|g| g.contains(&word)) {
            v[usize::try_from(hash(&format!("concept{group}")) % d).unwrap_or(0)] += 4.0;
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter().map(|x| x / norm).collect()
}

/// What the server saw: each request's headers and body.
type Seen = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

fn embedding_server() -> Result<(u16, Seen), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut data = Vec::new();
            let mut buf = [0u8; 65536];
            // Headers, then the body by Content-Length.
            let (head, body) = loop {
                let Ok(n) = stream.read(&mut buf) else {
                    break (String::new(), Vec::new());
                };
                if n == 0 {
                    break (String::new(), Vec::new());
                }
                data.extend_from_slice(&buf[..n]);
                if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..at]).into_owned();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while data.len() < at + 4 + length {
                        let Ok(n) = stream.read(&mut buf) else { break };
                        if n == 0 {
                            break;
                        }
                        data.extend_from_slice(&buf[..n]);
                    }
                    break (head, data[at + 4..].to_vec());
                }
            };
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let first = {
                let mut l = log
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                l.push((head.clone(), request.clone()));
                l.len() == 1
            };
            let (status, answer, extra) = if first {
                (
                    "429 Too Many Requests",
                    serde_json::json!({"error": {"message": "Rate limit reached", "type": "requests"}}),
                    "Retry-After: 1\r\n",
                )
            } else if !head
                .to_ascii_lowercase()
                .contains("authorization: bearer sk-test")
            {
                (
                    "401 Unauthorized",
                    serde_json::json!({"error": {"message": "Incorrect API key"}}),
                    "",
                )
            } else {
                let dims = request["dimensions"].as_u64().unwrap_or(1536) as usize;
                let inputs: Vec<String> = match &request["input"] {
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().unwrap_or("").to_owned())
                        .collect(),
                    serde_json::Value::String(s) => vec![s.clone()],
                    _ => Vec::new(),
                };
                // Out of order on purpose: clients must map by `index`.
                let data: Vec<serde_json::Value> = inputs
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, text)| serde_json::json!({"object": "embedding", "index": i, "embedding": vector(text, dims)}))
                    .collect();
                (
                    "200 OK",
                    serde_json::json!({"object": "list", "data": data, "model": request["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}),
                    "",
                )
            };
            let body = answer.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Ok((port, seen))
}

fn search(
    profile: &Profile,
    mode: &str,
    query: &str,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    Ok(profile
        .run(&["--json", "search", "--mode", mode, query], None)?
        .json()?)
}

#[test]
fn meaning_finds_what_words_do_not_and_fuses_with_them() -> TestResult {
    let (port, seen) = embedding_server()?;
    let source = tempfile::tempdir()?;
    for (id, from, subject, body) in [
        (
            "m1",
            "Billing <billing@power.example>",
            "Your statement for March",
            "The amount due is 42 EUR, to be paid by the 15th. Receipt attached.",
        ),
        (
            "m2",
            "Ana <ana@example.com>",
            "Lisbon next week",
            "I booked the hotel near the airport for our trip.",
        ),
        (
            "m3",
            "Sam <sam@example.com>",
            "Friday evening",
            "Shall we try the new restaurant for dinner?",
        ),
        (
            "m4",
            "Build bot <ci@example.com>",
            "Build 1482 passed",
            "All tests green on main.",
        ),
        (
            "m5",
            "Ana <ana@example.com>",
            "Payment terms",
            "Our payment terms are thirty days net.",
        ),
    ] {
        std::fs::write(
            source.path().join(format!("{id}.eml")),
            message(&format!("{id}@sem.example"), from, subject, None, body),
        )?;
    }
    let profile = Profile::bare()?.with_env("OPENAI_API_KEY", "sk-test");
    let path = source.path().to_str().unwrap_or_default().to_owned();
    assert!(profile.run(&["import", &path], None)?.ok);
    let base = format!("http://127.0.0.1:{port}/v1");
    assert!(
        profile
            .run(
                &["settings", "provider", "openai", "--base-url", &base],
                None
            )?
            .ok
    );

    // Off by default: nothing is sent anywhere.
    let off = profile.run(&["--json", "search", "--mode", "semantic", "payment"], None)?;
    assert!(
        !off.ok && off.stderr.contains("Semantic search is off"),
        "{}",
        off.stderr
    );
    assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(99), 0);

    let on = profile
        .run(
            &[
                "--json",
                "settings",
                "embeddings",
                "--on",
                "--dimensions",
                "64",
            ],
            None,
        )?
        .json()?;
    assert_eq!(on["enabled"], true, "{on}");
    let embedded = profile.run(&["--json", "index", "embed"], None)?;
    assert!(embedded.ok, "{}", embedded.stderr);
    let status = embedded.json()?;
    assert_eq!(status["embedded_now"], 5, "{status}");
    assert_eq!(status["pending"], 0, "{status}");
    {
        let requests = seen.lock().map(|s| s.clone()).unwrap_or_default();
        assert!(
            requests.len() >= 2,
            "the 429 was retried: {}",
            requests.len()
        );
        let (head, body) = &requests[1];
        assert_eq!(body["model"], "text-embedding-3-small");
        assert_eq!(body["dimensions"], 64);
        assert_eq!(body["encoding_format"], "float");
        assert_eq!(
            body["input"].as_array().map(Vec::len),
            Some(5),
            "one chunk per short message"
        );
        assert!(head.starts_with("POST /v1/embeddings "), "{head}");
    }

    // "bill" is in no message; meaning finds the statement (amount due, receipt) first.
    assert_eq!(search(&profile, "text", "bill")?["total"], 0);
    let meaning = search(&profile, "semantic", "bill")?;
    assert_eq!(
        subjects(&meaning).first().map(String::as_str),
        Some("Your statement for March"),
        "{meaning}"
    );
    assert_eq!(meaning["mode"], "semantic");
    let travel = search(&profile, "semantic", "flight")?;
    assert_eq!(
        subjects(&travel).first().map(String::as_str),
        Some("Lisbon next week"),
        "{travel}"
    );

    // Hybrid: the message with the word and the one with the meaning both lead.
    let hybrid = search(&profile, "hybrid", "payment")?;
    let top: Vec<String> = subjects(&hybrid).into_iter().take(2).collect();
    assert!(
        top.contains(&"Payment terms".to_owned())
            && top.contains(&"Your statement for March".to_owned()),
        "{hybrid}"
    );
    // Auto is hybrid once semantic search is on.
    assert_eq!(search(&profile, "auto", "payment")?["mode"], "hybrid");

    // The query's filters apply to what meaning found.
    assert_eq!(
        subjects(&search(&profile, "semantic", "money from:ana")?),
        ["Payment terms"]
    );
    assert_eq!(
        search(&profile, "semantic", "money from:nobody")?["total"],
        0
    );

    // A new vector size forgets the old vectors and embeds everything again.
    assert!(
        profile
            .run(&["settings", "embeddings", "--dimensions", "128"], None)?
            .ok
    );
    let again = profile.run(&["--json", "index", "embed"], None)?.json()?;
    assert_eq!(again["embedded_now"], 5, "{again}");
    let last = seen
        .lock()
        .map(|s| s.last().cloned())
        .unwrap_or_default()
        .unwrap_or_default();
    assert_eq!(last.1["dimensions"], 128);
    assert_eq!(
        subjects(&search(&profile, "semantic", "bill")?)
            .first()
            .map(String::as_str),
        Some("Your statement for March")
    );

    // New mail is embedded by the next pass; mail removed leaves with its vectors.
    std::fs::write(
        source.path().join("m6.eml"),
        message(
            "m6@sem.example",
            "Air <booking@air.example>",
            "Your boarding pass",
            None,
            "Gate 12, seat 14C. Have a good flight.",
        ),
    )?;
    assert!(profile.run(&["import", &path], None)?.ok);
    let third = profile.run(&["--json", "index", "embed"], None)?.json()?;
    assert_eq!(third["embedded_now"], 1, "{third}");

    // Mail that arrives while semantic search is off is embedded once it is on again.
    assert!(profile.run(&["settings", "embeddings", "--off"], None)?.ok);
    std::fs::write(
        source.path().join("m7.eml"),
        message(
            "m7@sem.example",
            "Cafe <hi@cafe.example>",
            "Table for two",
            None,
            "Your restaurant booking for Saturday.",
        ),
    )?;
    assert!(profile.run(&["import", &path], None)?.ok);
    let off = profile.run(&["--json", "index", "embed"], None)?.json()?;
    assert_eq!(
        off["embedded_now"], 0,
        "nothing is sent while it is off: {off}"
    );
    assert!(profile.run(&["settings", "embeddings", "--on"], None)?.ok);
    let back = profile.run(&["--json", "index", "embed"], None)?.json()?;
    assert_eq!(back["embedded_now"], 1, "{back}");
    assert!(subjects(&search(&profile, "semantic", "meal")?).contains(&"Table for two".to_owned()));
    Ok(())
}

#[test]
fn without_the_provider_hybrid_falls_back_to_words_and_semantic_says_why() -> TestResult {
    let source = tempfile::tempdir()?;
    std::fs::write(
        source.path().join("a.eml"),
        message(
            "a@off.example",
            "Ann <ann@example.com>",
            "Invoice 7",
            None,
            "The invoice is attached.",
        ),
    )?;
    let profile = Profile::bare()?.with_env("OPENAI_API_KEY", "sk-test");
    assert!(
        profile
            .run(
                &["import", source.path().to_str().unwrap_or_default()],
                None
            )?
            .ok
    );
    // Port 9 on loopback: nothing listens.
    assert!(
        profile
            .run(
                &[
                    "settings",
                    "provider",
                    "openai",
                    "--base-url",
                    "http://127.0.0.1:9/v1"
                ],
                None
            )?
            .ok
    );
    assert!(profile.run(&["settings", "embeddings", "--on"], None)?.ok);
    let pass = profile.run(&["--json", "index", "embed"], None)?;
    assert!(
        !pass.ok,
        "an embedding pass that could not reach the provider fails"
    );
    let status = pass.json()?;
    assert_eq!(status["pending"], 1, "nothing lost: {status}");
    assert!(
        status["stopped"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot be reached"),
        "{status}"
    );

    let hybrid = profile.run(&["--json", "search", "--mode", "hybrid", "invoice"], None)?;
    assert!(hybrid.ok, "{}", hybrid.stderr);
    let found = hybrid.json()?;
    assert_eq!(subjects(&found), ["Invoice 7"]);
    assert!(
        found["semantic_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{found}"
    );
    let semantic = profile.run(&["--json", "search", "--mode", "semantic", "invoice"], None)?;
    let (code, message) = semantic.error()?;
    assert_eq!(code, "network", "{message}");
    Ok(())
}
