//! The account REST API, mounted at `/api/account`.

use super::{Identity, IdentityError, Principal};
use crate::platform::access::{Access, Guarded};
use app::account::{AccountView, ChangePasswordInput, RegisterInput, SignInInput};
use app::api::ErrorDetail;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post, put};
use std::sync::Arc;

pub fn router<S: Clone + Send + Sync + 'static>(identity: Arc<Identity>) -> Guarded<S> {
    Guarded::new()
        .route("/register", Access::Public, post(register))
        .route("/sign-in", Access::Public, post(sign_in))
        .route("/sign-out", Access::Public, post(sign_out))
        .route("/me", Access::SignedIn, get(me))
        .route("/password", Access::SignedIn, put(change_password))
        .with_state(identity)
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, IdentityError> {
    body.map(|Json(t)| t)
        .map_err(|e| IdentityError::Invalid(ErrorDetail::new("invalid_body", e.body_text()).on_field("body")))
}

async fn signed_in(identity: &Identity, headers: &HeaderMap) -> Result<Principal, IdentityError> {
    let cookie = headers.get(COOKIE).and_then(|v| v.to_str().ok());
    identity.principal(cookie).await?.ok_or(IdentityError::Unauthenticated)
}

/// `POST /api/account/register`: 201 with the session cookie.
async fn register(
    State(identity): State<Arc<Identity>>,
    input: Result<Json<RegisterInput>, JsonRejection>,
) -> Result<Response, IdentityError> {
    let (account, cookie) = identity.register(body(input)?).await?;
    Ok((StatusCode::CREATED, AppendHeaders([(SET_COOKIE, cookie)]), Json(account)).into_response())
}

/// `POST /api/account/sign-in`
async fn sign_in(
    State(identity): State<Arc<Identity>>,
    input: Result<Json<SignInInput>, JsonRejection>,
) -> Result<Response, IdentityError> {
    let (account, cookie) = identity.sign_in(body(input)?).await?;
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(account)).into_response())
}

/// `POST /api/account/sign-out`: ends the session (204 also when there was none).
async fn sign_out(State(identity): State<Arc<Identity>>, headers: HeaderMap) -> Result<Response, IdentityError> {
    if let Ok(principal) = signed_in(&identity, &headers).await {
        identity.sign_out(&principal).await?;
    }
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, identity.clear_cookie())])).into_response())
}

/// `GET /api/account/me`
async fn me(State(identity): State<Arc<Identity>>, headers: HeaderMap) -> Result<Json<AccountView>, IdentityError> {
    Ok(Json(signed_in(&identity, &headers).await?.account))
}

/// `PUT /api/account/password`
async fn change_password(
    State(identity): State<Arc<Identity>>,
    headers: HeaderMap,
    input: Result<Json<ChangePasswordInput>, JsonRejection>,
) -> Result<StatusCode, IdentityError> {
    let principal = signed_in(&identity, &headers).await?;
    let input = body(input)?;
    identity.change_password(&principal, &input.current_password, &input.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
