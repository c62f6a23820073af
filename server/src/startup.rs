//! The composition root: opens the store, builds each service, and wires
//! their routers, the Leptos pages and the static site into one Axum app.

use crate::catalog::{self, Catalog};
use crate::config::Settings;
use crate::platform::consumer::Handler;
use crate::platform::http::api_route_not_found;
use crate::platform::hub::{EmbeddedHub, EventHub};
use crate::platform::store::{EmbeddedStore, Store};
use crate::workers::{Workers, subscriptions};
use app::catalog::ssr::SharedCatalog;
use app::{App, shell};
use axum::Router;
use axum::routing::any;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Everything the HTTP layer needs: one handle per service.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub leptos: LeptosOptions,
    pub request_timeout: Duration,
}

impl AppState {
    /// Opens the embedded store under `settings.data_dir` and every service on it.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Ok(build(settings).await?.0)
    }
}

/// Every service on the embedded store, and the background work they need.
pub async fn build(settings: &Settings) -> anyhow::Result<(AppState, Workers)> {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(&settings.data_dir)?);
    let catalog = Arc::new(Catalog::open(&*store).await?);
    if settings.seed_demo {
        let report = catalog.seed_demo().await?;
        tracing::info!(?report, "demo catalog seeded");
    }
    // Consumers arrive with the services that react to events (checkout, fulfilment, ...).
    let handlers: Vec<Arc<dyn Handler>> = Vec::new();
    let hub: Arc<dyn EventHub> = Arc::new(EmbeddedHub::open(&*store, subscriptions(&handlers)).await?);
    let workers = Workers { relays: vec![catalog.relay(hub.clone())], handlers, hub };
    let state = AppState {
        catalog,
        leptos: leptos_options(settings),
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
    };
    Ok((state, workers))
}

/// The Leptos settings, from ours (no Cargo.toml is read at run time).
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("tbs")
        .site_root(settings.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .build()
}

/// The whole HTTP app. Separate from serving so tests can call it in-process.
pub fn app(state: AppState) -> Router {
    let options = state.leptos.clone();
    let routes = generate_route_list(App);
    let catalog_for_pages: SharedCatalog = state.catalog.clone();
    Router::new()
        .merge(crate::health::router(state.catalog.clone()))
        .nest("/api/catalog", catalog::router(state.catalog.clone()))
        .route("/api/{*path}", any(api_route_not_found))
        .leptos_routes_with_context(&options, routes, move || provide_context(catalog_for_pages.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, state.request_timeout))
        .layer(TraceLayer::new_for_http())
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    workers: Workers,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (state, workers) = build(&settings).await?;
        let listener = TcpListener::bind(settings.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.addr))?;
        Ok(Self { listener, router: app(state), workers })
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "The Better Store is open: http://{}", self.local_addr());
        let workers = self.workers.spawn();
        let served = axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await;
        // After the last request: relays publish what was committed, consumers finish their batch.
        workers.stop().await;
        served?;
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
