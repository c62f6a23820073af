//! Who is calling, in a process that does not run identity: identity's API
//! (`GET /api/account/me` at `identity_url`, with the caller's cookie or
//! bearer token) answers instead of its table, which only identity reads.
//! Answers are kept [`KEPT_FOR`], so a page's burst of requests asks once;
//! a guest (no session cookie, no token) is answered without asking.

use super::SESSION_COOKIE;
use crate::contracts::ports::Sessions;
use crate::platform::caller::bearer;
use crate::platform::cookies;
use crate::platform::http::ApiError;
use crate::platform::signing::hmac_sha256;
use app::account::AccountView;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer is reused: a sign-out elsewhere reaches this process within it.
pub const KEPT_FOR: Duration = Duration::from_secs(5);
/// Answers kept at most (memory stays bounded however many sessions call).
const MOST_KEPT: usize = 10_000;

/// What identity said about one credential.
#[derive(Clone)]
enum Answer {
    Account(Option<AccountView>),
    /// A bearer token identity refused: its status, body and challenge.
    Refused(StatusCode, String, Option<HeaderValue>),
}

pub struct RemoteSessions {
    http: reqwest::Client,
    me: String,
    kept: Mutex<HashMap<[u8; 32], (Instant, Answer)>>,
}

impl RemoteSessions {
    /// Identity's API at `identity_url` (e.g. `http://identity.internal:3000`).
    pub fn new(identity_url: &str) -> anyhow::Result<Self> {
        let http = crate::platform::upstream::client(Duration::from_secs(5))?;
        let me = format!("{}/api/account/me", identity_url.trim_end_matches('/'));
        Ok(Self { http, me, kept: Mutex::new(HashMap::new()) })
    }

    /// Identity's answer for this credential, reused while fresh; `Err` when identity cannot be reached.
    async fn ask(&self, authorization: Option<&str>, session: Option<&str>) -> Result<Answer, String> {
        let credential = format!("{}\u{1f}{}", authorization.unwrap_or_default(), session.unwrap_or_default());
        let key = hmac_sha256(b"tbs remote sessions", credential.as_bytes());
        if let Some((at, answer)) = self.kept.lock().expect("not poisoned").get(&key)
            && at.elapsed() < KEPT_FOR
        {
            return Ok(answer.clone());
        }
        let mut request = self.http.get(&self.me);
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        if let Some(session) = session {
            request = request.header(header::COOKIE, format!("{SESSION_COOKIE}={session}"));
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let answer = answer(response).await?;
        self.keep(key, answer.clone());
        Ok(answer)
    }

    fn keep(&self, key: [u8; 32], answer: Answer) {
        let mut kept = self.kept.lock().expect("not poisoned");
        if kept.len() >= MOST_KEPT {
            kept.retain(|_, (at, _)| at.elapsed() < KEPT_FOR);
            if kept.len() >= MOST_KEPT {
                kept.clear();
            }
        }
        kept.insert(key, (Instant::now(), answer));
    }
}

/// What identity's `GET /api/account/me` answer means.
async fn answer(response: reqwest::Response) -> Result<Answer, String> {
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    if status == StatusCode::OK {
        return response.json::<AccountView>().await.map(|a| Answer::Account(Some(a))).map_err(|e| e.to_string());
    }
    if status != StatusCode::UNAUTHORIZED {
        return Err(format!("identity answered {status}"));
    }
    let challenge = response.headers().get(header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok());
    let challenge = challenge.and_then(|v| HeaderValue::from_str(v).ok());
    let body = response.text().await.unwrap_or_default();
    Ok(match challenge {
        Some(challenge) => Answer::Refused(status, body, Some(challenge)),
        None => Answer::Account(None),
    })
}

#[async_trait::async_trait]
impl Sessions for RemoteSessions {
    async fn caller(
        &self,
        authorization: Option<&str>,
        cookie_header: Option<&str>,
    ) -> Result<Option<AccountView>, Response> {
        let authorization = bearer(authorization).and(authorization);
        let session = cookies::read(cookie_header, SESSION_COOKIE).filter(|s| !s.is_empty());
        if authorization.is_none() && session.is_none() {
            return Ok(None);
        }
        match self.ask(authorization, session.as_deref()).await {
            Ok(Answer::Account(account)) => Ok(account),
            Ok(Answer::Refused(status, body, challenge)) => Err(refusal(status, body, challenge)),
            Err(e) if authorization.is_some() => {
                tracing::error!(error = %e, "identity cannot be reached to check a bearer token");
                Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "identity_unavailable", "Try again shortly")
                    .into_response())
            }
            Err(e) => {
                tracing::error!(error = %e, "identity cannot be reached; treating the caller as signed out");
                Ok(None)
            }
        }
    }

    async fn still_signed_in(&self, cookie_header: &str) -> bool {
        let Some(session) = cookies::read(Some(cookie_header), SESSION_COOKIE) else { return false };
        match self.ask(None, Some(&session)).await {
            Ok(Answer::Account(account)) => account.is_some(),
            Ok(Answer::Refused(..)) => false,
            Err(e) => {
                tracing::warn!(error = %e, "could not check a session; keeping its stream open");
                true
            }
        }
    }
}

