//! Anthropic's Messages API: the request body, a whole reply, and a streamed reply assembled
//! from its server-sent events (`message_start`, `content_block_start/delta/stop`,
//! `message_delta`, `message_stop`, `ping`, `error`). Unknown events, deltas, blocks and fields
//! are ignored, as the API's versioning policy asks.

use serde_json::{Value, json};

use crate::{Block, Delta, Failure, LlmError, Reply, Request, Role, SseEvent, StopReason, Usage};

pub(crate) fn body(model: &str, request: &Request, stream: bool) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| {
            json!({
                "role": match m.role { Role::User => "user", Role::Assistant => "assistant" },
                "content": m.content.iter().map(block_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
    });
    if let Some(obj) = body.as_object_mut() {
        if !request.system.is_empty() {
            obj.insert("system".into(), json!(request.system));
        }
        if !request.tools.is_empty() {
            obj.insert(
                "tools".into(),
                json!(
                    request
                        .tools
                        .iter()
                        .map(|t| json!({
                            "name": t.name,
                            "description": t.description,
                            "input_schema": t.input_schema,
                        }))
                        .collect::<Vec<_>>()
                ),
            );
        }
        if stream {
            obj.insert("stream".into(), json!(true));
        }
    }
    body
}

fn block_json(block: &Block) -> Value {
    match block {
        Block::Text { text } => json!({ "type": "text", "text": text }),
        Block::ToolUse { id, name, input } => {
            json!({ "type": "tool_use", "id": id, "name": name, "input": input })
        }
        Block::ToolResult {
            tool_use_id,
            content,
            is_error,
        } => json!({
            "type": "tool_result",
            "tool_use_id": tool_use_id,
            "content": content,
            "is_error": is_error,
        }),
    }
}

fn usage(v: &Value) -> Usage {
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        input_tokens: n("input_tokens"),
        output_tokens: n("output_tokens"),
        cache_read_input_tokens: n("cache_read_input_tokens"),
        cache_creation_input_tokens: n("cache_creation_input_tokens"),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A whole (non-streamed) reply.
pub(crate) fn parse_reply(bytes: &[u8]) -> Result<Reply, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the reply is not JSON: {e}"))?;
    if str_of(&v, "type") == "error" {
        return Err(str_of(v.get("error").unwrap_or(&Value::Null), "message").to_owned());
    }
    let content = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or("the reply has no content")?
        .iter()
        .filter_map(|b| match str_of(b, "type") {
            "text" => Some(Block::Text {
                text: str_of(b, "text").to_owned(),
            }),
            "tool_use" => Some(Block::ToolUse {
                id: str_of(b, "id").to_owned(),
                name: str_of(b, "name").to_owned(),
                input: b.get("input").cloned().unwrap_or_else(|| json!({})),
            }),
            _ => None, // thinking, server tools…: not used here
        })
        .collect();
    Ok(Reply {
        id: str_of(&v, "id").to_owned(),
        model: str_of(&v, "model").to_owned(),
        content,
        stop_reason: StopReason::parse(str_of(&v, "stop_reason")),
        usage: usage(v.get("usage").unwrap_or(&Value::Null)),
    })
}

#[derive(Debug)]
enum Partial {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        json: String,
    },
    Ignored,
}

/// A streamed reply being assembled.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    id: String,
    model: String,
    blocks: Vec<(usize, Partial)>,
    done: Vec<(usize, Block)>,
    stop_reason: Option<StopReason>,
    usage: Usage,
    started: bool,
    stopped: bool,
}

fn broken(message: String) -> Failure {
    Failure {
        error: LlmError::Stream(message),
        retry: None,
    }
}

impl Stream {
    pub(crate) fn finished(&self) -> bool {
        self.stopped
    }

