//! The browser entry point: hydrates the server-rendered page with the app.

use leptos::prelude::{IntoAny, document};

/// Hydrates the page, first loading the chunk of a lazily loaded micro-app
/// when the page is one of its routes, then tells the app it is done.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let body = document().body().expect("the page has a body");
        leptos::mount::hydrate_from_async(body, || app::App().into_any()).await.forget();
        app::hydration::finish();
    });
}
