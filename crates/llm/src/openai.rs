//! OpenAI-compatible chat completions (`POST {base}/chat/completions`): OpenAI, and the local
//! model servers that copy its wire format (Ollama, llama.cpp, LM Studio, vLLM). Tool calls are
//! `function` tools; their arguments arrive as a JSON string, in pieces when streamed.

use serde_json::{Value, json};

use crate::{Block, Delta, Failure, LlmError, Reply, Request, Role, SseEvent, StopReason, Usage};

pub(crate) fn body(model: &str, request: &Request, stream: bool) -> Value {
    let mut messages = Vec::new();
    if !request.system.is_empty() {
        messages.push(json!({ "role": "system", "content": request.system }));
    }
    for m in &request.messages {
        match m.role {
            Role::Assistant => {
                let text = m.text();
                let calls: Vec<Value> = m
                    .content
                    .iter()
                    .filter_map(|b| match b {
                        Block::ToolUse { id, name, input } => Some(json!({
                            "id": id,
                            "type": "function",
                            "function": { "name": name, "arguments": input.to_string() },
                        })),
                        _ => None,
                    })
                    .collect();
                let mut msg = json!({
                    "role": "assistant",
                    "content": if text.is_empty() && !calls.is_empty() { Value::Null } else { json!(text) },
                });
                if !calls.is_empty()
                    && let Some(obj) = msg.as_object_mut()
                {
                    obj.insert("tool_calls".into(), json!(calls));
                }
                messages.push(msg);
            }
            Role::User => {
                // Tool results become `tool` messages, which must directly follow the call.
                for b in &m.content {
                    if let Block::ToolResult {
                        tool_use_id,
                        content,
                        is_error,
                    } = b
                    {
                        let content = if *is_error {
                            format!("Error: {content}")
                        } else {
                            content.clone()
                        };
                        messages.push(json!({
                            "role": "tool",
                            "tool_call_id": tool_use_id,
                            "content": content,
                        }));
                    }
                }
                let text = m.text();
                if !text.is_empty() {
                    messages.push(json!({ "role": "user", "content": text }));
                }
            }
        }
    }
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
    });
    if let Some(obj) = body.as_object_mut() {
        if !request.tools.is_empty() {
            obj.insert(
                "tools".into(),
                json!(
                    request
                        .tools
                        .iter()
                        .map(|t| json!({
                            "type": "function",
                            "function": {
                                "name": t.name,
                                "description": t.description,
                                "parameters": t.input_schema,
                            },
                        }))
                        .collect::<Vec<_>>()
                ),
            );
        }
        if stream {
            obj.insert("stream".into(), json!(true));
            obj.insert("stream_options".into(), json!({ "include_usage": true }));
        }
    }
    body
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn usage(v: &Value) -> Usage {
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let cached = v
        .get("prompt_tokens_details")
        .and_then(|d| d.get("cached_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    Usage {
        input_tokens: n("prompt_tokens").saturating_sub(cached),
        output_tokens: n("completion_tokens"),
        cache_read_input_tokens: cached,
        cache_creation_input_tokens: 0,
    }
}

fn arguments(name: &str, text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(text)
        .map_err(|e| format!("the arguments of the {name} tool call are not JSON: {e}"))
}

/// A whole (non-streamed) reply.
pub(crate) fn parse_reply(bytes: &[u8]) -> Result<Reply, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the reply is not JSON: {e}"))?;
    if let Some(error) = v.get("error") {
        return Err(str_of(error, "message").to_owned());
    }
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or("the reply has no choices")?;
    let message = choice.get("message").unwrap_or(&Value::Null);
    let mut content = Vec::new();
    let text = str_of(message, "content");
    if !text.is_empty() {
        content.push(Block::Text {
            text: text.to_owned(),
        });
    }
    for call in message
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let function = call.get("function").unwrap_or(&Value::Null);
        let name = str_of(function, "name");
        content.push(Block::ToolUse {
            id: str_of(call, "id").to_owned(),
            name: name.to_owned(),
            input: arguments(name, str_of(function, "arguments"))?,
        });
    }
    Ok(Reply {
        id: str_of(&v, "id").to_owned(),
        model: str_of(&v, "model").to_owned(),
        content,
        stop_reason: StopReason::parse(str_of(choice, "finish_reason")),
        usage: usage(v.get("usage").unwrap_or(&Value::Null)),
    })
}

#[derive(Debug, Default)]
struct Call {
    id: String,
    name: String,
    arguments: String,
}

/// A streamed reply being assembled.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    id: String,
    model: String,
    text: String,
    calls: Vec<(u64, Call)>,
    finish_reason: Option<String>,
    usage: Usage,
    done: bool,
}

impl Stream {
    pub(crate) fn finished(&self) -> bool {
        self.done
    }

