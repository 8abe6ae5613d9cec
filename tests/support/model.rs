//! A local server that speaks the Anthropic Messages and OpenAI chat-completions wire formats
//! exactly, scripted per scenario: each request takes the next scripted answer (a whole JSON
//! reply, an SSE stream cut into pieces of a chosen size — inside lines, JSON tokens and UTF-8
//! characters — an error status with headers, or a stream that breaks off). Every request's
//! headers and JSON body are kept for the test to inspect.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with this JSON body.
    Json(Value),
    /// 200 `text/event-stream`, chunked, written `chunk` bytes at a time.
    Stream {
        /// The SSE text.
        body: String,
        /// Bytes per write (1 splits everything everywhere).
        chunk: usize,
    },
    /// A stream that stops after `bytes` bytes and drops the connection.
    Broken {
        /// The SSE text.
        body: String,
        /// Where it stops.
        bytes: usize,
    },
    /// No answer at all for this long, then the connection closes.
    Silent {
        /// Milliseconds.
        ms: u64,
    },
    /// An error status, with headers and a JSON body.
    Status {
        /// HTTP status.
        status: u16,
        /// Extra headers, such as `retry-after`.
        headers: Vec<(String, String)>,
        /// The body.
        body: Value,
    },
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Request line and headers, lower-cased names.
    pub head: String,
    /// The JSON body.
    pub body: Value,
    /// When it arrived.
    pub at: std::time::Instant,
}

/// The running server.
#[derive(Debug, Clone)]
pub struct ScriptedModel {
    /// Its port on 127.0.0.1.
    pub port: u16,
    script: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ScriptedModel {
    /// Starts a server with an empty script; answers once the script runs out are 500s.
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let server = Self {
            port,
            script: Arc::default(),
            seen: Arc::default(),
        };
        let handle = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handle = handle.clone();
                std::thread::spawn(move || handle.serve(stream));
            }
        });
        Ok(server)
    }

    /// The base URL (Anthropic clients add `/v1/messages`; OpenAI ones use `{url}/v1`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds answers to the script.
    pub fn push(&self, answers: impl IntoIterator<Item = Answer>) {
        if let Ok(mut script) = self.script.lock() {
            script.extend(answers);
        }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Answers still waiting.
    pub fn left(&self) -> usize {
        self.script.lock().map(|s| s.len()).unwrap_or_default()
    }

    fn serve(&self, mut stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        loop {
            let Some((head, body)) = read_request(&mut stream) else {
                return;
            };
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(Seen {
                    head,
                    body,
                    at: std::time::Instant::now(),
                });
            }
            let answer = self.script.lock().ok().and_then(|mut s| s.pop_front());
            let keep = match answer {
                Some(answer) => write_answer(&mut stream, answer),
                None => write_answer(
                    &mut stream,
                    Answer::Status {
                        status: 500,
                        headers: vec![("x-should-retry".into(), "false".into())],
                        body: json!({"type": "error", "error": {"type": "api_error", "message": "the test script ran out"}}),
                    },
                ),
            };
            if !keep {
                return;
            }
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(data.get(..at)?).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            let mut body = data.get(at + 4..)?.to_vec();
            while body.len() < length {
                let n = stream.read(&mut buf).ok()?;
                if n == 0 {
                    return None;
                }
                body.extend_from_slice(buf.get(..n)?);
            }
            return Some((head, body));
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(buf.get(..n)?);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        529 => "Overloaded",
        _ => "Status",
    }
}

