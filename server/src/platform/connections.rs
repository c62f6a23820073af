//! Accepting connections with the limits a public server needs and axum's
//! `serve` does not set: a client must send a request's headers within
//! [`Limits::header_read`] of the connection opening or of its previous
//! answer, so idle keep-alive connections and half-sent headers (slowloris)
//! are closed instead of held for ever (also a connection that never sends
//! a byte); and a client may hold only so many connections open, and the
//! server only so many in all ([`admission`]), so no client can take every
//! file descriptor or unbounded memory with live streams. HTTP/1.1 only: the
//! store sits behind a TLS-terminating proxy for HTTP/2, and cleartext
//! HTTP/2's version sniffing has no deadline at all. On shutdown no new
//! connection is accepted, open ones finish their requests, and whatever is
//! still open after [`Limits::shutdown_grace`] (say, a live order stream) is
//! dropped.

mod admission;
mod refusal;

use crate::platform::headers::Secure;
use admission::{Admission, Admitted};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// File descriptors kept for everything but connections: the store's files,
/// calls to the payment provider and mail server, refused connections.
const OTHER_DESCRIPTORS: usize = refusal::REFUSING + 256;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time allowed for a request's headers, counted from when the
    /// connection opened or last answered (so also the idle timeout).
    pub header_read: Duration,
    /// How long open connections get to finish at shutdown.
    pub shutdown_grace: Duration,
    /// Connections one client may hold open (0: no cap).
    pub per_client: usize,
    /// Connections open at once, in all.
    pub total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            per_client: 256,
            total: 10_000,
        }
    }
}

impl Limits {
    /// These limits with the total lowered to what the process's file
    /// descriptors allow (after raising its soft limit to the hard one, as a
    /// server should: the usual soft limit of 1,024 would cap it at a few hundred).
    pub fn within_descriptors(self) -> Self {
        let usable = descriptors().saturating_sub(OTHER_DESCRIPTORS).max(1);
        if usable < self.total {
            tracing::warn!(
                total = self.total,
                usable,
                "fewer file descriptors than connections allowed; lowering the total"
            );
        }
        Self { total: self.total.min(usable), ..self }
    }
}

/// The soft limit of open files, raised to the hard limit first.
#[cfg(unix)]
fn descriptors() -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::warn!(error = %e, "cannot raise the limit of open files");
        }
    }
    getrlimit(Resource::Nofile).current.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

#[cfg(not(unix))]
fn descriptors() -> usize {
    usize::MAX
}

/// A client's key: its IPv4 address, or its IPv6 /64 (which one holder controls).
pub fn client(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(u32::from(v4)),
            None => u128::from(v6) & !u128::from(u64::MAX),
        },
    }
}

/// Serves `router` on `listener` until `shutdown` completes; each request
/// carries the peer's address as [`ConnectInfo`].
/// Refused connections are answered with the `secure` headers, as every answer is.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    secure: Secure,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
    let graceful = GracefulShutdown::new();
    let admission = Admission::new(limits.per_client, limits.total);
    let refuser = refusal::Refuser::new(secure);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = accept(&listener) => accepted,
            () = &mut shutdown => break,
        };
        let admitted = match admission.admit(peer.ip()) {
            Ok(admitted) => admitted,
            Err(refusal) => {
                refuser.refuse(stream, peer, refusal);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _place: Admitted = admitted; // freed when the connection ends
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

/// The next connection (cancel-safe: `select!` may drop it while it waits).
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e) => {
                // Out of file descriptors, say: wait a moment rather than spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
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
        tokio::spawn(serve(listener, router, limits, Secure::new(false), async {
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
        let limits = Limits {
            header_read: Duration::from_millis(300),
            shutdown_grace: Duration::from_secs(1),
            ..Limits::default()
        };
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

    /// A connection from `from` (any 127.x address reaches the listener).
    async fn connect_from(from: &str, addr: SocketAddr) -> tokio::net::TcpStream {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        socket.connect(addr).await.unwrap()
    }

    /// The answer to one request on a new connection from `from`.
    async fn ask_from(from: &str, addr: SocketAddr) -> String {
        let mut stream = connect_from(from, addr).await;
        stream.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").await.unwrap();
        closed_within(&mut stream, Duration::from_secs(5)).await
    }

    fn shares(per_client: usize, total: usize) -> Limits {
        Limits { per_client, total, ..Limits::default() }
    }

    #[tokio::test]
    async fn a_client_past_its_share_of_connections_is_answered_429_and_others_still_get_in() {
        let (addr, _stop) = started(shares(2, 100)).await;
        let held = [connect_from("127.0.0.1", addr).await, connect_from("127.0.0.1", addr).await];
        let refused = ask_from("127.0.0.1", addr).await;
        assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
        assert!(refused.contains("\"code\":\"too_many_connections\""), "{refused}");
        let headers = refused.to_lowercase();
        assert!(headers.contains("retry-after: 1"), "{refused}");
        assert!(headers.contains("x-content-type-options: nosniff"), "security headers: {refused}");
        assert!(headers.contains("cache-control: no-store"), "{refused}");
        assert!(ask_from("127.0.0.2", addr).await.ends_with("hello"), "another client has its own share");
        drop(held);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !ask_from("127.0.0.1", addr).await.ends_with("hello") {
            assert!(std::time::Instant::now() < deadline, "closed connections did not free their places");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_browser_refused_a_page_gets_a_page_saying_what_to_do() {
        let (addr, _stop) = started(shares(1, 100)).await;
        let _held = connect_from("127.0.0.1", addr).await;
        let mut page = connect_from("127.0.0.1", addr).await;
        page.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html,*/*\r\n\r\n").await.unwrap();
        let answer = closed_within(&mut page, Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
        let headers = answer.to_lowercase();
        assert!(headers.contains("content-type: text/html"), "{answer}");
        assert!(headers.contains("content-security-policy: default-src 'none'"), "{answer}");
        assert!(answer.contains("<h1>Too many pages open</h1>") && answer.contains("Close a few tabs"), "{answer}");
    }

    #[test]
    fn the_total_leaves_file_descriptors_for_everything_else() {
        let limits = Limits { total: usize::MAX, ..Limits::default() }.within_descriptors();
        assert!(limits.total + OTHER_DESCRIPTORS <= descriptors(), "{} of {}", limits.total, descriptors());
        assert_eq!(Limits::default().within_descriptors().per_client, Limits::default().per_client);
    }

    #[tokio::test]
    async fn past_the_total_every_client_is_answered_503() {
        let (addr, _stop) = started(shares(0, 1)).await;
        let _held = connect_from("127.0.0.1", addr).await;
        let refused = ask_from("127.0.0.2", addr).await;
        assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
        assert!(refused.contains("\"code\":\"server_busy\""), "{refused}");
    }
}
