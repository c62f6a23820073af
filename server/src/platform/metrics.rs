//! Prometheus metrics, served at `GET /metrics` in the text exposition format:
//!
//! * `tbs_http_requests_total{method, route, status}` and
//!   `tbs_http_request_duration_seconds{method, route, status}` (histogram):
//!   every request, labelled by its route pattern (`/api/orders/{id}`, never
//!   the concrete path, so the label set stays small);
//! * `tbs_events_total{consumer, event_type, outcome}`: every delivery a
//!   consumer handled, will retry, or dead-lettered;
//! * `tbs_event_age_seconds{consumer}` (histogram): time from an event's
//!   occurrence to its handling — the consumers' lag;
//! * `tbs_store_calls_total{table, call}`, `tbs_store_write_units_total{table}`
//!   and `tbs_store_read_units_total{table}`: store calls and what they would
//!   cost on DynamoDB (see `store::metered`);
//! * `tbs_store_commit_seconds` and `tbs_store_commit_requests` (histograms):
//!   each embedded commit's time and how many writes it carried (one commit
//!   covers the writes of every table); `tbs_store_checkpoint_seconds`
//!   (histogram): each checkpoint's time (redb's file made durable, the
//!   journal started again); `tbs_store_journal_syncs_total`: the journal's
//!   syncs (one per commit that carried a durable write);
//! * `tbs_files_synced_total{what}`: syncs of files written whole (`file`)
//!   and of the directories they were renamed into (`directory`), such as
//!   the mail folder's: with the journal's, what the disk's syncs are spent on.

use crate::platform::access::{Access, Guarded};
use axum::extract::{MatchedPath, Request};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use handles::Handles;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{LazyLock, OnceLock};
use std::time::Instant;
use utoipa_axum::routes;

mod handles;

const WRITES_PER_COMMIT: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The process's recorder, installed on first use (one per process: tests
/// build many apps in one).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full("tbs_store_commit_requests".into()), WRITES_PER_COMMIT)
            })
            .expect("buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics stays empty");
        }
        metrics::describe_counter!("tbs_http_requests_total", "HTTP requests answered, by route pattern and status");
        metrics::describe_histogram!("tbs_http_request_duration_seconds", "time to answer an HTTP request");
        metrics::describe_counter!("tbs_events_total", "event deliveries a consumer handled, retried or dead-lettered");
        metrics::describe_histogram!("tbs_event_age_seconds", "time from an event's occurrence to its handling");
        metrics::describe_counter!("tbs_store_calls_total", "store calls, by table and kind");
        metrics::describe_counter!("tbs_store_write_units_total", "DynamoDB write capacity units the writes cost");
        metrics::describe_counter!("tbs_store_read_units_total", "DynamoDB read capacity units the reads cost");
        metrics::describe_histogram!("tbs_store_commit_seconds", "time of one embedded commit (group of writes)");
        metrics::describe_histogram!("tbs_store_commit_requests", "writes one embedded commit carried");
        metrics::describe_histogram!("tbs_store_checkpoint_seconds", "time of one embedded checkpoint");
        metrics::describe_counter!("tbs_store_journal_syncs_total", "syncs of the embedded store's journal");
        metrics::describe_counter!("tbs_files_synced_total", "syncs of files written whole, and of their directories");
        handle
    })
}

/// The value of the counter `series` (its name and labels as rendered,
/// e.g. `tbs_files_synced_total{what="file"}`) in this process, 0 before
/// its first count.
pub fn counted(series: &str) -> u64 {
    let rendered = handle().render();
    let value = rendered.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok());
    value.unwrap_or(0)
}

pub fn router<S: Clone + Send + Sync + 'static>() -> Guarded<S> {
    Guarded::new().route(Access::Public, routes!(metrics))
}

/// Prometheus metrics (text exposition format): requests by route pattern, method and status with their durations; event deliveries per consumer and outcome, and the events' age when handled; store calls per table and their DynamoDB capacity units; embedded commits' time and writes per commit; the disk syncs of the store's journal and of files written whole.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    responses(
        (status = 200, description = "metrics", body = String, content_type = "text/plain"),
    )
)]
async fn metrics() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render())
}

/// Route middleware: hands the route's pattern to [`record`], which runs
/// outside the router, on the answer.
pub async fn tag_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// A request's handles: its counter and its time, by method and status
/// (under its route).
#[derive(Clone)]
struct Answered {
    method: &'static str,
    status: u16,
    count: Counter,
    time: Histogram,
}

static ANSWERED: LazyLock<Handles<Answered>> = LazyLock::new(|| {
    handle();
    Handles::new()
});

/// A request being timed (see [`crate::platform::edge`]): it is counted
/// and timed once answered, by the route [`tag_route`] names.
pub struct Timed {
    method: &'static str,
    started: Instant,
}

impl Timed {
    pub fn start(request: &Request) -> Self {
        Self { method: method_label(request.method()), started: Instant::now() }
    }

    /// Counts and times the request `response` answers.
    pub fn record(self, response: &Response) {
        let Self { method, started } = self;
        let route = response.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
        let status = response.status().as_u16();
        let register = || {
            let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
            let count = metrics::counter!("tbs_http_requests_total", &labels);
            Answered { method, status, count, time: metrics::histogram!("tbs_http_request_duration_seconds", &labels) }
        };
        let answered = ANSWERED.get(route, |a| a.method == method && a.status == status, register);
        answered.count.increment(1);
        answered.time.record(started.elapsed().as_secs_f64());
    }
}

/// The method as a label: the standard ones by name, anything else as one
/// value, so made-up methods cannot grow the series without bound.
fn method_label(method: &axum::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];
    KNOWN.into_iter().find(|known| *known == method.as_str()).unwrap_or("other")
}

/// A delivery's handles: its outcome's counter, and its consumer's lag, by
/// consumer and outcome (under its event type).
#[derive(Clone)]
struct Delivered {
    consumer: &'static str,
    outcome: &'static str,
    count: Counter,
    age: Histogram,
}

static DELIVERED: LazyLock<Handles<Delivered>> = LazyLock::new(|| {
    handle();
    Handles::new()
});

/// Counts one delivery's outcome (`handled`, `retrying`, `deferred`, `dead_lettered`) and, when handled, its age.
pub fn event(consumer: &'static str, event_type: &str, outcome: &'static str, age: Option<std::time::Duration>) {
    let register = || {
        let labels = [("consumer", consumer), ("event_type", event_type), ("outcome", outcome)];
        let labels = labels.map(|(name, value)| (name, value.to_owned()));
        let count = metrics::counter!("tbs_events_total", &labels);
        Delivered {
            consumer,
            outcome,
            count,
            age: metrics::histogram!("tbs_event_age_seconds", "consumer" => consumer),
        }
    };
    let delivered = DELIVERED.get(event_type, |d| d.consumer == consumer && d.outcome == outcome, register);
    delivered.count.increment(1);
    if let Some(age) = age {
        delivered.age.record(age.as_secs_f64());
    }
}
