//! What a connection that was not admitted ([`super::admission`]) hears:
//! why, as an API error (or, to a browser asking for a page, a short page
//! saying what to do), with the headers every answer has, before it is
//! closed. Answering costs a task and a file descriptor for up to a second
//! or two, so only so many are answered at once; past that a refused
//! connection is closed unanswered, and a flood of them costs little.

use super::admission::Refusal;
use crate::platform::error_page;
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
        let reason = Telling::of(refusal).code;
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
    let answer = move |request: hyper::Request<hyper::body::Incoming>| {
        let page = app::api::wants_page(request.headers());
        let mut response = if page { refusal_page(refusal) } else { refusal_error(refusal) };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        secure.add_to(&mut response);
        async move { Ok::<_, std::convert::Infallible>(response) }
    };
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(REFUSAL_WAIT).keep_alive(false);
    let connection = builder.serve_connection(TokioIo::new(stream), hyper::service::service_fn(answer));
    let _ = tokio::time::timeout(REFUSAL_WAIT * 2, connection).await;
}

/// What a refusal says: its status and code, and to a person, a title and what to do.
struct Telling {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    message: &'static str,
}

impl Telling {
    fn of(refusal: Refusal) -> Self {
        match refusal {
            Refusal::ClientFull => Self {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "too_many_connections",
                title: "Too many pages open",
                message: "Your device or network has too many connections open to the store. \
                          Close a few tabs and try again.",
            },
            Refusal::ServerFull => Self {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "server_busy",
                title: "The store is busy",
                message: "Too many shoppers at once. Please try again in a moment.",
            },
        }
    }
}

/// Why a connection was refused, as an API error every client understands.
fn refusal_error(refusal: Refusal) -> Response {
    let Telling { status, code, message, .. } = Telling::of(refusal);
    ApiError::new(status, code, message).into_response()
}

/// Why a connection was refused, as a page a shopper's browser shows.
fn refusal_page(refusal: Refusal) -> Response {
    let Telling { status, title, message, .. } = Telling::of(refusal);
    error_page::page(status, title, message, "")
}
