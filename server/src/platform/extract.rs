//! Request bodies and query strings that are not what a route expects get the
//! one JSON error on every route: 400 `invalid_<field>`, naming the field (a
//! body over the limit, 413, as at the edge).

use super::http::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A route's JSON body type, and what a body that is not one is called in
/// the error: the whole `body`, or the one field it holds.
pub trait Body: DeserializeOwned {
    const FIELD: &'static str = "body";
}

/// A JSON body of `T`; anything else is 400 `invalid_<T::FIELD>`, or 413
/// when it runs past the body limit without having declared its length.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: Body> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(super::bad_input::body_too_large())
            }
            Err(e) => Err(ApiError::invalid_field(T::FIELD, e.body_text())),
        }
    }
}

/// A query string of `T`; a malformed one (say, a parameter given twice) is 400 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(e) => Err(ApiError::invalid_field("query", e.body_text())),
        }
    }
}

/// A change's `Idempotency-Key`, if the request carries one: an id the
/// client chose (the app's outbox gives every queued change a UUID), so a
/// change sent again is recognised. 1–64 letters, digits or '-'; anything
/// else is 400 `invalid_idempotency_key`.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("idempotency-key") else { return Ok(Self(None)) };
        let value = value.to_str().unwrap_or_default();
        if !client_id_fits(value, 64) {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 64 letters, digits or '-' (a UUID, say)",
            ));
        }
        Ok(Self(Some(value.to_string())))
    }
}

/// Whether `id`, chosen by a client for a request it may retry (an
/// idempotency key, a return's or an adjustment's id), is 1 to `max`
/// letters, digits or '-' (a UUID fits).
pub fn client_id_fits(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The order link token a guest brings (`?token=`, from the receipt e-mail).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkToken {
    /// The order link token from the receipt e-mail (guests).
    pub token: Option<String>,
}

/// What a change queued on a device carries (the app's outbox), described once.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Read by `IdempotencyKey` and `platform::caller::OwnChange`; here to be described.
pub struct DeviceChange {
    /// The change's id (the app's outbox sends a UUID): applied at most once;
    /// a repeat is answered with things as they are.
    #[param(rename = "Idempotency-Key", pattern = "^[A-Za-z0-9-]{1,64}$")]
    idempotency_key: Option<String>,
    /// The id of the account that made the change on a device (sent for a
    /// change queued while signed in): applied only if that account is the
    /// caller, else 409 `account_changed`.
    #[param(rename = "Tbs-Made-By")]
    made_by: Option<String>,
}
