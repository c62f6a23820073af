//! The cart a shopper sees, in the header and on the cart page: the store's
//! answer (or the newer one the outbox got while sending an edit) with the
//! edits still waiting on this device applied on top.

use super::edits::with_edits;
use super::{CartView, get_cart};
use crate::catalog::Price;
use crate::components::CartRevision;
use crate::device::Device;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct ShownCart {
    server: crate::json::Loaded<Result<CartView, ServerFnError>>,
    /// When `server`'s value was got (UTC): the page's load for the value it
    /// came with, else when the refetch answered. An answer the outbox got
    /// after that is newer.
    loaded_at: RwSignal<String>,
}

impl ShownCart {
    /// One cart resource for the whole page, refetched when the cart's revision moves.
    pub fn provide() -> Self {
        let revision = expect_context::<CartRevision>();
        #[cfg(feature = "hydrate")]
        let loaded_at = RwSignal::new(crate::device::page_started());
        #[cfg(not(feature = "hydrate"))]
        let loaded_at = RwSignal::new(String::new());
        let server = crate::json::load(move || revision.get(), |_| get_cart());
        // Each value after the one the page came with is a refetch that just answered.
        #[cfg(feature = "hydrate")]
        Effect::new(move |first: Option<()>| {
            server.track();
            if first.is_some() {
                loaded_at.set(crate::device::now());
            }
        });
        let shown = Self { server, loaded_at };
        provide_context(shown);
        shown
    }

    /// The cart to show, `None` while loading; an error only when there is
    /// nothing to show at all.
    pub fn get(self) -> Option<Result<CartView, String>> {
        let server = self.server.get();
        let outbox = expect_context::<Device>().outbox.get();
        let edits = outbox.cart_edits();
        let newer = outbox.cart.filter(|saved| saved.at > self.loaded_at.get());
        let base = match (newer.and_then(|saved| crate::json::decode(&saved.value).ok()), server?) {
            (Some(answer), _) => answer,
            (None, Ok(cart)) => cart,
            (None, Err(_)) if !edits.is_empty() => empty(),
            (None, Err(e)) => return Some(Err(crate::pages::shopper_message(&e))),
        };
        Some(Ok(with_edits(&base, &edits)))
    }
}

fn empty() -> CartView {
    CartView { lines: Vec::new(), item_count: 0, subtotal: Price { amount_minor: 0, currency: "USD".into() } }
}
