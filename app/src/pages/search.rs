//! Search results and category listings, a page at a time.

use crate::catalog::{ProductPage, search_products};
use crate::components::ProductGrid;
use crate::pages::{NotFound, shopper_message};
use crate::url::with_query;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Debug, PartialEq)]
struct Criteria {
    q: Option<String>,
    category: Option<String>,
    cursor: Option<String>,
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let criteria = move || {
        let map = query.read();
        let nonempty = |k: &str| map.get(k).filter(|v| !v.trim().is_empty());
        Criteria { q: nonempty("q"), category: nonempty("category"), cursor: nonempty("cursor") }
    };
    let results = crate::json::load(criteria, |c| search_products(c.q, c.category, c.cursor, None));
    view! {
        <Title text="Search · The Better Store"/>
        <section class="results" aria-live="polite">
            <Suspense fallback=|| view! { <p class="loading">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    let c = criteria();
                    match results.await {
                        // A category that is not (or no longer) in the store.
                        Ok(page) if c.category.is_some() && page.category.is_none() => view! { <NotFound/> }.into_any(),
                        Ok(page) => results_view(c, page).into_any(),
                        Err(e) => view! {
                            <h1>"Search"</h1>
                            <p class="error" role="alert">{shopper_message(&e)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn results_view(c: Criteria, page: ProductPage) -> impl IntoView {
    let heading = match (&c.q, &page.category) {
        (Some(q), Some(cat)) => format!("“{q}” in {}", cat.name),
        (Some(q), None) => format!("Results for “{q}”"),
        (None, Some(cat)) => cat.name.clone(),
        (None, None) => "All products".to_string(),
    };
    let count = page.items.len();
    let next = page.next_cursor.map(|cursor| {
        let href = with_query(
            "/search",
            &[("q", c.q.as_deref()), ("category", c.category.as_deref()), ("cursor", Some(&cursor))],
        );
        view! { <a class="button" rel="next" href=href>"Next page"</a> }
    });
    let body = if count == 0 {
        view! { <p class="empty">"No products match. Try another word or browse a category from the home page."</p> }
            .into_any()
    } else {
        view! { <ProductGrid products=page.items/> }.into_any()
    };
    view! {
        <h1>{heading}</h1>
        // The count heads the cards (their names are h3): headings step down one level at a time.
        <h2 class="result-count">{if count == 1 { "1 product".to_string() } else { format!("{count} products") }}
            {c.cursor.is_some().then_some(" (continued)")}</h2>
        {body}
        <nav class="pager" aria-label="More results">{next}</nav>
    }
}
