//! Serving: a bound listener, the app and its background workers, and
//! graceful shutdown on SIGTERM or Ctrl-C.

use crate::config::Settings;
use crate::platform::connections::Limits;
use crate::platform::headers::Secure;
use crate::startup::build;
use crate::web::app;
use crate::workers::Workers;
use axum::Router;
use tokio::net::TcpListener;

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    workers: Workers,
    limits: Limits,
    /// The headers of refused connections' answers, as of every answer.
    secure: Secure,
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.addr))?;
        // With port 0 the real address is known only now.
        if settings.public_url.is_none() {
            settings.public_url = Some(format!("http://{}", listener.local_addr()?));
        }
        let (state, workers) = build(&settings).await?;
        let limits = Limits {
            per_client: settings.max_connections_per_client,
            total: settings.max_connections,
            ..Limits::default()
        };
        let secure = Secure::new(state.https);
        Ok(Self { listener, router: app(state), workers, limits, secure })
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "The Better Store is open: http://{}", self.local_addr());
        let workers = self.workers.spawn();
        let limits = self.limits.within_descriptors();
        tracing::info!(per_client = limits.per_client, total = limits.total, "connections allowed");
        crate::platform::connections::serve(self.listener, self.router, limits, self.secure, shutdown).await;
        // After the last request: relays publish what was committed, consumers finish their batch.
        workers.stop().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
