//! The browser entry point: hydrates the server-rendered page with the app.

use leptos::prelude::window;

/// Hydrates the page, first loading the chunk of a lazily loaded micro-app
/// when the page is one of its routes (hydrating is then one step, with all
/// of the page's code at hand), then tells the app it is done.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let path = window().location().pathname().unwrap_or_default();
        app::preload(&path).await;
        leptos::mount::hydrate_body(app::App);
        app::hydration::finish();
    });
}