/// Identity's refusal of a bearer token, passed on as it was.
fn refusal(status: StatusCode, body: String, challenge: Option<HeaderValue>) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(challenge) = challenge {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A stand-in for identity's `GET /api/account/me`: session `good` and
    /// bearer `good` are Ann; anything else is refused (a bad bearer with its challenge).
    async fn identity() -> (String, Arc<AtomicUsize>) {
        let asked = Arc::new(AtomicUsize::new(0));
        let counting = asked.clone();
        let me = move |headers: HeaderMap| {
            let counting = counting.clone();
            async move {
                counting.fetch_add(1, Ordering::SeqCst);
                let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).unwrap_or_default();
                let ann = AccountView {
                    id: "ann".into(),
                    email: "ann@example.com".into(),
                    name: "Ann".into(),
                    roles: vec![],
                };
                match (header("authorization"), header("cookie")) {
                    ("Bearer good", _) | ("", "tbs_session=good") => axum::Json(ann).into_response(),
                    ("", _) => (StatusCode::UNAUTHORIZED, "{}").into_response(),
                    _ => {
                        (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")], "{}")
                            .into_response()
                    }
                }
            }
        };
        let app = axum::Router::new().route("/api/account/me", axum::routing::get(me));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, asked)
    }

    #[tokio::test]
    async fn a_session_is_asked_of_identity_once_while_its_answer_is_fresh() {
        let (url, asked) = identity().await;
        let sessions = RemoteSessions::new(&url).unwrap();
        let ann = sessions.caller(None, Some("theme=dark; tbs_session=good")).await.unwrap();
        assert_eq!(ann.map(|a| a.id).as_deref(), Some("ann"));
        assert!(sessions.caller(None, Some("tbs_session=good")).await.unwrap().is_some());
        assert_eq!(asked.load(Ordering::SeqCst), 1, "the second request reused the answer");
        assert!(sessions.still_signed_in("tbs_session=good").await);
        assert!(sessions.caller(None, Some("tbs_session=ended")).await.unwrap().is_none());
        assert!(!sessions.still_signed_in("tbs_session=ended").await);
    }

    #[tokio::test]
    async fn a_guest_is_answered_without_asking() {
        let (url, asked) = identity().await;
        let sessions = RemoteSessions::new(&url).unwrap();
        assert!(sessions.caller(None, Some("tbs_cart=abc")).await.unwrap().is_none());
        assert!(sessions.caller(Some("Basic abc"), None).await.unwrap().is_none());
        assert_eq!(asked.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_bearer_token_identity_refuses_is_refused_with_its_challenge() {
        let (url, _) = identity().await;
        let sessions = RemoteSessions::new(&url).unwrap();
        assert!(sessions.caller(Some("Bearer good"), None).await.unwrap().is_some());
        let refused = sessions.caller(Some("Bearer forged"), None).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(refused.headers().contains_key(header::WWW_AUTHENTICATE));
    }

    #[tokio::test]
    async fn unreachable_identity_makes_a_guest_but_never_admits_a_bearer() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let sessions = RemoteSessions::new(&format!("http://{closed}")).unwrap();
        assert!(sessions.caller(None, Some("tbs_session=good")).await.unwrap().is_none());
        let refused = sessions.caller(Some("Bearer good"), None).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(sessions.still_signed_in("tbs_session=good").await, "a live stream is not cut for it");
    }
}
