//! The model clients over real HTTP against the scripted local server: streams cut into
//! single bytes, tool calls, retries on 429 (honouring `retry-after`), 529 and a stream that
//! breaks off, no retry on a spend limit, and the OpenAI-compatible provider with and
//! without a key. The client code is the production code; only the base URL differs.

#![allow(clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use orbit_llm::{
    Block, Client, Config, Delta, Message, Request, RetryPolicy, StopReason, Tool, Wire,
};
use orbit_tests::TestResult;
use orbit_tests::model::{Answer, ScriptedModel, anthropic_error, anthropic_stream, openai_stream};
use serde_json::json;

fn client(
    server: &ScriptedModel,
    wire: Wire,
    key: Option<&str>,
) -> Result<Client, orbit_llm::LlmError> {
    let base_url = match wire {
        Wire::Anthropic => server.url(),
        Wire::Openai => format!("{}/v1", server.url()),
    };
    Client::new(Config {
        wire,
        base_url,
        key: key.map(str::to_owned),
        model: "test-model".into(),
        timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_retries: 2,
            initial: Duration::from_millis(50),
            max: Duration::from_millis(200),
        },
    })
}

fn request() -> Request {
    Request {
        system: "You are a test.".into(),
        messages: vec![Message::user("What is the weather in Paris?")],
        tools: vec![Tool {
            name: "get_weather".into(),
            description: "The weather of a city".into(),
            input_schema: json!({"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}),
        }],
        max_tokens: 500,
    }
}

/// Streams and collects the text deltas and retries reported.
async fn stream(
    client: &Client,
) -> (
    Result<orbit_llm::Reply, orbit_llm::LlmError>,
    String,
    Vec<u32>,
) {
    let mut text = String::new();
    let mut retries = Vec::new();
    let reply = client
        .stream(&request(), &mut |d| match d {
            Delta::Text(t) => text.push_str(t),
            Delta::Retrying { attempt, .. } => {
                text.clear();
                retries.push(attempt);
            }
            Delta::ToolStarted { .. } => {}
        })
        .await;
    (reply, text, retries)
}

const ANSWER: &str = "Checking the weather in Paris — il fait beau? ☀️ Let me look.";

#[tokio::test]
async fn a_stream_cut_into_single_bytes_gives_the_text_and_the_tool_call() -> TestResult {
    let server = ScriptedModel::start()?;
    let tool = [(
        "toolu_1",
        "get_weather",
        json!({"location": "Paris, Île-de-France", "unit": "celsius"}),
    )];
    server.push([Answer::Stream {
        body: anthropic_stream(ANSWER, &tool),
        chunk: 1,
    }]);
    let (reply, text, retries) =
        stream(&client(&server, Wire::Anthropic, Some("sk-test-key"))?).await;
    let reply = reply?;
    assert_eq!(text, ANSWER);
    assert!(retries.is_empty());
    assert_eq!(reply.stop_reason, StopReason::ToolUse);
    assert_eq!(reply.usage.input_tokens, 120);
    assert_eq!(reply.usage.output_tokens, 40);
    let calls: Vec<_> = reply.tool_calls().collect();
    assert_eq!(calls, vec![("toolu_1", "get_weather", &tool[0].2)]);

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].head.starts_with("post /v1/messages "),
        "{}",
        seen[0].head
    );
    assert!(seen[0].head.contains("x-api-key: sk-test-key"));
    assert!(seen[0].head.contains("anthropic-version: 2023-06-01"));
    assert_eq!(seen[0].body["stream"], true);
    assert_eq!(seen[0].body["model"], "test-model");
    assert_eq!(seen[0].body["system"], "You are a test.");
    assert_eq!(
        seen[0].body["tools"][0]["input_schema"]["required"][0],
        "location"
    );
    assert_eq!(
        seen[0].body["messages"][0]["content"][0]["text"],
        "What is the weather in Paris?"
    );
    Ok(())
}

