//! Liveness and readiness probes for load balancers and orchestrators.

use crate::catalog::Catalog;
use crate::platform::access::{Access, Guarded};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router<S: Clone + Send + Sync + 'static>(catalog: Arc<Catalog>) -> Guarded<S> {
    Guarded::new()
        .route("/health/live", Access::Public, get(live))
        .route("/health/ready", Access::Public, get(ready))
        .with_state(catalog)
}

/// 200 while the process can answer at all.
async fn live() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

/// 200 when the store answers; 503 otherwise, so traffic goes elsewhere.
async fn ready(State(catalog): State<Arc<Catalog>>) -> (StatusCode, Json<Value>) {
    match catalog.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: catalog store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "checks": { "catalog": "down" } })))
        }
    }
}
