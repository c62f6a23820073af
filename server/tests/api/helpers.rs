//! `spawn_app()`: the real app over a throw-away data directory.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use server::config::Settings;
use server::startup::{AppState, app};
use tower::ServiceExt;

pub struct TestApp {
    router: Router,
    pub state: AppState,
    pub settings: Settings,
    dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

/// Building an app (which lists the pages' routes by rendering them) and
/// answering a request, one at a time across this binary's tests. Each test
/// is its own app: one built while another renders a page could leave that
/// page waiting until the request timeout (1 run in 5 of the page tests), as
/// `tbs`, which builds its one app before serving, never does.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The app with `settings` (its data directory is made here).
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings { data_dir: dir.path().join("db"), ..settings };
    let state = AppState::build(&settings).await.expect("app state");
    let router = {
        let _turn = ONE_AT_A_TIME.lock().await;
        app(state.clone())
    };
    TestApp { router, state, settings, dir }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub set_cookie: Option<String>,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The `name=value` part of the `Set-Cookie` header, to send back.
    pub fn cookie(&self) -> Option<String> {
        self.set_cookie.as_deref().map(|c| c.split(';').next().unwrap().to_string())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestApp {
    /// Stops the app (closing its database files) and hands back its data directory.
    pub fn stop(self) -> tempfile::TempDir {
        drop(self.router);
        self.dir
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let _turn = ONE_AT_A_TIME.lock().await;
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        let content_type = header("content-type").unwrap_or_default();
        let set_cookie = header("set-cookie");
        let location = header("location");
        let retry_after = header("retry-after");
        let headers = response.headers().clone();
        if content_type.starts_with("text/event-stream") {
            // A live stream never ends: its headers are the answer.
            return Reply { status, content_type, set_cookie, location, retry_after, headers, body: String::new() };
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Reply { status, content_type, set_cookie, location, retry_after, headers, body }
    }

    /// A JSON request with an optional `Cookie` header.
    pub async fn call(&self, method: &str, uri: &str, cookie: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// GET expecting JSON with the given status.
    pub async fn get_json(&self, uri: &str, expected: StatusCode) -> Value {
        let reply = self.get(uri).await;
        assert_eq!(reply.status, expected, "GET {uri}: {}", reply.body);
        assert!(reply.content_type.starts_with("application/json"), "GET {uri}: {}", reply.content_type);
        reply.json()
    }
}

/// The SKUs of a product page body.
pub fn skus(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|p| p["sku"].as_str().unwrap().to_string()).collect()
}