#[tokio::test]
async fn tool_results_go_back_and_a_whole_reply_is_read_without_streaming() -> TestResult {
    let server = ScriptedModel::start()?;
    server.push([Answer::Json(json!({
        "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-test",
        "content": [{"type": "text", "text": "It is 15 degrees."}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 400, "output_tokens": 9, "service_tier": "standard"}
    }))]);
    let client = client(&server, Wire::Anthropic, Some("k"))?;
    let mut req = request();
    req.messages.push(Message {
        role: orbit_llm::Role::Assistant,
        content: vec![Block::ToolUse {
            id: "toolu_1".into(),
            name: "get_weather".into(),
            input: json!({"location": "Paris"}),
        }],
    });
    req.messages.push(Message {
        role: orbit_llm::Role::User,
        content: vec![Block::ToolResult {
            tool_use_id: "toolu_1".into(),
            content: "15 degrees".into(),
            is_error: false,
        }],
    });
    let reply = client.complete(&req).await?;
    assert_eq!(reply.stop_reason, StopReason::EndTurn);
    assert_eq!(reply.message().text(), "It is 15 degrees.");
    let body = &server.seen()[0].body;
    assert!(body.get("stream").is_none());
    assert_eq!(body["messages"][2]["content"][0]["type"], "tool_result");
    assert_eq!(body["messages"][2]["content"][0]["tool_use_id"], "toolu_1");
    Ok(())
}

#[tokio::test]
async fn rate_limits_overload_and_broken_streams_are_retried_within_bounds() -> TestResult {
    let server = ScriptedModel::start()?;
    let client = client(&server, Wire::Anthropic, Some("k"))?;
    // 429 asking for 0.4 s, then a stream with an `error` event mid-way, then a stream that
    // breaks off: three failures, but only two retries are allowed…
    let full = anthropic_stream(ANSWER, &[]);
    let mid_error = format!(
        "{}event: error\ndata: {}\n\n",
        &full[..full.find("event: content_block_stop").unwrap()],
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    );
    server.push([
        Answer::Status {
            status: 429,
            headers: vec![("retry-after".into(), "0.4".into())],
            body: anthropic_error("rate_limit_error", "slow down"),
        },
        Answer::Stream {
            body: mid_error,
            chunk: 9,
        },
        Answer::Broken {
            body: full.clone(),
            bytes: full.len() / 2,
        },
        Answer::Stream {
            body: full.clone(),
            chunk: 13,
        },
    ]);
    let started = Instant::now();
    let (reply, _, retries) = stream(&client).await;
    assert_eq!(
        reply.unwrap_err().code(),
        "stream",
        "the third failure is not retried"
    );
    assert_eq!(retries, vec![2, 3]);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen[1].at - seen[0].at >= Duration::from_millis(400),
        "retry-after is honoured"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // …so the next request starts afresh and gets the full answer, its partial text void.
    let (reply, text, retries) = stream(&client).await;
    assert!(reply.is_ok());
    assert_eq!(text, ANSWER);
    assert!(retries.is_empty());

    // 529 three times: given up, as "unavailable".
    let overloaded = Answer::Status {
        status: 529,
        headers: vec![],
        body: anthropic_error("overloaded_error", "Overloaded"),
    };
    server.push([overloaded.clone(), overloaded.clone(), overloaded]);
    let (reply, _, retries) = stream(&client).await;
    assert_eq!(reply.unwrap_err().code(), "unavailable");
    assert_eq!(retries, vec![2, 3]);
    Ok(())
}

#[tokio::test]
async fn a_spend_limit_or_a_refused_key_is_never_retried() -> TestResult {
    let server = ScriptedModel::start()?;
    let client = client(&server, Wire::Anthropic, Some("k"))?;
    server.push([Answer::Status {
        status: 429,
        headers: vec![],
        body: json!({"type": "error", "error": {"type": "rate_limit_error", "message": "spend limit reached", "details": {"error_code": "enforced_spend_limit_reached"}}}),
    }]);
    let (reply, _, retries) = stream(&client).await;
    assert_eq!(reply.unwrap_err().code(), "spend_limit");
    assert!(retries.is_empty());
    server.push([Answer::Status {
        status: 401,
        headers: vec![],
        body: anthropic_error("authentication_error", "invalid x-api-key"),
    }]);
    let err = client.complete(&request()).await.unwrap_err();
    assert_eq!(err.code(), "auth");
    assert!(err.to_string().contains("invalid x-api-key"));
    assert_eq!(server.seen().len(), 2);
    assert!(
        Client::new(Config {
            wire: Wire::Anthropic,
            base_url: server.url(),
            key: None,
            model: "m".into(),
            timeout: Duration::from_secs(1),
            retry: RetryPolicy::default(),
        })
        .is_err_and(|e| e.code() == "no_key")
    );
    Ok(())
}

