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
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
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
