//! The frame around every page: header (store name, search, cart) and footer.

use crate::account::{Role, current_account};
use crate::cart::ShownCart;
use crate::device::Device;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::marker::PhantomData;

/// A counter bumped after a change, so whatever shows the changed thing reloads it.
/// `K` tells the counters apart in the reactive context.
pub struct Revision<K>(RwSignal<u64>, PhantomData<K>);

impl<K> Clone for Revision<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for Revision<K> {}

impl<K: Send + Sync + 'static> Revision<K> {
    pub fn new() -> Self {
        Self(RwSignal::new(0), PhantomData)
    }

    pub fn bump(self) {
        self.0.update(|r| *r += 1);
    }

    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl<K: Send + Sync + 'static> Default for Revision<K> {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks the cart's revision: bumped after every cart edit.
pub struct Cart;
/// Marks the account's revision: bumped after signing in or out.
pub struct Account;

pub type CartRevision = Revision<Cart>;
pub type AccountRevision = Revision<Account>;

/// The header's account link ("Sign in", or the account's name) and, for
/// staff, the way to dispatch (dispatchers) and the reports (administrators).
#[component]
fn AccountLinks() -> impl IntoView {
    let revision = expect_context::<AccountRevision>();
    let account = crate::json::load(move || revision.get(), |_| current_account());
    let device = expect_context::<Device>();
    Effect::new(move |_| {
        if let Some(Ok(signed_in)) = account.get() {
            device.signed_in_as(signed_in.map(|a| a.id));
        }
    });
    let links = move || {
        let signed_in = account.get().and_then(Result::ok).flatten();
        let admin = signed_in.as_ref().is_some_and(|a| a.roles.contains(&Role::Admin));
        let dispatcher = admin || signed_in.as_ref().is_some_and(|a| a.roles.contains(&Role::Dispatcher));
        view! {
            {dispatcher.then(|| view! { <a class="header-link" href="/dispatch">"Dispatch"</a> })}
            {admin.then(|| view! { <a class="header-link" href="/reports/completed-orders">"Reports"</a> })}
            {admin.then(|| view! { <a class="header-link" href="/admin/inventory">"Inventory"</a> })}
            {match signed_in {
                Some(a) => view! {
                    <a class="header-link" href="/orders">"My orders"</a>
                    <a class="header-link" href="/account" data-testid="account-link">{a.name}</a>
                }.into_any(),
                None => view! { <a class="header-link" href="/account/sign-in" data-testid="account-link">"Sign in"</a> }.into_any(),
            }}
        }
    };
    view! { <Transition fallback=|| ()><nav class="account-links" aria-label="Account">{links}</nav></Transition> }
}

/// The header's link to the cart, with the number of items in it.
#[component]
fn CartBadge() -> impl IntoView {
    let shown = expect_context::<ShownCart>();
    let count = move || shown.get().and_then(Result::ok).map_or(0, |c| c.item_count);
    let badge = move |n: u32| {
        view! {
            <a class="cart-badge" href="/cart" title="Cart" aria-label=format!("Cart: {}", crate::words::count(n, "item"))>
                <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
                    <path d="M3 4h2l2.4 10.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 2-1.5L21 8H6.2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
                    <circle cx="10" cy="20" r="1.5" fill="currentColor"/>
                    <circle cx="17" cy="20" r="1.5" fill="currentColor"/>
                </svg>
                <span class="cart-badge__count" data-testid="cart-count">{n}</span>
            </a>
        }
    };
    view! { <Transition fallback=move || badge(0)>{move || badge(count())}</Transition> }
}

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
                <AccountLinks/>
                <CartBadge/>
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <super::StatusBar/>
            <p>"The Better Store · prices before tax · free returns within 30 days"</p>
        </footer>
    }
}