#[tokio::test]
async fn nothing_listening_is_offline_and_dropping_the_request_cancels_it() -> TestResult {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let offline = Client::new(Config {
        wire: Wire::Openai,
        base_url: format!("http://127.0.0.1:{port}/v1"),
        key: None,
        model: "m".into(),
        timeout: Duration::from_secs(2),
        retry: RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        },
    })?;
    assert_eq!(
        offline.complete(&request()).await.unwrap_err().code(),
        "offline"
    );

    let server = ScriptedModel::start()?;
    let long = "word ".repeat(4000);
    server.push([Answer::Stream {
        body: anthropic_stream(&long, &[]),
        chunk: 1,
    }]);
    let client = client(&server, Wire::Anthropic, Some("k"))?;
    let cancelled = tokio::time::timeout(Duration::from_millis(300), stream(&client)).await;
    assert!(
        cancelled.is_err(),
        "the stream was still going when it was dropped"
    );
    Ok(())
}

#[tokio::test]
async fn an_openai_compatible_local_server_streams_tool_calls_with_or_without_a_key() -> TestResult
{
    let server = ScriptedModel::start()?;
    let tool = [("call_9", "get_weather", json!({"location": "Zürich"}))];
    server.push([
        Answer::Stream {
            body: openai_stream(ANSWER, &tool),
            chunk: 3,
        },
        Answer::Stream {
            body: openai_stream("Done.", &[]),
            chunk: 1,
        },
    ]);
    let local = client(&server, Wire::Openai, None)?;
    let (reply, text, _) = stream(&local).await;
    let reply = reply?;
    assert_eq!(text, ANSWER);
    assert_eq!(reply.stop_reason, StopReason::ToolUse);
    assert_eq!(reply.usage.input_tokens, 80);
    assert_eq!(
        reply.tool_calls().collect::<Vec<_>>(),
        vec![("call_9", "get_weather", &tool[0].2)]
    );
    let hosted = client(&server, Wire::Openai, Some("sk-openai"))?;
    let (reply, text, _) = stream(&hosted).await;
    assert_eq!(reply?.stop_reason, StopReason::EndTurn);
    assert_eq!(text, "Done.");
    let seen = server.seen();
    assert!(seen[0].head.starts_with("post /v1/chat/completions "));
    assert!(
        !seen[0].head.contains("authorization:"),
        "no key, no header"
    );
    assert!(seen[1].head.contains("authorization: bearer sk-openai"));
    assert_eq!(seen[0].body["messages"][0]["role"], "system");
    assert_eq!(seen[0].body["tools"][0]["type"], "function");
    assert_eq!(seen[0].body["stream_options"]["include_usage"], true);
    Ok(())
}

#[tokio::test]
async fn the_openai_compatible_provider_retries_the_same_failures() -> TestResult {
    let server = ScriptedModel::start()?;
    let full = openai_stream(ANSWER, &[]);
    let mid_error = format!(
        "{}\n\ndata: {}\n\n",
        &full[..full.len() / 2]
            .rsplit_once("\n\n")
            .map_or("", |(head, _)| head),
        json!({"error": {"message": "model overloaded", "type": "server_error"}})
    );
    server.push([
        Answer::Status {
            status: 429,
            headers: vec![("retry-after".into(), "0.3".into())],
            body: json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}),
        },
        Answer::Stream { body: format!("{mid_error}\n\n"), chunk: 7 },
        Answer::Broken { body: full.clone(), bytes: full.len() / 3 },
    ]);
    let client = client(&server, Wire::Openai, Some("sk-openai"))?;
    let (reply, _, retries) = stream(&client).await;
    assert_eq!(reply.unwrap_err().code(), "stream");
    assert_eq!(retries, vec![2, 3]);
    let seen = server.seen();
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(300));
    server.push([Answer::Stream {
        body: full,
        chunk: 1,
    }]);
    let (reply, text, _) = stream(&client).await;
    assert_eq!(reply?.stop_reason, StopReason::EndTurn);
    assert_eq!(text, ANSWER);
    server.push([Answer::Status {
        status: 429,
        headers: vec![],
        body: json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}),
    }]);
    let (reply, _, retries) = stream(&client).await;
    assert_eq!(
        reply.unwrap_err().code(),
        "spend_limit",
        "no quota left is not retried"
    );
    assert!(retries.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_is_not_retried() -> TestResult {
    let server = ScriptedModel::start()?;
    server.push([Answer::Silent { ms: 5_000 }]);
    let client = Client::new(Config {
        wire: Wire::Anthropic,
        base_url: server.url(),
        key: Some("k".into()),
        model: "m".into(),
        timeout: Duration::from_millis(800),
        retry: RetryPolicy::default(),
    })?;
    let started = Instant::now();
    let (reply, _, retries) = stream(&client).await;
    assert_eq!(reply.unwrap_err().code(), "timeout");
    assert!(retries.is_empty(), "a timed-out request is not sent again");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.seen().len(), 1);
    Ok(())
}
