//! Answers that name the version of what they show, so a client that polls
//! can ask "has it changed?" and be told "no" without being sent it again.
//!
//! The answer carries `ETag: W/"<version>"` (the stored item's version,
//! which every write moves on). A request whose `If-None-Match` names that
//! tag (or `*`) is answered `304 Not Modified`, with the tag and no body;
//! the answer is built only otherwise. The tag is weak: a later build of the
//! store may write the same version out differently, and means the same.
//! The caller decides who may see the thing before asking, so a 304 tells
//! no one more than the answer would.

use axum::http::header::{ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// RFC 7240's request header: what the client prefers (here, `wait`).
const PREFER: &str = "prefer";

/// `answer`, tagged with `version`; or 304 when `request` names that version.
pub fn answer<R: IntoResponse>(request: &HeaderMap, version: u64, answer: impl FnOnce() -> R) -> Response {
    let tag = tag(version);
    let mut response =
        if names(request, &tag) { StatusCode::NOT_MODIFIED.into_response() } else { answer().into_response() };
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}

/// Whether `request` names `version` as the one its client has.
pub fn unchanged(request: &HeaderMap, version: u64) -> bool {
    names(request, &tag(version))
}

/// How long `request` asks to wait for a change (`Prefer: wait=<seconds>`,
/// RFC 7240) before being told there was none, at most `longest`.
pub fn wait_asked(request: &HeaderMap, longest: Duration) -> Option<Duration> {
    let seconds = request
        .get_all(PREFER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix("wait=")?.trim().parse::<u64>().ok())?;
    (seconds > 0).then(|| Duration::from_secs(seconds).min(longest))
}

fn tag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// Whether any `If-None-Match` of `request` names `tag`: compared weakly,
/// as RFC 9110 asks of `If-None-Match` (`W/"3"` and `"3"` are one).
fn names(request: &HeaderMap, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = opaque(tag);
    request
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(if_none_match: &[&str], version: u64) -> Response {
        let mut headers = HeaderMap::new();
        for v in if_none_match {
            headers.append(IF_NONE_MATCH, HeaderValue::from_str(v).unwrap());
        }
        answer(&headers, version, || "the order")
    }

    #[test]
    fn a_named_version_is_not_sent_again_and_any_other_is() {
        for (sent, version, status) in [
            (&[][..], 3, StatusCode::OK),
            (&["W/\"3\""][..], 3, StatusCode::NOT_MODIFIED),
            (&["\"3\""][..], 3, StatusCode::NOT_MODIFIED),
            (&["W/\"1\", W/\"3\""][..], 3, StatusCode::NOT_MODIFIED),
            (&["W/\"1\"", "W/\"3\""][..], 3, StatusCode::NOT_MODIFIED),
            (&["*"][..], 3, StatusCode::NOT_MODIFIED),
            (&["W/\"3\""][..], 4, StatusCode::OK),
            (&["W/\"33\""][..], 3, StatusCode::OK),
            (&["3"][..], 3, StatusCode::OK),
        ] {
            let response = asked(sent, version);
            assert_eq!(response.status(), status, "{sent:?} at version {version}");
            assert_eq!(response.headers()[ETAG], format!("W/\"{version}\""), "{sent:?}");
        }
    }

    #[test]
    fn a_wait_is_asked_in_whole_seconds_and_capped() {
        let asked = |prefer: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(PREFER, HeaderValue::from_str(prefer).unwrap());
            wait_asked(&headers, Duration::from_secs(5))
        };
        assert_eq!(asked("wait=3"), Some(Duration::from_secs(3)));
        assert_eq!(asked("respond-async, wait=60"), Some(Duration::from_secs(5)), "at most the longest");
        assert_eq!(asked("wait=0"), None);
        assert_eq!(asked("wait=soon"), None);
        assert_eq!(asked("return=minimal"), None);
        assert_eq!(wait_asked(&HeaderMap::new(), Duration::from_secs(5)), None);
    }

    #[tokio::test]
    async fn not_modified_has_no_body_and_the_answer_has_its_own() {
        let body = |r: Response| async { axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap() };
        assert!(body(asked(&["W/\"3\""], 3)).await.is_empty());
        assert_eq!(body(asked(&["W/\"2\""], 3)).await, "the order");
    }
}
