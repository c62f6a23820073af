//! Liveness and readiness probes for load balancers and orchestrators.

use crate::platform::access::{Access, Guarded};
use crate::platform::json::Json;
use crate::platform::store::{Key, Table};
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use utoipa_axum::routes;

/// How long a table may take to answer the readiness probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `tables`: those the services of this process opened (and no other).
pub fn router<S: Clone + Send + Sync + 'static>(tables: Vec<Arc<dyn Table>>) -> Guarded<S> {
    Guarded::new()
        .route(Access::Public, routes!(live))
        .route(Access::Public, routes!(ready))
        .with_state(Arc::new(tables))
}

/// The process is alive.
///
/// 200 while the process can answer at all.
#[utoipa::path(
    get,
    path = "/health/live",
    tag = "health",
    responses(
        (status = 200, description = "alive"),
    )
)]
async fn live() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

/// Every table of the services in this process answers (503 names those that do not).
///
/// 200 when every table of this process's services answers; 503 naming those that do not otherwise, so
/// traffic goes elsewhere.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "health",
    responses(
        (status = 200, description = "ready"),
        (status = 503, description = "not ready"),
    )
)]
async fn ready(State(tables): State<Arc<Vec<Arc<dyn Table>>>>) -> (StatusCode, Json<Value>) {
    let probes = tables.iter().map(|table| async move {
        let answered = tokio::time::timeout(PROBE_TIMEOUT, table.get(&Key::new("READY", "READY"))).await;
        (table.name().to_string(), matches!(answered, Ok(Ok(_))))
    });
    let mut down = Map::new();
    for (name, up) in futures_util::future::join_all(probes).await {
        if !up {
            tracing::warn!(table = %name, "not ready: the table does not answer");
            down.insert(name, json!("down"));
        }
    }
    if down.is_empty() {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "checks": down })))
    }
}
