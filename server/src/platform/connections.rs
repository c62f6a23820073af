//! Accepting connections with the limits a public server needs and axum's
//! `serve` does not set: a client must send a request's headers within
//! [`Limits::header_read`] of the connection opening or of its previous
//! answer, so idle keep-alive connections and half-sent headers (slowloris)
//! are closed instead of held for ever (also a connection that never sends
//! a byte). HTTP/1.1 only: the store sits behind a TLS-terminating proxy
//! for HTTP/2, and cleartext HTTP/2's version sniffing has no deadline at
//! all. On shutdown no new connection is
//! accepted, open ones finish their requests, and whatever is still open
//! after [`Limits::shutdown_grace`] (say, a live order stream) is dropped.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time allowed for a request's headers, counted from when the
    /// connection opened or last answered (so also the idle timeout).
    pub header_read: Duration,
    /// How long open connections get to finish at shutdown.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { header_read: Duration::from_secs(10), shutdown_grace: Duration::from_secs(10) }
    }
}

/// Serves `router` on `listener` until `shutdown` completes; each request
/// carries the peer's address as [`ConnectInfo`].
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace = ?limits.shutdown_grace, "connections still open at shutdown were dropped");
    }
}

/// The peer a request came from (when served by [`serve`]).
pub fn peer(request: &axum::extract::Request) -> Option<SocketAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| *addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn started(limits: Limits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().route("/", axum::routing::get(|| async { "hello" }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));
        (addr, stop)
    }

    /// Reads until the server closes the connection; panics if it is still open after `within`.
    async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> String {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(within, stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the connection was still open after {within:?}");
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn half_sent_headers_and_idle_keep_alive_connections_are_closed() {
        let limits = Limits { header_read: Duration::from_millis(300), shutdown_grace: Duration::from_secs(1) };
        let (addr, _stop) = started(limits).await;

        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ").await.unwrap();
        closed_within(&mut slow, Duration::from_secs(5)).await; // half-sent headers

        let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").await.unwrap();
        let answer = closed_within(&mut idle, Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"), "answered, then closed: {answer}");

        let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
        closed_within(&mut silent, Duration::from_secs(5)).await; // never a byte
    }
}
