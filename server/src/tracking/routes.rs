//! The tracking API, mounted at `/api/tracking`: an order's timeline, and
//! server-sent events as it grows (per order, and per signed-in shopper).

use super::{Owner, Tracking, Update};
use crate::platform::access::{Access, Guarded};
use crate::platform::http::ApiError;
use app::account::SignedIn;
use app::orders::access::{Holder, Reader, may_read};
use app::tracking::Timeline;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Extension, Json};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast;

pub fn router<S: Clone + Send + Sync + 'static>(tracking: Arc<Tracking>) -> Guarded<S> {
    Guarded::new()
        .route("/orders/{id}", Access::OrderHolder, get(timeline))
        .route("/orders/{id}/events", Access::OrderHolder, get(order_events))
        .route("/stream", Access::SignedIn, get(my_events))
        .with_state(tracking)
}

#[derive(serde::Deserialize)]
pub struct TokenParam {
    token: Option<String>,
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
    let link_token = token.is_some_and(|t| tracking.token_matches(id, t));
    let verdict = may_read(Holder { account_id, guest_cart: None }, Reader { caller, guest_cart: None, link_token });
    match verdict.refusal() {
        None => Ok(()),
        Some(refusal) => {
            let status = StatusCode::from_u16(refusal.status.unwrap_or(403)).unwrap_or(StatusCode::FORBIDDEN);
            Err(ApiError::with_detail(status, refusal))
        }
    }
}

/// `GET /api/tracking/orders/{id}?token=`: the timeline, oldest first.
async fn timeline(
    State(tracking): State<Arc<Tracking>>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<TokenParam>,
) -> Result<Json<Timeline>, ApiError> {
    authorize(&tracking, &caller, &id, param.token.as_deref()).await?;
    let timeline = tracking.timeline(&id).await.map_err(|e| ApiError::internal("tracking store failed", &e))?;
    Ok(Json(timeline))
}

/// The updates `keep` admits, as server-sent events named `timeline` whose
/// data is `{ order_id, entry }`.
fn events(
    receiver: broadcast::Receiver<Update>,
    keep: impl Fn(&Update) -> bool + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold((receiver, keep), |(mut receiver, keep)| async move {
        loop {
            match receiver.recv().await {
                Ok(update) if keep(&update) => {
                    let data = serde_json::json!({ "order_id": update.order_id, "entry": update.entry });
                    let event = Event::default().event("timeline").data(data.to_string());
                    return Some((Ok(event), (receiver, keep)));
                }
                Ok(_) => {}
                // Fell behind: say so, the page refetches the whole timeline.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("resync").data("{}")), (receiver, keep)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// `GET /api/tracking/orders/{id}/events?token=`: this order's new timeline entries, live.
async fn order_events(
    State(tracking): State<Arc<Tracking>>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<TokenParam>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    authorize(&tracking, &caller, &id, param.token.as_deref()).await?;
    Ok(events(tracking.subscribe(), move |u| u.order_id == id))
}

/// `GET /api/tracking/stream`: new timeline entries of every order of the signed-in shopper, live.
async fn my_events(
    State(tracking): State<Arc<Tracking>>,
    Extension(caller): Extension<SignedIn>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let account = caller.0.map(|a| a.id).unwrap_or_default();
    Ok(events(tracking.subscribe(), move |u| u.account_id.as_deref() == Some(account.as_str())))
}
