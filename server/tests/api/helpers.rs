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
    pub settings: Settings,
    dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings { data_dir: dir.path().join("db"), ..Settings::default() };
    let state = AppState::build(&settings).await.expect("app state");
    TestApp { router: app(state), settings, dir }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Reply {
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
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type =
            response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, content_type, body: String::from_utf8_lossy(&bytes).into_owned() }
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
