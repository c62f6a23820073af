//! The 404 page: unknown paths, products and categories.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · The Better Store"/>
        <section class="not-found">
            <h1>"We couldn’t find that"</h1>
            <p>"The page, product, category or order you asked for isn’t here. Try a search, or start from the home page."</p>
            <p><a class="button" href="/">"Back to the shop"</a></p>
        </section>
    }
}
