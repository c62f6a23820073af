//! A quantity stepper: the first interactive control. Its buttons only work
//! once the WASM runs, so until then they are sent and shown disabled (a
//! tap before then is visibly not taken, rather than silently lost).

use crate::catalog::Price;
use crate::money::format_money;
use leptos::prelude::*;

#[component]
pub fn QuantityStepper(price: Price, max: u32, quantity: RwSignal<u32>) -> impl IntoView {
    let set_quantity = quantity;
    let limit = max.max(1);
    // Enabled only in the browser, once the page is hydrated.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(crate::hydration::done()));
    // Comparisons stay outside `view!`: a bare `>` there would close the tag.
    let at_min = move || !ready.get() || quantity.get() <= 1;
    let at_max = move || !ready.get() || quantity.get() >= limit;
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
