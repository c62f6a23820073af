//! The account REST API, mounted at `/api/account`.

use super::{Identity, IdentityError, Principal};
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::{ApiJson, Body};
use crate::platform::json::Json;
use app::account::{AccountView, ChangePasswordInput, ProfileInput, RegisterInput, SignInInput, SignedIn};
use app::api::ErrorBody;
use app::api::ErrorDetail;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use std::sync::Arc;
use utoipa_axum::routes;

pub fn router<S: Clone + Send + Sync + 'static>(identity: Arc<Identity>) -> Guarded<S> {
    Guarded::new()
        .route(Access::Public, routes!(register))
        .route(Access::Public, routes!(sign_in))
        .route(Access::Public, routes!(sign_out))
        .route(Access::SignedIn, routes!(me, update_profile, delete_account))
        .route(Access::SignedIn, routes!(change_password))
        .route(Access::Public, routes!(super::reset_routes::request_reset))
        .route(Access::Public, routes!(super::reset_routes::complete_reset))
        .route(Access::Public, routes!(oidc_start))
        .route(Access::Public, routes!(oidc_callback))
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

/// Create a local account and sign in.
///
/// 201 with the session cookie.
#[utoipa::path(
    post,
    path = "/register",
    tag = "account",
    request_body = RegisterInput,
    responses(
        (status = 201, description = "the account, with a session cookie", body = AccountView),
        (status = 400, description = "a bad field, named in `field`", body = ErrorBody),
        (status = 409, description = "`email_taken`", body = ErrorBody),
    )
)]
async fn register(
    State(identity): State<Arc<Identity>>,
    ApiJson(input): ApiJson<RegisterInput>,
) -> Result<Response, IdentityError> {
    let (account, cookie) = identity.register(input).await?;
    Ok((StatusCode::CREATED, AppendHeaders([(SET_COOKIE, cookie)]), Json(account)).into_response())
}

/// Sign in with e-mail and password.
#[utoipa::path(
    post,
    path = "/sign-in",
    tag = "account",
    request_body = SignInInput,
    responses(
        (status = 200, description = "the account, with a session cookie", body = AccountView),
        (status = 400, description = "a body that is not an e-mail and password (`invalid_body`)", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    )
)]
async fn sign_in(
    State(identity): State<Arc<Identity>>,
    ApiJson(input): ApiJson<SignInInput>,
) -> Result<Response, IdentityError> {
    let (account, cookie) = identity.sign_in(input).await?;
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(account)).into_response())
}

/// End the session.
///
/// Ends the session (204 also when there was none).
#[utoipa::path(
    post,
    path = "/sign-out",
    tag = "account",
    responses(
        (status = 204, description = "signed out"),
    )
)]
async fn sign_out(State(identity): State<Arc<Identity>>, headers: HeaderMap) -> Result<Response, IdentityError> {
    if let Ok(principal) = signed_in(&identity, &headers).await {
        identity.sign_out(&principal).await?;
    }
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, identity.clear_cookie())])).into_response())
}

/// The signed-in account.
///
/// The caller, by session cookie or bearer token.
#[utoipa::path(
    get,
    path = "/me",
    tag = "account",
    responses(
        (status = 200, description = "the account", body = AccountView),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
    )
)]
async fn me(Extension(caller): Extension<SignedIn>) -> Result<Json<AccountView>, IdentityError> {
    caller.0.map(Json).ok_or(IdentityError::Unauthenticated)
}

/// Change name and e-mail.
///
/// 200 with the updated account.
#[utoipa::path(
    put,
    path = "/me",
    tag = "account",
    request_body = ProfileInput,
    responses(
        (status = 200, description = "the account", body = AccountView),
        (status = 400, description = "a bad field, named in `field`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 409, description = "`email_taken`", body = ErrorBody),
    )
)]
async fn update_profile(
    State(identity): State<Arc<Identity>>,
    Extension(caller): Extension<SignedIn>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ProfileInput>,
) -> Result<Json<AccountView>, IdentityError> {
    let principal = caller_principal(&identity, caller, &headers).await?;
    Ok(Json(identity.update_profile(&principal, input).await?))
}

/// Delete the account and its personal data (AccountDeleted anonymises its orders).
///
/// 204; the account, its personal data and its session are gone.
#[utoipa::path(
    delete,
    path = "/me",
    tag = "account",
    responses(
        (status = 204, description = "deleted, signed out"),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
    )
)]
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

/// Change the password.
#[utoipa::path(
    put,
    path = "/password",
    tag = "account",
    request_body = ChangePasswordInput,
    responses(
        (status = 204, description = "changed"),
        (status = 400, description = "a bad field, named in `field`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
    )
)]
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

/// Single sign-on: redirect to the OpenID Connect issuer.
///
/// 303 to the issuer's sign-in page.
#[utoipa::path(
    get,
    path = "/oidc/start",
    tag = "account",
    params(
        ("next" = Option<String>, Query, description = "site path to return to"),
    ),
    responses(
        (status = 303, description = "to the issuer"),
        (status = 400, description = "no issuer configured", body = ErrorBody),
    )
)]
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

/// The issuer's redirect back: signs in.
///
/// Where the issuer sends the browser back. Signs in and goes on to the page the sign-in started from;
/// a failure goes back to the sign-in page saying why (or is 4xx JSON for a client that does not ask
/// for HTML).
#[utoipa::path(
    get,
    path = "/oidc/callback",
    tag = "account",
    params(
        ("code" = Option<String>, Query, description = "authorization code"),
        ("state" = Option<String>, Query, description = "the sign-in's state"),
    ),
    responses(
        (status = 303, description = "to `next`, or to `/account/sign-in?error=…` on failure"),
        (status = 400, description = "`sign_in_failed` (to clients not asking for HTML)", body = ErrorBody),
    )
)]
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
