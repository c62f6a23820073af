//! The frame around every page: header (store name, search, cart) and footer.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn Header() -> impl IntoView {
    let query = use_query_map();
    let current_search = move || query.read().get("q").unwrap_or_default();
    view! {
        <header class="site-header">
            <div class="site-header__inner">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    "The Better Store"
                </a>
                <form class="search" action="/search" method="get" role="search">
                    <label for="site-search" class="visually-hidden">"Search products"</label>
                    <input
                        id="site-search"
                        class="search__input"
                        type="search"
                        name="q"
                        placeholder="Search products"
                        maxlength="100"
                        prop:value=current_search
                    />
                    <button class="search__button" type="submit">"Search"</button>
                </form>
                // The cart arrives with checkout; the badge already holds its place.
                <span class="cart-badge" role="status" aria-label="Cart: 0 items" title="Cart">
                    <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
                        <path d="M3 4h2l2.4 10.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 2-1.5L21 8H6.2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
                        <circle cx="10" cy="20" r="1.5" fill="currentColor"/>
                        <circle cx="17" cy="20" r="1.5" fill="currentColor"/>
                    </svg>
                    <span class="cart-badge__count">"0"</span>
                </span>
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>"The Better Store · prices include no tax · free returns within 30 days"</p>
        </footer>
    }
}
