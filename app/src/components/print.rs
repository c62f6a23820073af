//! A "Print" button for printable pages (the packing slip, the invoice):
//! the print styles leave out the site's header, footer and such buttons.
//! Its click is a Leptos handler, not an inline `onclick`, which the
//! store's Content Security Policy (no inline script) would block.

use leptos::prelude::*;

#[component]
pub fn PrintButton() -> impl IntoView {
    view! { <button class="button no-print" type="button" on:click=|_| print()>"Print"</button> }
}

fn print() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().print();
    }
}
