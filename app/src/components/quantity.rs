//! A quantity stepper: the first interactive control, and the one the browser
//! tests use to prove the page hydrated (it only works once the WASM runs).

use crate::catalog::Price;
use crate::money::format_money;
use leptos::prelude::*;

#[component]
pub fn QuantityStepper(price: Price, max: u32, quantity: RwSignal<u32>) -> impl IntoView {
    let set_quantity = quantity;
    let limit = max.max(1);
    // Comparisons stay outside `view!`: a bare `>` there would close the tag.
    let at_min = move || quantity.get() <= 1;
    let at_max = move || quantity.get() >= limit;
    let decrease = move |_| set_quantity.update(|q| *q = q.saturating_sub(1).max(1));
    let increase = move |_| set_quantity.update(|q| *q = (*q + 1).min(limit));
    let total = move || format_money(price.amount_minor * i64::from(quantity.get()), &price.currency);
    view! {
        <input type="hidden" name="quantity" prop:value=move || quantity.get().to_string() value="1"/>
        <div class="stepper" role="group" aria-label="Quantity">
            <button type="button" class="stepper__button" aria-label="Decrease quantity" disabled=at_min on:click=decrease>
                "−"
            </button>
            <output class="stepper__value" aria-live="polite" aria-label="Quantity">{move || quantity.get()}</output>
            <button type="button" class="stepper__button" aria-label="Increase quantity" disabled=at_max on:click=increase>
                "+"
            </button>
        </div>
        <p class="line-total">"Total: " <strong class="line-total__amount">{total}</strong></p>
    }
}
