//! The password-reset API, mounted with the account API at `/api/account`:
//! asking for a link, and choosing a new password with it.

use super::{Identity, IdentityError};
use crate::platform::extract::{ApiJson, Body};
use crate::platform::json::Json;
use app::account::{AccountView, NewPasswordInput, PasswordResetInput};
use app::api::ErrorBody;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Response};
use std::sync::Arc;

impl Body for PasswordResetInput {}
impl Body for NewPasswordInput {}

/// Ask for a link to choose a new password.
///
/// 202 whether or not an account uses the address (no one learns who has
/// an account); if one with a password does, a link that works for an hour
/// is e-mailed to it, at most one a minute.
#[utoipa::path(
    post,
    path = "/password-reset",
    tag = "account",
    request_body = PasswordResetInput,
    responses(
        (status = 202, description = "a link is e-mailed if an account with a password uses the address"),
        (status = 400, description = "not an e-mail address (`field`: `email`)", body = ErrorBody),
    )
)]
pub(super) async fn request_reset(
    State(identity): State<Arc<Identity>>,
    ApiJson(input): ApiJson<PasswordResetInput>,
) -> Result<StatusCode, IdentityError> {
    identity.request_password_reset(&input.email).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Choose a new password with an e-mailed link's token.
///
/// 200 with the account and a new session cookie; every other session of
/// the account ends. The token works once, for an hour.
#[utoipa::path(
    post,
    path = "/password-reset/complete",
    tag = "account",
    request_body = NewPasswordInput,
    responses(
        (status = 200, description = "the account, with a session cookie", body = AccountView),
        (status = 400, description = "a bad field, named in `field`: the password, or a `token` that has expired or was used", body = ErrorBody),
    )
)]
pub(super) async fn complete_reset(
    State(identity): State<Arc<Identity>>,
    ApiJson(input): ApiJson<NewPasswordInput>,
) -> Result<Response, IdentityError> {
    let (account, cookie) = identity.reset_password(&input.token, &input.new_password).await?;
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(account)).into_response())
}
