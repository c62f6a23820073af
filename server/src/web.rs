//! The HTTP app: every service's API routes with their access decisions, the
//! Leptos pages with the services' ports in context, the static site, and
//! the layers around them (who is calling, cross-site refusal, compression,
//! timeout, tracing).

use crate::config::Service;
use crate::config::Settings;
use crate::contracts::ports::Sessions;
use crate::platform::caller::resolve_caller;
use crate::platform::http::api_route_not_found;
use crate::platform::page_cache::{self, PageCache, PageSource};
use crate::registry::Routes;
use crate::startup::AppState;
use app::{App, shell};
use axum::Router;
use axum::handler::Handler;
use axum::http::{HeaderValue, header};
use axum::middleware::from_fn_with_state;
use axum::routing::any;
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The Leptos settings, from ours (no Cargo.toml is read at run time).
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("tbs")
        .site_root(settings.site_root.to_string_lossy().to_string())
        .site_pkg_dir(bundle_dir(&settings.site_root))
        .site_addr(settings.addr)
        .build()
}

/// Every API route of the services this process runs, each with its access
/// decision, beside the probes, the OpenAPI description and the metrics.
pub fn api_routes(state: &AppState) -> Routes {
    let routes = crate::health::router(state.tables.clone())
        .merge(crate::platform::metrics::router())
        .merge(state.routes.clone());
    crate::openapi::described(routes)
}

/// The whole HTTP app. Separate from serving so tests can call it in-process.
pub fn app(state: AppState) -> Router {
    // Record from the start (the recorder is installed once per process).
    crate::platform::metrics::handle();
    let options = state.leptos.clone();
    let (api, _) = api_routes(&state).into_parts();
    let router = Router::new().merge(api).route("/api/{*path}", any(api_route_not_found));
    let runs = |service| state.services.contains(&service);
    let pages = [Service::Catalog, Service::Cart, Service::Orders].into_iter().all(runs);
    let router = if !pages {
        router.fallback(api_route_not_found).with_state(options)
    } else {
        router
            .merge(pages_router(&state))
            .nest_service(&format!("/{}", options.site_pkg_dir), bundle(&options))
            .fallback_service(site_files(&options))
            .with_state(options)
    };
    edge(&state, router.route_layer(axum::middleware::from_fn(crate::platform::metrics::tag_route)))
}

/// The shop's pages a visitor without cookies may be given as rendered
/// before (see [`page_cache`]): they show only the catalog to such a visitor.
const CACHED_PAGES: [&str; 3] = ["/", "/search", "/products/{sku}"];

/// The Leptos pages (and their server functions), with the services' ports
/// in their context; [`CACHED_PAGES`] behind the page cache when the catalog
/// offers its table.
fn pages_router(state: &AppState) -> Router<LeptosOptions> {
    let (options, context) = (state.leptos.clone(), state.pages.clone());
    let pages = Router::new().leptos_routes_with_context(
        &options.clone(),
        generate_route_list(App),
        move || context.iter().for_each(|provide| provide()),
        move || shell(options.clone()),
    );
    match state.ports.get::<PageSource>() {
        Some(source) => pages.route_layer(from_fn_with_state(PageCache::new(source, &CACHED_PAGES), page_cache::serve)),
        None => pages,
    }
}

/// What every request passes through, outermost first, around the routes:
/// one service, so a request clones and boxes each layer once (as layers of
/// the router, each route would carry its own copy of the whole stack).
fn edge(state: &AppState, routes: Router) -> Router {
    use crate::platform::edge::{self, Edge};
    use crate::platform::{bad_input, csrf, headers};
    use axum::middleware::{from_fn, from_fn_with_state};
    let edge_state = Arc::new(Edge { secure: headers::Secure::new(state.https), limits: state.rate_limits.clone() });
    let service = tower::ServiceBuilder::new()
        .layer(TraceLayer::new_for_http())
        .layer(from_fn_with_state(edge_state, edge::answer))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, state.request_timeout))
        .layer(CompressionLayer::new())
        .layer(from_fn(bad_input::as_client_errors))
        .layer(RequestBodyLimitLayer::new(bad_input::BODY_LIMIT))
        .map_request(|request: axum::http::Request<_>| request.map(axum::body::Body::new))
        .layer(from_fn_with_state(state.our_origin.clone(), csrf::guard))
        .layer(from_fn_with_state(state.port::<Arc<dyn Sessions>>(), resolve_caller))
        .service(routes);
    Router::new().fallback_service(service)
}

/// The site's own files, outside the bundle (a copy the browser asks
/// about again is a 304), and for any other path the app's 404 page.
fn site_files(options: &LeptosOptions) -> Router {
    let not_found = leptos_axum::file_and_error_handler(shell).with_state(options.clone());
    let files = ServeDir::new(&*options.site_root).call_fallback_on_method_not_allowed(true).fallback(not_found);
    Router::new().fallback_service(files).layer(axum::middleware::map_response(crate::platform::headers::site_file))
}

/// Where the bundle of a site built without a build name is.
const UNNAMED_BUNDLE: &str = "pkg";

/// Where this build's bundle is: `pkg/<build>`, named by the hash of its
/// contents that `cargo xtask build` writes to `<site>/build.txt`; `pkg` for
/// a site built without one.
fn bundle_dir(site_root: &std::path::Path) -> String {
    let build = std::fs::read_to_string(site_root.join("build.txt")).unwrap_or_default();
    let build = build.trim();
    if !build.is_empty() && build.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("{UNNAMED_BUNDLE}/{build}")
    } else {
        UNNAMED_BUNDLE.into()
    }
}

/// The built bundle: the brotli or gzip copy the release build made when the
/// browser takes it (no compressing per request). A build's files never
/// change under its name, so browsers keep them for a year without asking;
/// an unnamed bundle is revalidated on each use.
fn bundle(options: &LeptosOptions) -> SetResponseHeader<ServeDir, HeaderValue> {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let lifetime =
        if &*options.site_pkg_dir == UNNAMED_BUNDLE { "no-cache" } else { "public, max-age=31536000, immutable" };
    SetResponseHeader::overriding(files, header::CACHE_CONTROL, HeaderValue::from_static(lifetime))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn every_cached_page_is_one_the_app_routes() {
        let routes = leptos_axum::generate_route_list(app::App);
        for page in super::CACHED_PAGES {
            assert!(routes.iter().any(|route| route.path() == page), "the app has no page {page}");
        }
    }
}
