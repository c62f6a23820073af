//! What a connection that was not admitted ([`super::admission`]) hears:
//! why, as an API error with the headers every answer has, before it is
//! closed. Answering costs a task and a file descriptor for up to a second
//! or two, so only so many are answered at once; past that a refused
//! connection is closed unanswered, and a flood of them costs little.

use super::admission::Refusal;
use crate::platform::headers::Secure;
use crate::platform::http::ApiError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Refused connections being answered at once; past that, one is closed unanswered.
pub(super) const REFUSING: usize = 256;
/// How long a refused connection has to send its request and read the answer.
const REFUSAL_WAIT: Duration = Duration::from_secs(1);

/// Answers refused connections.
pub struct Refuser {
    /// The headers every answer carries.
    secure: Secure,
    refusing: Arc<Semaphore>,
}

impl Refuser {
    pub fn new(secure: Secure) -> Self {
        Self { secure, refusing: Arc::new(Semaphore::new(REFUSING)) }
    }

    /// Answers a connection that was not admitted ([`answer`]), unless
    /// [`REFUSING`] are being answered already: then it is closed at once.
    pub fn refuse(&self, stream: TcpStream, peer: SocketAddr, refusal: Refusal) {
        let reason = match refusal {
            Refusal::ClientFull => "client_full",
            Refusal::ServerFull => "server_full",
        };
        metrics::counter!("tbs_connections_refused_total", "reason" => reason).increment(1);
        tracing::debug!(%peer, reason, "connection refused");
        if let Ok(permit) = self.refusing.clone().try_acquire_owned() {
            tokio::spawn(answer(stream, refusal, self.secure.clone(), permit));
        }
    }
}

/// Answers the connection's first request with why it was refused (429 when
/// its client holds its share, 503 when the server is full), then closes it.
async fn answer(stream: TcpStream, refusal: Refusal, secure: Secure, _permit: OwnedSemaphorePermit) {
    let answer = move |_request| {
        let response = refusal_answer(refusal, &secure);
        async move { Ok::<_, std::convert::Infallible>(response) }
    };
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(REFUSAL_WAIT).keep_alive(false);
    let connection = builder.serve_connection(TokioIo::new(stream), hyper::service::service_fn(answer));
    let _ = tokio::time::timeout(REFUSAL_WAIT * 2, connection).await;
}

/// Why a connection was refused, as an API error every client understands.
fn refusal_answer(refusal: Refusal, secure: &Secure) -> Response {
    let error = match refusal {
        Refusal::ClientFull => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_connections",
            "Too many connections open from your address; close some and try again",
        ),
        Refusal::ServerFull => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server_busy", "The store is busy; try again shortly")
        }
    };
    let mut response = error.retry_after(1).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure.add_to(&mut response);
    response
}
