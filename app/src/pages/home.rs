//! The home page: categories and a first look at the catalog.

use crate::catalog::{list_categories, search_products};
use crate::components::ProductGrid;
use crate::pages::shopper_message;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let categories = crate::json::load(|| (), |_| list_categories());
    let featured = crate::json::load(|| (), |_| search_products(None, None, None, Some("8".into())));
    view! {
        <Title text="The Better Store"/>
        <section class="hero">
            <h1>"Good things, fairly priced."</h1>
            <p>"Everyday goods chosen to last. Browse by category or search the whole store."</p>
        </section>
        <section aria-labelledby="categories-heading">
            <h2 id="categories-heading">"Shop by category"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading categories…"</p> }>
                {move || Suspend::new(async move {
                    match categories.await {
                        Ok(list) => view! {
                            <ul class="category-list">
                                {list.into_iter().map(|c| view! {
                                    <li>
                                        <a class="category" href=format!("/search?category={}", c.slug)>
                                            <span class="category__name">{c.name}</span>
                                            <span class="category__count">{format!("{} products", c.product_count)}</span>
                                        </a>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{shopper_message(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section aria-labelledby="featured-heading">
            <h2 id="featured-heading">"Featured"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading products…"</p> }>
                {move || Suspend::new(async move {
                    match featured.await {
                        Ok(page) => view! {
                            <ProductGrid products=page.items/>
                            <p><a class="button" href="/search">"See all products"</a></p>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{shopper_message(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
