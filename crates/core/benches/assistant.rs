//! Orbit's own overhead per assistant turn, in process: everything but the model's time
//! (context assembly, the budget and rate checks, tool execution over the store, recording
//! every request, message and activity). A loopback stand-in for the Messages API answers at
//! once: the first call asks to search the mail, the second to read the best conversation
//! found, the third answers citing it — a typical three-call turn. Prints p50/p95 of the
//! turn's total time, of the time spent waiting for the stand-in, and of the difference.
//!
//! ```sh
//! ORBIT_BENCH_PROFILE=/tmp/p cargo bench -p orbit-core --bench assistant   # a prepared profile
//! ```
//! `scripts/bench-assistant` prepares a profile of 50,000 generated messages and runs this.
//! Without `--bench` (as `cargo test --all-targets` runs it) it imports 300 small messages of
//! its own and runs three turns: a smoke test, no figures.

// serde_json's `value["key"]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

#[path = "common/maildir.rs"]
mod maildir;

use std::error::Error;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use orbit_core::assistant::AskInput;
use orbit_core::{EnvOverrides, Keyring, OpenOptions, Orbit, Sensitive, SystemClock};
use serde_json::{Value, json};

type Res<T> = Result<T, Box<dyn Error>>;

fn open(dir: &Path, model: &str) -> Res<Orbit> {
    Ok(Orbit::open(OpenOptions {
        data_dir: dir.to_path_buf(),
        keyring: Keyring::in_memory("bench")?,
        clock: Arc::new(SystemClock),
        env: EnvOverrides {
            anthropic_api_key: Some(Sensitive::new("sk-ant-bench".to_owned())),
            anthropic_base_url: Some(model.to_owned()),
            ..EnvOverrides::default()
        },
        net_timeout: Duration::from_secs(20),
        busy_timeout: Duration::from_secs(5),
    })?)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(f64::NAN)
}

fn sse(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap_or("")))
        .collect()
}

/// What the stand-in answers to a request body.
fn answer(body: &Value) -> String {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let last = messages.last().cloned().unwrap_or(Value::Null);
    let result = last["content"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["type"] == "tool_result")
        .and_then(|b| b["content"].as_str())
        .unwrap_or("")
        .to_owned();
    let cited = result
        .split("[m:")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(1);
    let start = json!({"type": "message_start", "message": {"id": "msg_b", "type": "message", "role": "assistant", "model": "claude-bench", "content": [], "stop_reason": null, "usage": {"input_tokens": 1000, "output_tokens": 1}}});
    let (block, stop) = if result.is_empty() {
        (
            json!({"type": "tool_use", "id": "t1", "name": "search_mail", "input": {}}),
            "tool_use",
        )
    } else if result.contains("conversations match") {
        (
            json!({"type": "tool_use", "id": "t2", "name": "read_thread", "input": {}}),
            "tool_use",
        )
    } else {
        (json!({"type": "text", "text": ""}), "end_turn")
    };
    let delta = match stop {
        "tool_use" if result.is_empty() => {
            json!({"type": "input_json_delta", "partial_json": "{\"query\": \"budget invoice\"}"})
        }
        "tool_use" => {
            json!({"type": "input_json_delta", "partial_json": format!("{{\"message\": {cited}}}")})
        }
        _ => json!({"type": "text_delta", "text": format!("The budget is in [m:{cited}].")}),
    };
    sse(&[
        start,
        json!({"type": "content_block_start", "index": 0, "content_block": block}),
        json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": 30}}),
        json!({"type": "message_stop"}),
    ])
}

fn model_server() -> Res<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                loop {
                    let mut data = Vec::new();
                    let mut buf = [0u8; 65536];
                    let body = loop {
                        let Ok(n) = stream.read(&mut buf) else { return };
                        if n == 0 {
                            return;
                        }
                        data.extend_from_slice(buf.get(..n).unwrap_or_default());
                        let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
                            continue;
                        };
                        let head = String::from_utf8_lossy(data.get(..at).unwrap_or_default())
                            .to_ascii_lowercase();
                        let length: usize = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:")
                                    .and_then(|v| v.trim().parse().ok())
                            })
                            .unwrap_or(0);
                        if data.len() >= at + 4 + length {
                            break data
                                .get(at + 4..at + 4 + length)
                                .unwrap_or_default()
                                .to_vec();
                        }
                    };
                    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let text = answer(&request);
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(format!("http://127.0.0.1:{port}"))
}

fn main() -> Res<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let temp = tempfile::tempdir()?;
    let model = model_server()?;
    let profile = if bench {
        std::path::PathBuf::from(
            std::env::var_os("ORBIT_BENCH_PROFILE").ok_or("set ORBIT_BENCH_PROFILE")?,
        )
    } else {
        let dir = temp.path().join("mail");
        maildir::small_maildir(
            &dir,
            300,
            "Budget review",
            "The budget and the invoice for the quarter",
        )?;
        let profile = temp.path().join("profile");
        open(&profile, &model)?.mail_import(&dir, None)?;
        profile
    };
    let orbit = open(&profile, &model)?;
    // The per-minute limit protects a real account; here it would only measure the waiting.
    orbit.assistant_update(&orbit_core::assistant::AssistantUpdate {
        requests_per_minute: Some(600),
        ..Default::default()
    })?;
    let status = orbit.search_catch_up()?;
    eprintln!("profile: {} messages indexed", status.indexed);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let turns = if bench { 60 } else { 3 };
    let (mut total, mut model_ms, mut overhead) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..turns + 3 {
        let outcome = runtime.block_on(orbit.ask(
            &AskInput {
                session_id: None,
                prompt: format!("What is the latest on the budget? ({n})"),
                context_message: None,
            },
            &mut |_| {},
        ))?;
        if outcome.requests != 3 || outcome.citations.is_empty() {
            return Err(format!(
                "unexpected turn: {} requests, {} citations",
                outcome.requests,
                outcome.citations.len()
            )
            .into());
        }
        if n >= 3 {
            // The first turns warm the caches.
            total.push(outcome.took_ms);
            model_ms.push(outcome.model_ms);
            overhead.push(outcome.took_ms - outcome.model_ms);
        }
    }
    for v in [&mut total, &mut model_ms, &mut overhead] {
        v.sort_by(f64::total_cmp);
    }
    println!(
        "{{\"messages\":{},\"turns\":{},\"model_calls_per_turn\":3,\"total_p50_ms\":{:.2},\"total_p95_ms\":{:.2},\"model_p50_ms\":{:.2},\"overhead_p50_ms\":{:.2},\"overhead_p95_ms\":{:.2}}}",
        status.indexed,
        turns,
        percentile(&total, 0.5),
        percentile(&total, 0.95),
        percentile(&model_ms, 0.5),
        percentile(&overhead, 0.5),
        percentile(&overhead, 0.95)
    );
    Ok(())
}
