//! What identity refuses, and why: its errors as the API answers them, and
//! the checks of what a person types (e-mail address, name, password).

use super::password;
use crate::platform::http::{ApiError, ServiceError};
use crate::platform::store::StoreError;
use app::account::MIN_PASSWORD_CHARS;
use app::api::ErrorDetail;
use axum::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{}", .0.message)]
    Invalid(ErrorDetail),
    #[error("an account with this e-mail exists")]
    EmailTaken,
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// Carries the seconds until the window ends.
    #[error("too many failed sign-ins; try again in 15 minutes")]
    Throttled(u64),
    #[error(transparent)]
    Hashing(#[from] password::HashError),
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    InvalidToken(String),
    #[error("{0}")]
    ExternalSignIn(String),
    #[error("{0}")]
    ProviderUnavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl ServiceError for IdentityError {
    fn api_error(&self) -> ApiError {
        let message = self.to_string();
        match self {
            Self::Invalid(d) => ApiError::with_detail(StatusCode::BAD_REQUEST, d.clone()),
            Self::EmailTaken => ApiError::new(StatusCode::CONFLICT, "email_taken", message),
            Self::BadCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message),
            Self::Throttled(seconds) => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message).retry_after(*seconds)
            }
            Self::Hashing(password::HashError::Busy) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message).retry_after(1)
            }
            Self::Hashing(e) => ApiError::internal("password hashing failed", e),
            Self::Unauthenticated => ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message),
            Self::InvalidToken(_) => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", message),
            Self::ExternalSignIn(_) => ApiError::new(StatusCode::BAD_REQUEST, "sign_in_failed", message),
            Self::ProviderUnavailable(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "sign_in_unavailable", message)
            }
            Self::Store(e) => ApiError::internal("identity store failed", e),
            Self::Internal(e) => ApiError::internal("identity failed", e),
        }
    }
}

crate::respond_with_api_error!(IdentityError);

pub(super) fn invalid(field: &str, message: impl Into<String>) -> IdentityError {
    IdentityError::Invalid(ErrorDetail::new(format!("invalid_{field}"), message).on_field(field))
}

pub(super) fn check_email(email: &str) -> Result<String, IdentityError> {
    let email = email.trim().to_string();
    if app::account::valid_email(&email) {
        Ok(email)
    } else {
        Err(invalid("email", "Enter an e-mail address like name@example.com"))
    }
}

pub(super) fn check_name(name: &str) -> Result<String, IdentityError> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "Enter your name"));
    }
    Ok(name)
}

pub(super) fn check_password(field: &str, password: &str) -> Result<(), IdentityError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(invalid(field, format!("Use at least {MIN_PASSWORD_CHARS} characters")));
    }
    if n > 256 {
        return Err(invalid(field, "Use at most 256 characters"));
    }
    Ok(())
}