    pub(crate) fn event(
        &mut self,
        event: &SseEvent,
        on_delta: &mut (dyn FnMut(Delta<'_>) + Send),
    ) -> Result<(), Failure> {
        let data: Value = match serde_json::from_str(&event.data) {
            Ok(v) => v,
            Err(e) => return Err(broken(format!("an event is not JSON: {e}"))),
        };
        let kind = match str_of(&data, "type") {
            "" => event.event.as_str(),
            t => t,
        };
        match kind {
            "message_start" => {
                let message = data.get("message").unwrap_or(&Value::Null);
                self.id = str_of(message, "id").to_owned();
                self.model = str_of(message, "model").to_owned();
                self.usage = usage(message.get("usage").unwrap_or(&Value::Null));
                self.started = true;
            }
            "content_block_start" => {
                let index = index_of(&data)?;
                let block = data.get("content_block").unwrap_or(&Value::Null);
                let partial = match str_of(block, "type") {
                    "text" => {
                        let text = str_of(block, "text");
                        if !text.is_empty() {
                            on_delta(Delta::Text(text));
                        }
                        Partial::Text(text.to_owned())
                    }
                    "tool_use" => {
                        let name = str_of(block, "name");
                        on_delta(Delta::ToolStarted { name });
                        Partial::ToolUse {
                            id: str_of(block, "id").to_owned(),
                            name: name.to_owned(),
                            json: String::new(),
                        }
                    }
                    _ => Partial::Ignored,
                };
                self.blocks.push((index, partial));
            }
            "content_block_delta" => {
                let index = index_of(&data)?;
                let delta = data.get("delta").unwrap_or(&Value::Null);
                let Some((_, partial)) = self.blocks.iter_mut().find(|(i, _)| *i == index) else {
                    return Err(broken(format!(
                        "a delta for block {index}, which never started"
                    )));
                };
                match (str_of(delta, "type"), partial) {
                    ("text_delta", Partial::Text(text)) => {
                        let piece = str_of(delta, "text");
                        text.push_str(piece);
                        on_delta(Delta::Text(piece));
                    }
                    ("input_json_delta", Partial::ToolUse { json, .. }) => {
                        json.push_str(str_of(delta, "partial_json"));
                    }
                    _ => {} // thinking, signatures, citations, and anything newer
                }
            }
            "content_block_stop" => {
                let index = index_of(&data)?;
                let Some(at) = self.blocks.iter().position(|(i, _)| *i == index) else {
                    return Err(broken(format!("block {index} stopped but never started")));
                };
                let (_, partial) = self.blocks.remove(at);
                match partial {
                    Partial::Text(text) => self.done.push((index, Block::Text { text })),
                    Partial::ToolUse { id, name, json } => {
                        let input = if json.trim().is_empty() {
                            json!({})
                        } else {
                            serde_json::from_str(&json).map_err(|e| {
                                broken(format!(
                                    "the input of the {name} tool call is not JSON: {e}"
                                ))
                            })?
                        };
                        self.done.push((index, Block::ToolUse { id, name, input }));
                    }
                    Partial::Ignored => {}
                }
            }
            "message_delta" => {
                if let Some(reason) = data
                    .get("delta")
                    .and_then(|d| d.get("stop_reason"))
                    .and_then(Value::as_str)
                {
                    self.stop_reason = Some(StopReason::parse(reason));
                }
                // Usage here is cumulative: it replaces, never adds.
                if let Some(u) = data.get("usage") {
                    let latest = usage(u);
                    self.usage.output_tokens = latest.output_tokens;
                    if latest.input_tokens > 0 {
                        self.usage.input_tokens = latest.input_tokens;
                    }
                    if latest.cache_read_input_tokens > 0 {
                        self.usage.cache_read_input_tokens = latest.cache_read_input_tokens;
                    }
                    if latest.cache_creation_input_tokens > 0 {
                        self.usage.cache_creation_input_tokens = latest.cache_creation_input_tokens;
                    }
                }
            }
            "message_stop" => self.stopped = true,
            "error" => {
                let error = data.get("error").unwrap_or(&Value::Null);
                let message = str_of(error, "message").to_owned();
                let (error, retry) = match str_of(error, "type") {
                    "overloaded_error" | "api_error" | "gateway_timeout_error" => {
                        (LlmError::Unavailable(message), Some(None))
                    }
                    "rate_limit_error" => (
                        LlmError::RateLimited {
                            message,
                            retry_after: None,
                        },
                        Some(None),
                    ),
                    other => (LlmError::Stream(format!("{other}: {message}")), None),
                };
                return Err(Failure { error, retry });
            }
            _ => {} // ping, and events this client does not know
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<Reply, Failure> {
        if !self.started || !self.stopped {
            // The connection closed before `message_stop`: what came is incomplete.
            return Err(Failure {
                error: LlmError::Stream("the stream ended before the message was complete".into()),
                retry: Some(None),
            });
        }
        self.done.sort_by_key(|(i, _)| *i);
        Ok(Reply {
            id: self.id,
            model: self.model,
            content: self.done.into_iter().map(|(_, b)| b).collect(),
            stop_reason: self
                .stop_reason
                .unwrap_or_else(|| StopReason::Other("none".into())),
            usage: self.usage,
        })
    }
}

fn index_of(data: &Value) -> Result<usize, Failure> {
    data.get("index")
        .and_then(Value::as_u64)
        .and_then(|i| usize::try_from(i).ok())
        .ok_or_else(|| broken("an event without its block index".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SseDecoder;

    /// The SDK's recorded fixture `tool_use_response.txt`, with an unknown event and delta added.
    pub(crate) const TOOL_USE: &str = r#"event: message_start
data: {"type":"message_start","message":{"id":"msg_019Q1hrJbZG26Fb9BQhrkHEr","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":377,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I'll check the current weather in Paris for you — ☀️."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"brand_new_delta","stuff":1}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: something_new
data: {"type":"something_new","x":1}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01NRLabsLyVHZPKxbKvkfSMn","name":"get_weather","caller":{"type":"direct"},"input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"locati"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"on\": \"P"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ar"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":65}}

event: message_stop
data: {"type":"message_stop"}

"#;

    fn run(chunks: &[&[u8]]) -> (Result<Reply, Failure>, String) {
        let mut decoder = SseDecoder::default();
        let mut stream = Stream::default();
        let mut text = String::new();
        let mut sink = |d: Delta<'_>| {
            if let Delta::Text(t) = d {
                text.push_str(t);
            }
        };
        for chunk in chunks {
            for event in decoder.feed(chunk) {
                if let Err(f) = stream.event(&event, &mut sink) {
                    return (Err(f), text);
                }
            }
        }
        (stream.finish(), text)
    }

    #[test]
    fn a_streamed_tool_call_is_assembled_at_every_split() {
        let bytes = TOOL_USE.as_bytes();
        for split in 0..=bytes.len() {
            let (reply, text) = run(&[&bytes[..split], &bytes[split..]]);
            let reply = reply.map_err(|f| f.error).unwrap();
            assert_eq!(reply.stop_reason, StopReason::ToolUse);
            assert_eq!(reply.usage.input_tokens, 377);
            assert_eq!(reply.usage.output_tokens, 65);
            assert_eq!(
                text,
                "I'll check the current weather in Paris for you — ☀️."
            );
            let calls: Vec<_> = reply.tool_calls().collect();
            assert_eq!(calls.len(), 1);
            assert_eq!(calls[0].1, "get_weather");
            assert_eq!(calls[0].2, &json!({"location": "Paris"}));
        }
    }

    #[test]
    fn a_stream_cut_short_or_with_bad_json_is_an_error_never_a_reply() {
        let cut = TOOL_USE
            .find("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}")
            .unwrap();
        let (reply, _) = run(&[&TOOL_USE.as_bytes()[..cut]]);
        let failure = reply.unwrap_err();
        assert!(failure.retry.is_some(), "a dropped stream may be retried");
        let bad = TOOL_USE.replace(r#""partial_json":"is\"}""#, r#""partial_json":"is"#);
        let (reply, _) = run(&[bad.as_bytes()]);
        assert_eq!(reply.unwrap_err().error.code(), "stream");
        let overloaded = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{}}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        let failure = run(&[overloaded.as_bytes()]).0.unwrap_err();
        assert_eq!(failure.error.code(), "unavailable");
        assert!(failure.retry.is_some());
    }

    #[test]
    fn a_whole_reply_tolerates_fields_and_blocks_it_does_not_know() {
        let body = br#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","container":null,
            "content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Hi"},
            {"type":"tool_use","id":"toolu_1","name":"search_mail","input":{"query":"x"},"caller":{"type":"direct"}}],
            "stop_reason":"tool_use","stop_sequence":null,
            "usage":{"input_tokens":10,"output_tokens":5,"service_tier":"standard","cache_creation":{"ephemeral_5m_input_tokens":0}}}"#;
        let reply = parse_reply(body).unwrap();
        assert_eq!(reply.content.len(), 2);
        assert_eq!(reply.stop_reason, StopReason::ToolUse);
        assert_eq!(reply.usage.output_tokens, 5);
    }
}
