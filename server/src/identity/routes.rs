//! The account REST API, mounted at `/api/account`.

use super::{Identity, IdentityError, Principal};
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::{ApiJson, Body};
use app::account::{AccountView, ChangePasswordInput, ProfileInput, RegisterInput, SignInInput, SignedIn};
use app::api::ErrorDetail;
use axum::extract::{Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json};
use std::sync::Arc;

pub fn router<S: Clone + Send + Sync + 'static>(identity: Arc<Identity>) -> Guarded<S> {
    Guarded::new()
        .route("/register", Access::Public, post(register))
        .route("/sign-in", Access::Public, post(sign_in))
        .route("/sign-out", Access::Public, post(sign_out))
        .route("/me", Access::SignedIn, get(me).put(update_profile).delete(delete_account))
        .route("/password", Access::SignedIn, put(change_password))
        .route("/oidc/start", Access::Public, get(oidc_start))
        .route("/oidc/callback", Access::Public, get(oidc_callback))
        .with_state(identity)
}

impl Body for RegisterInput {}
impl Body for SignInInput {}
impl Body for ProfileInput {}
impl Body for ChangePasswordInput {}

async fn signed_in(identity: &Identity, headers: &HeaderMap) -> Result<Principal, IdentityError> {
    let cookie = headers.get(COOKIE).and_then(|v| v.to_str().ok());
    identity.principal(cookie).await?.ok_or(IdentityError::Unauthenticated)
}

/// `POST /api/account/register`: 201 with the session cookie.
async fn register(
    State(identity): State<Arc<Identity>>,
    ApiJson(input): ApiJson<RegisterInput>,
) -> Result<Response, IdentityError> {
    let (account, cookie) = identity.register(input).await?;
    Ok((StatusCode::CREATED, AppendHeaders([(SET_COOKIE, cookie)]), Json(account)).into_response())
}

/// `POST /api/account/sign-in`
async fn sign_in(
    State(identity): State<Arc<Identity>>,
    ApiJson(input): ApiJson<SignInInput>,
) -> Result<Response, IdentityError> {
    let (account, cookie) = identity.sign_in(input).await?;
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(account)).into_response())
}

/// `POST /api/account/sign-out`: ends the session (204 also when there was none).
async fn sign_out(State(identity): State<Arc<Identity>>, headers: HeaderMap) -> Result<Response, IdentityError> {
    if let Ok(principal) = signed_in(&identity, &headers).await {
        identity.sign_out(&principal).await?;
    }
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, identity.clear_cookie())])).into_response())
}

/// `GET /api/account/me`: the caller, by session cookie or bearer token.
async fn me(Extension(caller): Extension<SignedIn>) -> Result<Json<AccountView>, IdentityError> {
    caller.0.map(Json).ok_or(IdentityError::Unauthenticated)
}

/// `PUT /api/account/me`: 200 with the updated account.
async fn update_profile(
    State(identity): State<Arc<Identity>>,
    Extension(caller): Extension<SignedIn>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ProfileInput>,
) -> Result<Json<AccountView>, IdentityError> {
    let principal = caller_principal(&identity, caller, &headers).await?;
    Ok(Json(identity.update_profile(&principal, input).await?))
}

/// `DELETE /api/account/me`: 204; the account, its personal data and its session are gone.
async fn delete_account(
    State(identity): State<Arc<Identity>>,
    Extension(caller): Extension<SignedIn>,
    headers: HeaderMap,
) -> Result<Response, IdentityError> {
    let principal = caller_principal(&identity, caller, &headers).await?;
    identity.delete_account(&principal).await?;
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, identity.clear_cookie())])).into_response())
}

/// The caller with their session (when they came by cookie rather than bearer token).
async fn caller_principal(
    identity: &Identity,
    caller: SignedIn,
    headers: &HeaderMap,
) -> Result<Principal, IdentityError> {
    let account = caller.0.ok_or(IdentityError::Unauthenticated)?;
    match signed_in(identity, headers).await {
        Ok(principal) if principal.account.id == account.id => Ok(principal),
        _ => Ok(Principal::bearer(account)),
    }
}

/// `PUT /api/account/password`
async fn change_password(
    State(identity): State<Arc<Identity>>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ChangePasswordInput>,
) -> Result<StatusCode, IdentityError> {
    let principal = signed_in(&identity, &headers).await?;
    identity.change_password(&principal, &input.current_password, &input.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize)]
struct StartQuery {
    next: Option<String>,
}

/// `GET /api/account/oidc/start?next=/path`: 303 to the issuer's sign-in page.
async fn oidc_start(
    State(identity): State<Arc<Identity>>,
    Query(query): Query<StartQuery>,
) -> Result<Response, IdentityError> {
    let (url, cookie) = identity.oidc_start(query.next.as_deref()).await?;
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Redirect::to(&url)).into_response())
}

#[derive(serde::Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /api/account/oidc/callback?code&state`: where the issuer sends the
/// browser back. Signs in and goes on to the page the sign-in started from;
/// a failure goes back to the sign-in page saying why (or is 4xx JSON for a
/// client that does not ask for HTML).
async fn oidc_callback(
    State(identity): State<Arc<Identity>>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let cookie = headers.get(COOKIE).and_then(|v| v.to_str().ok());
    let result = match (&query.error, &query.code, &query.state) {
        (Some(error), _, _) => Err(IdentityError::ExternalSignIn(format!(
            "the sign-in provider refused: {}",
            query.error_description.as_deref().unwrap_or(error)
        ))),
        (None, Some(code), Some(state)) => identity.oidc_finish(code, state, cookie).await,
        _ => Err(IdentityError::Invalid(
            ErrorDetail::new("invalid_callback", "code and state are required").on_field("code"),
        )),
    };
    let clear = identity.oidc_clear_cookie();
    match result {
        Ok((_, session, next)) => {
            (AppendHeaders([(SET_COOKIE, session), (SET_COOKIE, clear)]), Redirect::to(&next)).into_response()
        }
        Err(e) => {
            let wants_html = headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            if wants_html {
                let to = app::url::with_query("/account/sign-in", &[("error", Some(&e.to_string()))]);
                (AppendHeaders([(SET_COOKIE, clear)]), Redirect::to(&to)).into_response()
            } else {
                (AppendHeaders([(SET_COOKIE, clear)]), e).into_response()
            }
        }
    }
}