    pub(crate) fn event(
        &mut self,
        event: &SseEvent,
        on_delta: &mut (dyn FnMut(Delta<'_>) + Send),
    ) -> Result<(), Failure> {
        if event.data.trim() == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        let data: Value = serde_json::from_str(&event.data).map_err(|e| Failure {
            error: LlmError::Stream(format!("an event is not JSON: {e}")),
            retry: None,
        })?;
        if let Some(error) = data.get("error") {
            return Err(Failure {
                error: LlmError::Unavailable(str_of(error, "message").to_owned()),
                retry: Some(None),
            });
        }
        if self.id.is_empty() {
            self.id = str_of(&data, "id").to_owned();
            self.model = str_of(&data, "model").to_owned();
        }
        if let Some(u) = data.get("usage").filter(|u| u.is_object()) {
            self.usage = usage(u);
        }
        for choice in data
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            let piece = str_of(delta, "content");
            if !piece.is_empty() {
                self.text.push_str(piece);
                on_delta(Delta::Text(piece));
            }
            for call in delta
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
                let function = call.get("function").unwrap_or(&Value::Null);
                let at = match self.calls.iter().position(|(i, _)| *i == index) {
                    Some(at) => at,
                    None => {
                        self.calls.push((index, Call::default()));
                        self.calls.len() - 1
                    }
                };
                if let Some((_, entry)) = self.calls.get_mut(at) {
                    if entry.id.is_empty() {
                        entry.id = str_of(call, "id").to_owned();
                    }
                    let name = str_of(function, "name");
                    if entry.name.is_empty() && !name.is_empty() {
                        entry.name = name.to_owned();
                        on_delta(Delta::ToolStarted { name });
                    }
                    entry.arguments.push_str(str_of(function, "arguments"));
                }
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(reason.to_owned());
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self, model: &str) -> Result<Reply, Failure> {
        let Some(reason) = self.finish_reason.take() else {
            return Err(Failure {
                error: LlmError::Stream("the stream ended before the message was complete".into()),
                retry: Some(None),
            });
        };
        let mut content = Vec::new();
        if !self.text.is_empty() {
            content.push(Block::Text { text: self.text });
        }
        self.calls.sort_by_key(|(i, _)| *i);
        for (n, (_, call)) in self.calls.into_iter().enumerate() {
            let input = arguments(&call.name, &call.arguments).map_err(|m| Failure {
                error: LlmError::Stream(m),
                retry: None,
            })?;
            let id = if call.id.is_empty() {
                format!("call_{n}")
            } else {
                call.id
            };
            content.push(Block::ToolUse {
                id,
                name: call.name,
                input,
            });
        }
        Ok(Reply {
            id: self.id,
            model: if self.model.is_empty() {
                model.to_owned()
            } else {
                self.model
            },
            content,
            stop_reason: StopReason::parse(&reason),
            usage: self.usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Message, SseDecoder, Tool};

    const STREAM: &str = concat!(
        "data: {\"id\":\"chatcmpl-1\",\"model\":\"llama3\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Let me l\u{f6}ok\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"search_mail\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"query\\\":\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"invoice\\\"}\"}}]},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":12,\"total_tokens\":62}}\n\n",
        "data: [DONE]\n\n",
    );

    #[test]
    fn a_streamed_tool_call_is_assembled_at_every_split() {
        let bytes = STREAM.as_bytes();
        for split in 0..=bytes.len() {
            let mut decoder = SseDecoder::default();
            let mut stream = Stream::default();
            let mut text = String::new();
            let mut sink = |d: Delta<'_>| {
                if let Delta::Text(t) = d {
                    text.push_str(t);
                }
            };
            for chunk in [&bytes[..split], &bytes[split..]] {
                for event in decoder.feed(chunk) {
                    stream
                        .event(&event, &mut sink)
                        .map_err(|f| f.error)
                        .unwrap();
                }
            }
            let reply = stream.finish("m").map_err(|f| f.error).unwrap();
            assert_eq!(text, "Let me l\u{f6}ok");
            assert_eq!(reply.stop_reason, StopReason::ToolUse);
            assert_eq!(reply.usage.input_tokens, 50);
            let calls: Vec<_> = reply.tool_calls().collect();
            assert_eq!(
                calls,
                vec![("call_a", "search_mail", &json!({"query": "invoice"}))]
            );
        }
    }

    #[test]
    fn tool_results_become_tool_messages_after_the_call() {
        let request = Request {
            system: "sys".into(),
            messages: vec![
                Message::user("hi"),
                Message {
                    role: Role::Assistant,
                    content: vec![Block::ToolUse {
                        id: "c1".into(),
                        name: "t".into(),
                        input: json!({"a": 1}),
                    }],
                },
                Message {
                    role: Role::User,
                    content: vec![Block::ToolResult {
                        tool_use_id: "c1".into(),
                        content: "ok".into(),
                        is_error: false,
                    }],
                },
            ],
            tools: vec![Tool {
                name: "t".into(),
                description: "d".into(),
                input_schema: json!({"type": "object"}),
            }],
            max_tokens: 100,
        };
        let body = body("m", &request, false);
        let roles: Vec<&str> = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["system", "user", "assistant", "tool"]);
        assert_eq!(
            body["messages"][2]["tool_calls"][0]["function"]["arguments"],
            "{\"a\":1}"
        );
        assert_eq!(body["tools"][0]["function"]["parameters"]["type"], "object");
    }
}
