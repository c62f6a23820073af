//! The Better Store's web UI: Leptos components and pages, rendered on the
//! server (`ssr` feature) and hydrated in the browser (`hydrate` feature).
//!
//! Micro-apps are route groups: the shop (home, search, product pages), the
//! cart, checkout and order confirmation.

pub mod account;
pub mod api;
pub mod cart;
pub mod catalog;
mod components;
pub mod device;
pub mod fulfilment;
pub mod hydration;
pub mod inventory;
pub mod invoices;
pub mod json;
pub mod money;
pub mod orders;
mod pages;
pub mod products;
pub mod reports;
pub mod returns;
mod routes;
#[cfg(feature = "ssr")]
pub mod rpc;
pub mod rpc_client;
mod start;
pub mod tracking;
pub mod url;
pub mod words;

pub use routes::preload;

use leptos::children::ToChildren;
use leptos::prelude::*;
use leptos_meta::{MetaTags, provide_meta_context};
use leptos_router::components::{Router, Routes};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="The Better Store: good things, fairly priced, delivered."/>
                <meta name="theme-color" content="#1f4d3a"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <script src="/outbox.js" defer></script>
                <script src="/pwa.js" defer></script>
                <AutoReload options=options.clone()/>
                <link rel="stylesheet" id="leptos" href=format!("/{}/tbs.css", options.site_pkg_dir)/>
                <start::StartAfterFirstPaint options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy, with the nonce Leptos put on this
/// render's inline scripts: only our own scripts (and the WASM they
/// instantiate) run, and no other site may frame the store.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The whole UI: header, the routed page, footer.
///
/// Every route renders with `SsrMode::Async`: the server waits for the page's
/// data and sends complete HTML, so pages work without JavaScript and an
/// unknown product can still answer with a real 404 status.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(components::CartRevision::new());
    provide_context(components::AccountRevision::new());
    device::Device::provide();
    cart::ShownCart::provide();
    // Runs only in the browser, once the WASM has taken over the page:
    // lets people (and tests) tell a hydrated page from a server-rendered one.
    Effect::new(move |_| {
        if let (true, Some(body)) = (hydration::done(), document().body()) {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <components::Header/>
            <main id="main" class="main" tabindex="-1">
                <components::UpdateBanner/>
                <components::SavedCopyNotice/>
                <Routes fallback=pages::NotFound children=ToChildren::to_children(routes::routes)/>
            </main>
            <components::Footer/>
        </Router>
    }
}
