//! The tracking API, mounted at `/api/tracking`: an order's timeline, and
//! server-sent events as it grows (per order, and per signed-in shopper).

use super::{Followed, Owner, Tracking, Update, follow};
use crate::contracts::ports::Sessions;
use crate::platform::access::{Access, Guarded, may_read_order};
use crate::platform::extract::LinkToken;
use crate::platform::http::ApiError;
use crate::platform::json::Json;
use app::account::SignedIn;
use app::api::ErrorBody;
use app::tracking::Timeline;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use std::convert::Infallible;
use std::sync::Arc;
use utoipa_axum::routes;

/// How often a shopper's open stream checks that its session still stands.
pub const SESSION_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Clone)]
pub struct TrackingApi {
    pub tracking: Arc<Tracking>,
    pub sessions: Arc<dyn Sessions>,
}

pub fn router<S: Clone + Send + Sync + 'static>(tracking: Arc<Tracking>, sessions: Arc<dyn Sessions>) -> Guarded<S> {
    Guarded::new()
        .route(Access::OrderHolder, routes!(timeline))
        .route(Access::OrderHolder, routes!(order_events))
        .route(Access::SignedIn, routes!(my_events))
        .with_state(TrackingApi { tracking, sessions })
}

/// Whether `caller` (or the link `token`) may see order `id`, by the one
/// rule (`app::orders::access`). Tracking knows the placing account, not a
/// guest's cart: a guest's order is followed with its link's token.
pub async fn authorize(tracking: &Tracking, caller: &SignedIn, id: &str, token: Option<&str>) -> Result<(), ApiError> {
    let owner = tracking.owner(id).await.map_err(|e| ApiError::internal("tracking store failed", &e))?;
    let account_id = match &owner {
        Owner::Unknown => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "order_not_found", format!("no order {id}")));
        }
        Owner::Account(account) => Some(account.as_str()),
        Owner::Guest => None,
    };
    may_read_order(account_id, caller, token.is_some_and(|t| tracking.token_matches(id, t)))
}

/// The order's timeline (owner, staff or link token).
///
/// The timeline, oldest first.
#[utoipa::path(
    get,
    path = "/orders/{id}",
    tag = "tracking",
    params(
        ("id" = String, Path, description = "the order id (a UUID the client chose)"),
        LinkToken,
    ),
    responses(
        (status = 200, description = "the timeline", body = Timeline),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no such order", body = ErrorBody),
    )
)]
async fn timeline(
    State(TrackingApi { tracking, .. }): State<TrackingApi>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
) -> Result<Json<Timeline>, ApiError> {
    authorize(&tracking, &caller, &id, param.token.as_deref()).await?;
    let timeline = tracking.timeline(&id).await.map_err(|e| ApiError::internal("tracking store failed", &e))?;
    Ok(Json(timeline))
}

/// The followed entries as server-sent events named `timeline` whose data
/// is `{ order_id, entry }`, until `until` completes. The stream opens with a
/// comment and the reconnection delay (2 s), so the browser (and any proxy
/// holding the headers back until the first bytes) knows at once it is open:
/// the page catches up on what it missed then.
fn events(
    updates: impl Stream<Item = Update> + Send + 'static,
    until: impl Future<Output = ()> + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let opened = Event::default().comment("open").retry(std::time::Duration::from_secs(2));
    let stream = updates.map(|update| {
        let data = serde_json::json!({ "order_id": update.order_id, "entry": update.entry });
        Ok(Event::default().event("timeline").data(data.to_string()))
    });
    let stream = futures_util::stream::once(async move { Ok(opened) }).chain(stream);
    Sse::new(stream.take_until(until)).keep_alive(KeepAlive::default())
}

/// Completes when the session `cookie` names is signed out (checked every [`SESSION_CHECK_EVERY`]).
async fn session_ended(sessions: Arc<dyn Sessions>, cookie: String) {
    loop {
        tokio::time::sleep(SESSION_CHECK_EVERY).await;
        if !sessions.still_signed_in(&cookie).await {
            return;
        }
    }
}

/// Server-sent events `timeline` ({ order_id, entry }) as the order's timeline grows, from whichever process stored the entry.
///
/// This order's new timeline entries, live.
#[utoipa::path(
    get,
    path = "/orders/{id}/events",
    tag = "tracking",
    params(
        ("id" = String, Path, description = "the order id (a UUID the client chose)"),
        LinkToken,
    ),
    responses(
        (status = 200, description = "an event stream", body = String, content_type = "text/event-stream"),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no such order (`order_not_found`)", body = ErrorBody),
    )
)]
async fn order_events(
    State(TrackingApi { tracking, .. }): State<TrackingApi>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    authorize(&tracking, &caller, &id, param.token.as_deref()).await?;
    Ok(events(follow(tracking, Followed::Order(id)), std::future::pending()))
}

/// The same events for every order of the signed-in shopper.
///
/// New timeline entries of every order of the signed-in shopper, live. Ends when the session it was
/// opened with is signed out.
#[utoipa::path(
    get,
    path = "/stream",
    tag = "tracking",
    responses(
        (status = 200, description = "an event stream", body = String, content_type = "text/event-stream"),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
    )
)]
async fn my_events(
    State(TrackingApi { tracking, sessions }): State<TrackingApi>,
    Extension(caller): Extension<SignedIn>,
    headers: axum::http::HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let account = caller.0.map(|a| a.id).unwrap_or_default();
    let cookie = headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let until: std::pin::Pin<Box<dyn Future<Output = ()> + Send>> = if cookie.is_empty() {
        Box::pin(std::future::pending()) // a bearer token: no session to end
    } else {
        Box::pin(session_ended(sessions, cookie))
    };
    Ok(events(follow(tracking, Followed::Account(account)), until))
}
