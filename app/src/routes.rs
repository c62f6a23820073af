//! Which page answers each path: the route table the app's router matches,
//! and [`preload`], which matches a path with the same table before the page
//! is hydrated.

use crate::pages;
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{ChooseView, MatchInterface, MatchNestedRoutes, SsrMode, path};

/// Every route of the store. The shop's pages are in the first download;
/// every other page belongs to a micro-app loaded when first visited
/// ([`pages::PageRoute`]).
pub(crate) fn routes() -> impl MatchNestedRoutes + Clone + Send + 'static {
    view! {
        <Route path=path!("/") view=pages::HomePage ssr=SsrMode::Async/>
        <Route path=path!("/search") view=pages::SearchPage ssr=SsrMode::Async/>
        <Route path=path!("/products/:sku") view=pages::ProductPage ssr=SsrMode::Async/>
        <pages::PageRoute path=path!("/cart") page=pages::CART/>
        <pages::PageRoute path=path!("/checkout") page=pages::CHECKOUT/>
        <pages::PageRoute path=path!("/checkout/:id/pay") page=pages::PAY/>
        <pages::PageRoute path=path!("/orders/:id/confirmation") page=pages::CONFIRMATION/>
        <pages::PageRoute path=path!("/orders") page=pages::MY_ORDERS/>
        <pages::PageRoute path=path!("/orders/:id") page=pages::ORDER/>
        <pages::PageRoute path=path!("/orders/:id/invoice") page=pages::INVOICE/>
        <pages::PageRoute path=path!("/orders/:id/return") page=pages::RETURN/>
        <pages::PageRoute path=path!("/account") page=pages::ACCOUNT/>
        <pages::PageRoute path=path!("/account/sign-in") page=pages::SIGN_IN/>
        <pages::PageRoute path=path!("/account/register") page=pages::REGISTER/>
        <pages::PageRoute path=path!("/account/reset-password") page=pages::RESET_PASSWORD/>
        <pages::PageRoute path=path!("/reports/completed-orders") page=pages::COMPLETED_ORDERS/>
        <pages::PageRoute path=path!("/admin/inventory") page=pages::INVENTORY/>
        <pages::PageRoute path=path!("/admin/inventory/:sku") page=pages::STOCK/>
        <pages::PageRoute path=path!("/admin/products") page=pages::PRODUCTS/>
        <pages::PageRoute path=path!("/admin/products/:sku") page=pages::PRODUCT_EDIT/>
        <pages::PageRoute path=path!("/dispatch") page=pages::DISPATCH_QUEUE/>
        <pages::PageRoute path=path!("/dispatch/returns") page=pages::DISPATCH_RETURNS/>
        <pages::PageRoute path=path!("/dispatch/:id") page=pages::DISPATCH_ORDER/>
        <pages::PageRoute path=path!("/dispatch/:id/slip") page=pages::PACKING_SLIP/>
    }
    .into_inner()
}

/// Loads the code of the page at `path` when that page belongs to a lazily
/// loaded micro-app (the shop's pages are loaded already): the server has
/// rendered the page, and hydrating it needs all of its code at hand.
pub async fn preload(path: &str) {
    let routes = routes();
    if let (Some((_, matched)), _) = routes.match_nested(path) {
        matched.into_view_and_child().0.preload().await;
    }
}