/// Writes one answer; whether the connection stays open.
fn write_answer(stream: &mut TcpStream, answer: Answer) -> bool {
    if let Answer::Silent { ms } = answer {
        std::thread::sleep(Duration::from_millis(ms));
        return false;
    }
    let (status, headers, bytes, chunk, cut) = match answer {
        Answer::Json(v) => (
            200,
            vec![("content-type".to_owned(), "application/json".to_owned())],
            v.to_string().into_bytes(),
            0,
            None,
        ),
        Answer::Status {
            status,
            mut headers,
            body,
        } => {
            headers.push(("content-type".into(), "application/json".into()));
            (status, headers, body.to_string().into_bytes(), 0, None)
        }
        Answer::Stream { body, chunk } => (
            200,
            vec![("content-type".to_owned(), "text/event-stream".to_owned())],
            body.into_bytes(),
            chunk.max(1),
            None,
        ),
        Answer::Broken { body, bytes } => (
            200,
            vec![("content-type".to_owned(), "text/event-stream".to_owned())],
            body.into_bytes(),
            64,
            Some(bytes),
        ),
        Answer::Silent { .. } => return false,
    };
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in &headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("request-id: req_test\r\n");
    if chunk == 0 {
        head.push_str(&format!("content-length: {}\r\n\r\n", bytes.len()));
        let ok = stream.write_all(head.as_bytes()).is_ok() && stream.write_all(&bytes).is_ok();
        return ok;
    }
    head.push_str("transfer-encoding: chunked\r\ncache-control: no-cache\r\n\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return false;
    }
    let limit = cut.unwrap_or(bytes.len()).min(bytes.len());
    for piece in bytes.get(..limit).unwrap_or_default().chunks(chunk) {
        let framed = [format!("{:x}\r\n", piece.len()).as_bytes(), piece, b"\r\n"].concat();
        if stream.write_all(&framed).is_err() {
            return false;
        }
        let _ = stream.flush();
        if chunk < 16 {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    if cut.is_some() {
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return false;
    }
    stream.write_all(b"0\r\n\r\n").is_ok()
}

fn event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// An Anthropic stream answering `text` (sent in 7-character deltas) then calling `tools`
/// (each input sent as JSON cut every 5 bytes, so pieces end inside tokens).
pub fn anthropic_stream(text: &str, tools: &[(&str, &str, Value)]) -> String {
    let mut out = event(
        "message_start",
        &json!({"type": "message_start", "message": {"id": "msg_test", "type": "message", "role": "assistant", "model": "claude-test", "content": [], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 120, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1, "service_tier": "standard"}}}),
    );
    let mut index = 0;
    if !text.is_empty() {
        out += &event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
        );
        out += &event("ping", &json!({"type": "ping"}));
        let chars: Vec<char> = text.chars().collect();
        for piece in chars.chunks(7) {
            let piece: String = piece.iter().collect();
            out += &event(
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}),
            );
        }
        out += &event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
        index += 1;
    }
    for (id, name, input) in tools {
        out += &event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": id, "name": name, "caller": {"type": "direct"}, "input": {}}}),
        );
        let json_text = input.to_string();
        let bytes = json_text.as_bytes();
        out += &event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": ""}}),
        );
        let mut at = 0;
        while at < bytes.len() {
            let mut end = (at + 5).min(bytes.len());
            while !json_text.is_char_boundary(end) {
                end += 1;
            }
            let piece = json_text.get(at..end).unwrap_or_default();
            out += &event(
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": piece}}),
            );
            at = end;
        }
        out += &event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
        index += 1;
    }
    let stop = if tools.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    };
    out += &event(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 40}}),
    );
    out += &event("message_stop", &json!({"type": "message_stop"}));
    out
}

/// The same answer as an OpenAI chat-completions stream.
pub fn openai_stream(text: &str, tools: &[(&str, &str, Value)]) -> String {
    let chunk = |delta: Value, finish: Value| {
        format!(
            "data: {}\n\n",
            json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "local-test", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        )
    };
    let mut out = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
    let chars: Vec<char> = text.chars().collect();
    for piece in chars.chunks(7) {
        out += &chunk(
            json!({"content": piece.iter().collect::<String>()}),
            Value::Null,
        );
    }
    for (n, (id, name, input)) in tools.iter().enumerate() {
        out += &chunk(
            json!({"tool_calls": [{"index": n, "id": id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
            Value::Null,
        );
        let args = input.to_string();
        let half = args.len() / 2;
        let half = (half..args.len())
            .find(|i| args.is_char_boundary(*i))
            .unwrap_or(args.len());
        for piece in [
            args.get(..half).unwrap_or_default(),
            args.get(half..).unwrap_or_default(),
        ] {
            out += &chunk(
                json!({"tool_calls": [{"index": n, "function": {"arguments": piece}}]}),
                Value::Null,
            );
        }
    }
    let finish = if tools.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    out += &chunk(json!({}), json!(finish));
    out += &format!(
        "data: {}\n\n",
        json!({"id": "chatcmpl-test", "choices": [], "usage": {"prompt_tokens": 80, "completion_tokens": 20, "total_tokens": 100}})
    );
    out += "data: [DONE]\n\n";
    out
}

/// An Anthropic error body.
pub fn anthropic_error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_test"})
}
