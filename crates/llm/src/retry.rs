//! When a failed request may be tried again, and how long to wait: the rules of Anthropic's
//! own SDKs (retry connection errors, 408, 409, 429 and every 5xx including 529; honour
//! `x-should-retry`; wait what `retry-after-ms` or `retry-after` asks when it is between 0
//! and 60 s, else `min(0.5 s × 2ⁿ, 8 s)` less up to a quarter of jitter), and never retry
//! when the account's spend limit is reached.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use crate::{Failure, LlmError};

/// How many times to retry, and the backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first try.
    pub max_retries: u32,
    /// The first backoff, doubled each retry.
    pub initial: Duration,
    /// The longest backoff.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first): the server's if it asked for
    /// one of at most 60 s, else exponential backoff with jitter.
    pub fn delay(&self, retry: u32, asked: Option<Duration>) -> Duration {
        if let Some(wait) = asked.filter(|w| !w.is_zero() && *w <= Duration::from_secs(60)) {
            return wait;
        }
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let base = self.initial.saturating_mul(factor).min(self.max);
        base.mul_f64(1.0 - 0.25 * fastrand::f64())
    }
}

/// The wait a response asks for: `retry-after-ms`, else `retry-after` in seconds (a float)
/// or as an HTTP date.
pub fn asked_wait(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// A non-2xx response as an error, and whether to try again.
pub(crate) fn classify(status: u16, headers: &HeaderMap, body: &[u8]) -> Failure {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let error = json.as_ref().and_then(|j| j.get("error"));
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                format!("HTTP {status}")
            } else {
                text.chars().take(300).collect()
            }
        });
    let error_type = error
        .and_then(|e| e.get("type").or_else(|| e.get("code")))
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let spend_limit = error
        .and_then(|e| e.get("details"))
        .and_then(|d| d.get("error_code"))
        .and_then(|c| c.as_str())
        .is_some_and(|c| c == "enforced_spend_limit_reached")
        || error_type == "billing_error"
        || error_type == "insufficient_quota"
        || status == 402;
    let asked = asked_wait(headers);
    let error = match status {
        _ if spend_limit => LlmError::SpendLimit(message),
        401 | 403 => LlmError::Auth(message),
        429 => LlmError::RateLimited {
            message,
            retry_after: asked,
        },
        500.. => LlmError::Unavailable(message),
        _ => LlmError::Refused { status, message },
    };
    let retryable = !spend_limit && matches!(status, 408 | 409 | 429 | 500..);
    let retryable = match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => !spend_limit,
        Some("false") => false,
        _ => retryable,
    };
    Failure {
        error,
        retry: retryable.then_some(asked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn what_is_retried_and_after_how_long() {
        let body = br#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#;
        let f = classify(429, &headers(&[("retry-after", "2")]), body);
        assert_eq!(f.retry, Some(Some(Duration::from_secs(2))));
        assert_eq!(f.error.code(), "rate_limited");
        let f = classify(
            529,
            &HeaderMap::new(),
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(f.retry, Some(None));
        assert_eq!(f.error.code(), "unavailable");
        for status in [408, 409, 500, 502, 503] {
            assert!(
                classify(status, &HeaderMap::new(), b"").retry.is_some(),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 413] {
            assert!(
                classify(status, &HeaderMap::new(), b"").retry.is_none(),
                "{status}"
            );
        }
        let spend = br#"{"type":"error","error":{"type":"rate_limit_error","message":"limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let f = classify(429, &headers(&[("x-should-retry", "true")]), spend);
        assert_eq!(f.retry, None);
        assert_eq!(f.error.code(), "spend_limit");
        assert!(
            classify(503, &headers(&[("x-should-retry", "false")]), b"")
                .retry
                .is_none()
        );
        assert!(
            classify(400, &headers(&[("x-should-retry", "true")]), b"")
                .retry
                .is_some()
        );
        assert_eq!(
            asked_wait(&headers(&[("retry-after-ms", "250"), ("retry-after", "9")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            asked_wait(&headers(&[("retry-after", "0.5")])),
            Some(Duration::from_millis(500))
        );
        assert!(
            asked_wait(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )]))
            .is_some()
        );
    }

    #[test]
    fn backoff_doubles_up_to_a_limit_with_jitter_and_long_waits_are_not_trusted() {
        let p = RetryPolicy::default();
        for retry in 1..8 {
            let d = p.delay(retry, None);
            let full = Duration::from_millis(500)
                .saturating_mul(1 << (retry - 1))
                .min(Duration::from_secs(8));
            assert!(d <= full && d >= full.mul_f64(0.75), "{retry}: {d:?}");
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert!(p.delay(1, Some(Duration::from_secs(600))) <= Duration::from_millis(500));
    }
}
