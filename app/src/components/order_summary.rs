//! An order's money: lines, then net total, shipping, tax and gross total.

use crate::money::format_money;
use crate::orders::{OrderLineView, Totals};
use leptos::prelude::*;

#[component]
pub fn OrderSummary(lines: Vec<OrderLineView>, totals: Totals, currency: String) -> impl IntoView {
    let money = move |minor: i64| format_money(minor, &currency);
    view! {
        <section class="summary" aria-label="Order summary">
            <h2>"Order summary"</h2>
            <ul class="summary__lines">
                {lines.into_iter().map(|l| view! {
                    <li class="summary__line" data-sku=l.sku.clone()>
                        {l.quantity} " × " {l.name.clone()} " — " {money(l.line_total_minor)}
                    </li>
                }).collect_view()}
            </ul>
            <dl>
                <dt>"Net total"</dt><dd data-testid="net-total">{money(totals.net_minor)}</dd>
                <dt>"Shipping"</dt><dd>{if totals.shipping_minor == 0 { "Free".to_string() } else { money(totals.shipping_minor) }}</dd>
                <dt>"Tax (8%)"</dt><dd>{money(totals.tax_minor)}</dd>
                <dt class="total">"Total"</dt><dd class="total" data-testid="gross-total">{money(totals.gross_minor)}</dd>
            </dl>
        </section>
    }
}
