//! Another process's service, through its HTTP API: how the pages of a
//! process reach a service it does not run (identity, fulfilment, reports
//! elsewhere), so every page is served wherever the pages are, and each
//! table is still read only by its own service. A call carries the served
//! request's credentials (its `Cookie` and `Authorization`), so the owning
//! service decides who may do what, as it does for the browser; its error
//! answer comes back as the same [`ErrorDetail`] with the same status.

use app::api::{ErrorBody, ErrorDetail};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// One service's API at its base URL (e.g. `http://fulfilment.internal:3000`).
pub struct Upstream {
    http: reqwest::Client,
    base: String,
    /// Who it is, for people ("dispatch", "accounts").
    name: &'static str,
}

/// A successful answer: its body and the cookies it set.
pub struct Answer<T> {
    pub value: T,
    pub set_cookies: Vec<String>,
}

impl Upstream {
    pub fn new(name: &'static str, base_url: &str) -> anyhow::Result<Self> {
        Ok(Self { http: client(Duration::from_secs(10))?, base: base_url.trim_end_matches('/').to_string(), name })
    }

    /// `method path` (with `query` pairs and a JSON `body`), as the request
    /// being served: with `cookie` when given (`""`: none), else with the
    /// served request's.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&(impl Serialize + Sync)>,
        cookie: Option<&str>,
    ) -> Result<Answer<T>, ErrorDetail> {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).query(query);
        for (name, value) in credentials(cookie) {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let set_cookies = all(response.headers(), header::SET_COOKIE);
        let text = response.text().await.map_err(|e| self.unreachable(&e))?;
        if !status.is_success() {
            return Err(self.refusal(status.as_u16(), &text));
        }
        // An empty answer (204) reads as JSON `null`, which `()` accepts.
        let value =
            serde_json::from_str(if text.is_empty() { "null" } else { &text }).map_err(|e| self.unreachable(&e))?;
        Ok(Answer { value, set_cookies })
    }

    fn unreachable(&self, error: &dyn std::fmt::Display) -> ErrorDetail {
        tracing::error!(service = self.name, base = %self.base, %error, "a service in another process did not answer");
        ErrorDetail::new(
            "service_unavailable",
            format!("The {} service is not answering; try again shortly", self.name),
        )
        .with_status(503)
    }

    /// The service's own refusal, as it said it (or a plain one if it said it otherwise).
    fn refusal(&self, status: u16, text: &str) -> ErrorDetail {
        match serde_json::from_str::<ErrorBody>(text) {
            Ok(body) => body.error.with_status(status),
            Err(_) => self.unreachable(&format!("answered {status} without an error body")),
        }
    }
}

/// A client for calls between the store's processes: each answer within
/// `timeout`, a connection within 2 s, and redirects not followed.
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder().timeout(timeout).connect_timeout(Duration::from_secs(2));
    builder.redirect(reqwest::redirect::Policy::none()).build()
}

/// The served request's `Cookie` (or `cookie`) and `Authorization` headers.
fn credentials(cookie: Option<&str>) -> Vec<(header::HeaderName, HeaderValue)> {
    let served = leptos::prelude::use_context::<axum::http::request::Parts>().map(|p| p.headers).unwrap_or_default();
    let mut headers: Vec<_> =
        served.get(header::AUTHORIZATION).map(|v| (header::AUTHORIZATION, v.clone())).into_iter().collect();
    let cookie = match cookie {
        Some("") => None,
        Some(cookie) => HeaderValue::from_str(cookie).ok(),
        None => served.get(header::COOKIE).cloned(),
    };
    headers.extend(cookie.map(|v| (header::COOKIE, v)));
    headers
}

fn all(headers: &HeaderMap, name: header::HeaderName) -> Vec<String> {
    headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
}

/// `value` as one path segment (a `/` or `?` in it cannot reach another route).
pub fn segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
