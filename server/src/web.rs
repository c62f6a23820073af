//! The HTTP app: every service's API routes with their access decisions, the
//! Leptos pages with the services' ports in context, the static site, and
//! the layers around them (who is calling, cross-site refusal, compression,
//! timeout, tracing).

use crate::config::Service;
use crate::config::Settings;
use crate::platform::access::Guarded;
use crate::platform::http::api_route_not_found;
use crate::startup::AppState;
use crate::{cart, catalog, composition, fulfilment, identity, orders, payments, reports, tracking};
use app::cart::ssr::SharedCarts;
use app::catalog::ssr::SharedCatalog;
use app::orders::ssr::SharedOrders;
use app::{App, shell};
use axum::Router;
use axum::routing::any;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The Leptos settings, from ours (no Cargo.toml is read at run time).
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("tbs")
        .site_root(settings.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .build()
}

/// Every API route of the services this process runs, each with its access decision.
pub fn api_routes<S: Clone + Send + Sync + 'static>(state: &AppState) -> Guarded<S> {
    let runs = |service| state.services.contains(&service);
    let mut api = crate::health::router(state.catalog.clone())
        .merge(crate::openapi::router())
        .merge(crate::platform::metrics::router());
    if runs(Service::Catalog) {
        api = api.nest("/api/catalog", catalog::router(state.catalog.clone()));
    }
    if runs(Service::Cart) {
        api = api.nest("/api/cart", cart::router(state.carts.clone()));
    }
    if runs(Service::Orders) {
        api = api.nest(
            "/api/orders",
            orders::router(state.orders.clone()).merge(composition::router(state.composer.clone())),
        );
    }
    if runs(Service::Identity) {
        api = api.nest("/api/account", identity::router(state.identity.clone()));
    }
    if runs(Service::Fulfilment) {
        api = api.nest("/api/fulfilment", fulfilment::router(state.fulfilment.clone()));
    }
    if runs(Service::Tracking) {
        api = api.nest("/api/tracking", tracking::router(state.tracking.clone(), state.identity.clone()));
    }
    if runs(Service::Reports) {
        api = api.nest("/api/reports", reports::router(state.reports.clone()));
    }
    if runs(Service::Payments) {
        api = api.nest("/webhooks", payments::webhook_router(state.payments.clone()));
    }
    api
}

/// The whole HTTP app. Separate from serving so tests can call it in-process.
pub fn app(state: AppState) -> Router {
    // Record from the start (the recorder is installed once per process).
    crate::platform::metrics::handle();
    let options = state.leptos.clone();
    let routes = generate_route_list(App);
    let catalog_for_pages: SharedCatalog = state.catalog.clone();
    let carts_for_pages: SharedCarts = state.carts.clone();
    let orders_for_pages: SharedOrders = state.orders.clone();
    let identity_for_pages: app::account::ssr::SharedIdentity = state.identity.clone();
    let reports_for_pages: app::reports::ssr::SharedReports = state.reports.clone();
    let fulfilment_for_pages: app::fulfilment::ssr::SharedFulfilment = state.fulfilment.clone();
    let details_for_pages: app::orders::ssr::SharedOrderDetails = std::sync::Arc::new(state.composer.clone());
    let runs = |service| state.services.contains(&service);
    let (api, _) = api_routes(&state).into_parts();
    let router = Router::new().merge(api).route("/api/{*path}", any(api_route_not_found));
    let pages = [Service::Catalog, Service::Cart, Service::Orders].into_iter().all(runs);
    let router = if !pages {
        router.fallback(api_route_not_found).with_state(options)
    } else {
        router
            .leptos_routes_with_context(
                &options,
                routes,
                move || {
                    provide_context(catalog_for_pages.clone());
                    provide_context(carts_for_pages.clone());
                    provide_context(orders_for_pages.clone());
                    provide_context(identity_for_pages.clone());
                    provide_context(reports_for_pages.clone());
                    provide_context(fulfilment_for_pages.clone());
                    provide_context(details_for_pages.clone());
                },
                {
                    let options = options.clone();
                    move || shell(options.clone())
                },
            )
            .fallback(leptos_axum::file_and_error_handler(shell))
            .with_state(options)
    };
    let router = router
        .layer(axum::middleware::from_fn_with_state(state.identity.clone(), identity::resolve_caller))
        .layer(axum::middleware::from_fn_with_state(state.our_origin.clone(), crate::platform::csrf::guard))
        .layer(RequestBodyLimitLayer::new(crate::platform::bad_input::BODY_LIMIT))
        .layer(axum::middleware::from_fn(crate::platform::bad_input::as_client_errors))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, state.request_timeout))
        .layer(axum::middleware::from_fn(crate::platform::headers::private_no_store))
        .layer(axum::middleware::from_fn_with_state(state.rate_limits.clone(), crate::platform::rate_limit::limit))
        .layer(axum::middleware::from_fn(crate::platform::metrics::record));
    crate::platform::headers::secure(router, state.https).layer(TraceLayer::new_for_http())
}
